/**
 * Preload (`node --import ./record-loads.mjs ...`) that writes every module the process loads, one
 * URL or path a line, to the file named by FADERD_RECORD_LOADS: ES modules as the loader resolves
 * them (a resolve hook, so dynamic imports and packages count), and CommonJS modules and native
 * addons (`.node`) from the CommonJS cache at exit. No tracing flags, nothing in faderd itself.
 */
import { createRequire, register } from 'node:module';
import fs from 'node:fs';

const file = process.env.FADERD_RECORD_LOADS;
if (file) {
  register(new URL('./record-loads-hooks.mjs', import.meta.url), { data: { file } });
  const cache = createRequire(import.meta.url).cache;
  process.on('exit', () => fs.appendFileSync(file, Object.keys(cache).map((p) => `${p}\n`).join('')));
}
