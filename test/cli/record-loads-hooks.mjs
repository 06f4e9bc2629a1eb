/** Resolve hook of record-loads.mjs: appends each resolved module URL to the file it is given. */
import fs from 'node:fs';

let file;
export function initialize(data) {
  file = data.file;
}
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  fs.appendFileSync(file, `${r.url}\n`);
  return r;
}
