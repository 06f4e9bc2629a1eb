/**
 * The typed side of native/proc-guard: what keeps `faderd run` a single process that always stops.
 *
 * - filterOwnStdio(): native libraries' stray output is filtered inside this process (no re-exec, no
 *   launcher), so the pid that prints the start line is the one signals reach.
 * - armWatchdog(): once a stop begins, a thread outside the JS main thread ends the process after a
 *   bound, even when the main thread is stuck in a loop or a native call.
 *
 * Without the addon (not built), output is left unfiltered and the watchdog is a worker thread that
 * sends SIGKILL: cruder, but the stop bound still holds.
 */
import fs from 'node:fs';
import os from 'node:os';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { NOISE_RULES } from './stdio-filter.ts';

interface ProcGuard {
  filterStdio(rules: readonly { prefix: string; contains?: string }[]): boolean;
  restoreStdio(): void;
  watchdog(ms: number, code: number, message: string): void;
  exitNow(code: number): never;
  lockFile(path: string): number;
}

const ADDON = new URL('../../native/proc-guard/build/Release/proc-guard.node', import.meta.url);
let addon: ProcGuard | Error | undefined;

function load(): ProcGuard | Error {
  if (addon === undefined) {
    const file = fileURLToPath(ADDON);
    if (!fs.existsSync(file)) addon = new Error(`${file} is not built (run npm ci, or node scripts/build-native.mjs)`);
    else {
      try {
        addon = createRequire(import.meta.url)(file) as ProcGuard;
      } catch (e) {
        addon = new Error(`cannot load ${file}: ${(e as Error).message.split('\n')[0]}`);
      }
    }
  }
  return addon;
}

let filtering = false;

/**
 * Filters native noise off fds 1 and 2 in this process; resolves the pipes on exit so no line is lost.
 * Returns why it could not (the addon is missing), or undefined.
 */
export function filterOwnStdio(): string | undefined {
  if (filtering) return undefined;
  const a = load();
  if (a instanceof Error) return a.message;
  a.filterStdio(NOISE_RULES);
  filtering = true;
  process.once('exit', restoreOwnStdio);
  return undefined;
}

/** Puts the original stdout/stderr back and waits until the filter threads passed on every line. */
export function restoreOwnStdio(): void {
  if (!filtering) return;
  filtering = false;
  const a = load();
  if (!(a instanceof Error)) a.restoreStdio();
}

let fallback: Worker | undefined;

/**
 * Ends the process `ms` from now with exit code `code`, printing `message` first, whatever the main
 * thread is doing. Arm it when a stop begins; a clean stop exits before it fires. Arming again keeps
 * the first deadline and replaces the code and message (the stop learned more, e.g. the save failed).
 */
export function armWatchdog(ms: number, code: number, message: string): void {
  const line = message.endsWith('\n') ? message : `${message}\n`;
  const a = load();
  if (!(a instanceof Error)) {
    a.watchdog(ms, code, line);
    return;
  }
  if (fallback) {
    fallback.postMessage(line);
    return;
  }
  fallback = new Worker(
    `const { workerData: d, parentPort } = require('node:worker_threads');
     let line = d.line;
     parentPort.on('message', (l) => { line = l; });
     setTimeout(() => { require('node:fs').writeSync(2, line); process.kill(d.pid, 'SIGKILL'); }, d.ms);`,
    { eval: true, workerData: { ms, line, pid: process.pid } },
  );
  fallback.unref();
}

/**
 * Ends the process now with `code`, without waiting for threads (an audio device that hung holds one
 * of libuv's, and Node would wait for it at exit forever). Every line written so far is passed on.
 */
export function exitNow(code: number): never {
  const a = load();
  if (!(a instanceof Error)) a.exitNow(code);
  process.kill(process.pid, 'SIGKILL');
  throw new Error('unreachable: SIGKILL did not end the process');
}

/**
 * Takes an exclusive lock on `file` (flock, dropped by the kernel when the process ends): the open fd,
 * or the errno name when it is held elsewhere (EWOULDBLOCK) or cannot be opened. Undefined when the
 * addon is missing (the caller falls back to a pid file).
 */
export function flockFile(file: string): { fd: number } | { error: string } | undefined {
  const a = load();
  if (a instanceof Error) return undefined;
  const r = a.lockFile(file);
  if (r >= 0) return { fd: r };
  const name = Object.entries(os.constants.errno).find(([, n]) => n === -r)?.[0] ?? `errno ${-r}`;
  return { error: name };
}
