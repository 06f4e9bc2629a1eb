/**
 * Worker threads running TypeScript, for the engine worker and for tests that hammer shared memory.
 * A daemon run from dist/ (scripts/build-dist.mjs) passes a .js entry, which runs as it is: no tsx,
 * whose loader costs the worker a loader thread and an esbuild child process.
 */
import path from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

/**
 * Starts a TypeScript worker under tsx whatever runs the main thread (tsx, vitest) and whatever the
 * cwd. Node 20 rejects a .ts worker before an `--import` loader can claim it, so a small ES module
 * registers tsx first and then imports the entry.
 */
export function tsWorker(entry: URL, workerData: unknown): Worker {
  if (!entry.pathname.endsWith('.ts')) return new Worker(entry, { workerData });
  const dir = path.dirname(createRequire(import.meta.url).resolve('tsx/package.json'));
  const api = pathToFileURL(path.join(dir, 'dist', 'esm', 'api', 'index.mjs')).href;
  const code = `import { register } from ${JSON.stringify(api)}; register(); await import(${JSON.stringify(entry.href)});`;
  return new Worker(code, { eval: true, workerData });
}

