#!/usr/bin/env node
/**
 * The `faderd` command: registers tsx's TypeScript loader in this very process and runs the CLI, so
 * `npx faderd` and a global install work without a build step, and `faderd run` is one process whose
 * pid receives signals (no launcher that could be signalled or killed in the daemon's place).
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

// The pool is sized now (the env is set), so ES modules may load from here on.
import('tsx/esm/api')
  .then(({ register }) => {
    register();
    return import(pathToFileURL(path.join(__dirname, '..', 'src', 'cli', 'main.ts')).href);
  })
  .then(
    async ({ main }) => {
      process.exitCode = await main(process.argv.slice(2));
    },
    (e) => {
      process.stderr.write(`faderd: cannot start: ${e && e.message ? e.message : String(e)}\n`);
      process.exitCode = 1;
    },
  );
