#!/usr/bin/env node
/**
 * The `faderd` command: runs the CLI in this very process, so `faderd run` is one process whose pid
 * receives signals (no launcher that could be signalled or killed in the daemon's place).
 *
 * It runs dist/, the JavaScript that installing builds from src/ (scripts/build-dist.mjs), when dist/
 * is at least as new as every file under src/: no TypeScript loader then, in this thread or in the
 * engine worker, which keeps an idle daemon small. Otherwise (src/ edited since, or no build) it
 * registers tsx's loader and runs src/ as it is. FADERD_FROM_SOURCE=1 forces src/.
 *
 * CommonJS (bin/package.json), because it must run before anything uses libuv's thread pool: the pool
 * is sized once, at its first use, and an ES module entry is read through it. A device that dies can
 * hold one of the pool's threads for good (see PortAudioStream.stop), so a larger pool keeps state
 * saving and the next device working through several such failures.
 */
'use strict';
process.env.UV_THREADPOOL_SIZE ??= '16';
const path = require('node:path');
const { pathToFileURL } = require('node:url');

const fs = require('node:fs');

const root = path.join(__dirname, '..');

/** Whether dist/ was built after the last change under src/ (files and folders, so deletions count). */
function distIsCurrent() {
  let built;
  try {
    built = fs.statSync(path.join(root, 'dist', '.built')).mtimeMs;
  } catch {
    return false;
  }
  const stack = [path.join(root, 'src')];
  while (stack.length > 0) {
    const dir = stack.pop();
    if (fs.statSync(dir).mtimeMs > built) return false;
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) stack.push(p);
      else if (fs.statSync(p).mtimeMs > built) return false;
    }
  }
  return true;
}

const fromDist = process.env.FADERD_FROM_SOURCE !== '1' && distIsCurrent();

// The pool is sized now (the env is set), so ES modules may load from here on.
(fromDist
  ? import(pathToFileURL(path.join(root, 'dist', 'cli', 'main.js')).href)
  : import('tsx/esm/api').then(({ register }) => {
      register();
      return import(pathToFileURL(path.join(root, 'src', 'cli', 'main.ts')).href);
    })
)
  .then(
    async ({ main }) => {
      process.exitCode = await main(process.argv.slice(2));
    },
    (e) => {
      process.stderr.write(`faderd: cannot start: ${e && e.message ? e.message : String(e)}\n`);
      process.exitCode = 1;
    },
  );
