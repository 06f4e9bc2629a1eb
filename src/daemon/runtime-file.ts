/**
 * Where a running daemon can be reached: `<state dir>/faderd.run.json`, written once the daemon is up
 * and removed when it stops. CLI commands read it to talk to the daemon whatever ports it was given.
 * The file is advisory; whether a daemon runs is decided by the state dir's lock (see lock.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../params/atomic-file.ts';

export const RUNTIME_FILE = 'faderd.run.json';

export interface RuntimeInfo {
  readonly pid: number;
  readonly session: string;
  readonly started: string;
  /** The native OSC control endpoint, when OSC is on. */
  readonly osc?: { readonly host: string; readonly port: number };
  readonly http?: { readonly host: string; readonly port: number };
}

function parse(text: string): RuntimeInfo {
  const o = JSON.parse(text) as RuntimeInfo;
  if (!o || typeof o !== 'object' || !Number.isInteger(o.pid)) throw new Error('not a faderd runtime file');
  if (o.osc && (typeof o.osc.host !== 'string' || !Number.isInteger(o.osc.port))) throw new Error('bad osc entry');
  return o;
}

export function writeRuntimeFile(dir: string, info: RuntimeInfo): string {
  const file = path.join(dir, RUNTIME_FILE);
  const text = JSON.stringify(info, null, 1) + '\n';
  writeFileAtomic(file, text, { validate: (t) => void parse(t) });
  return file;
}

/** The runtime file's contents, or undefined when there is none or it is unreadable. */
export function readRuntimeFile(dir: string): RuntimeInfo | undefined {
  try {
    return parse(fs.readFileSync(path.join(dir, RUNTIME_FILE), 'utf8'));
  } catch {
    return undefined;
  }
}

/**
 * Removes the runtime file if it is this process's. Best effort: on a read-only disk it stays, and
 * the lock (gone with this process) is what tells a CLI command that no daemon runs.
 */
export function removeRuntimeFile(dir: string, pid = process.pid): void {
  const file = path.join(dir, RUNTIME_FILE);
  try {
    if (readRuntimeFile(dir)?.pid === pid) fs.rmSync(file, { force: true });
  } catch {
    // Read-only or gone: nothing to clean.
  }
}

/** The address a client on this machine uses for a listener bound to `host` (wildcards become loopback). */
export function clientHost(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '::1';
  return host;
}
