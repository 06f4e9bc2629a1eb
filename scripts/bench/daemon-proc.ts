/**
 * A `faderd run` child for the benchmarks: its own state folder, a free OSC port, the null clock
 * unless told otherwise; resolves once it says it is running, and stops it by its own pid.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FADERD_BIN, ROOT } from './common.ts';
import { freeUdpPort } from '../../test/reliability/daemon-process.ts';

export interface DaemonProc {
  readonly child: ChildProcess;
  readonly oscPort: number;
  /** Pid of the daemon process itself (faderd run re-spawns itself behind a stdio filter). */
  readonly pids: () => number[];
  stop(): Promise<void>;
}

/** Every descendant pid of `pid` (from /proc), the process itself first. */
export function processTree(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(d)]);
    } catch {
      // The process ended while we looked.
    }
  }
  const out: number[] = [];
  const walk = (p: number): void => {
    out.push(p);
    for (const c of children.get(p) ?? []) walk(c);
  };
  walk(pid);
  return out;
}

function isZombie(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

/** Resident set size of a process in MB (VmRSS), 0 once it has gone. */
export function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

export async function startDaemon(opts: { session?: string; audio?: string; block?: number; timeoutMs?: number; env?: NodeJS.ProcessEnv; args?: readonly string[] } = {}): Promise<DaemonProc> {
  const oscPort = await freeUdpPort();
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'faderd-bench-state-'));
  const args = [FADERD_BIN, 'run', '--osc-port', String(oscPort), '--state-dir', stateDir, '--audio', opts.audio ?? 'null'];
  if (opts.session) args.push('--session', opts.session);
  if (opts.block) args.push('--block', String(opts.block));
  args.push(...(opts.args ?? ['--no-http']));
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'], env: opts.env ?? process.env });
  let err = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`faderd run did not come up in ${opts.timeoutMs ?? 30000} ms: ${err.trim().slice(-400)}`)), opts.timeoutMs ?? 30000);
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      if (err.includes('faderd running')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`faderd run exited with ${code}: ${err.trim().slice(-400)}`));
    });
  });
  child.removeAllListeners('exit');
  const stop = async (): Promise<void> => {
    // The launcher's descendants (tsx, the daemon behind its stdio filter) as they are now: if the
    // daemon does not stop in time, each of them is killed by pid, so none is left running.
    const tree = child.pid ? processTree(child.pid) : [];
    if (child.exitCode === null) child.kill('SIGTERM');
    const deadline = performance.now() + 10_000;
    const alive = (): number[] => tree.filter((pid) => fs.existsSync(`/proc/${pid}`) && !isZombie(pid));
    while (alive().length && performance.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    for (const pid of alive()) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // It ended between the check and the kill.
      }
    }
    fs.rmSync(stateDir, { recursive: true, force: true });
  };
  return { child, oscPort, pids: () => (child.pid ? processTree(child.pid) : []), stop };
}
