/**
 * `faderd run` as a real child process (one process: a signal reaches the daemon itself), on the null clock, with its OSC port and state directory chosen by the caller. Shared by
 * the reliability tests and scripts/soak.ts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { argValue, decodePacket, encodeMessage } from '../../src/surfaces/osc/codec.ts';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface DaemonProcess {
  readonly child: ChildProcess;
  readonly port: number;
  /** Everything written to stderr so far. */
  readonly stderr: () => string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** A UDP port that was free a moment ago. */
export async function freeUdpPort(): Promise<number> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  const port = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/**
 * Asks a daemon for params over OSC (a query is the bare address); resolves with the first argument
 * of each reply once every address has answered, or with what came within `timeoutMs`.
 */
export async function queryOsc(port: number, addresses: readonly string[], timeoutMs = 3000): Promise<Map<string, ReturnType<typeof argValue>>> {
  const sock = dgram.createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  const wanted = new Set(addresses);
  const got = new Map<string, ReturnType<typeof argValue>>();
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    sock.on('message', (data) => {
      try {
        for (const g of decodePacket(data)) for (const m of g.messages) if (wanted.has(m.address) && m.args[0]) got.set(m.address, argValue(m.args[0]));
      } catch {
        // Not a reply we can read: the address stays missing, which the caller reports.
      }
      if (got.size === wanted.size) {
        clearTimeout(timer);
        resolve();
      }
    });
    for (const a of wanted) sock.send(encodeMessage(a, []), port, '127.0.0.1');
  });
  sock.close();
  return got;
}

export interface SpawnOptions {
  readonly stateDir: string;
  readonly session?: string;
  readonly port?: number;
  readonly extraArgs?: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
}

/** Spawns `faderd run` without waiting for it (with --no-http unless extraArgs name an --http-port). */
export function spawnDaemon(opts: SpawnOptions & { port: number }): { child: ChildProcess; stderr: () => string; exited: DaemonProcess['exited'] } {
  const args = [path.join(ROOT, 'bin/faderd.js'), 'run', '-a', 'null', '--osc-port', String(opts.port), '--state-dir', opts.stateDir];
  if (opts.session) args.push('-s', opts.session);
  args.push(...(opts.extraArgs ?? []));
  // No web mixer unless the test asks for one (--http-port): test files run side by side, and a
  // daemon on the default 9080 would meet another's.
  if (!args.includes('--http-port') && !args.includes('--no-http')) args.push('--no-http');
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, FADERD_LOG: 'warn', FADERD_LOG_FORMAT: 'pretty', ...opts.env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (d: string) => {
    err += d;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return { child, stderr: () => err, exited };
}

/** Starts `faderd run` and resolves once it prints its start line; rejects with its stderr if it exits first. */
export async function startDaemon(opts: SpawnOptions, timeoutMs = 60_000): Promise<DaemonProcess> {
  const port = opts.port ?? (await freeUdpPort());
  const d = spawnDaemon({ ...opts, port });
  const started = await Promise.race([
    new Promise<boolean>((resolve) => {
      const check = () => {
        if (/faderd running: /.test(d.stderr())) {
          d.child.stderr!.off('data', check);
          resolve(true);
        }
      };
      d.child.stderr!.on('data', check);
    }),
    d.exited.then(() => false),
    new Promise<boolean>((resolve) => setTimeout(() => resolve(false), timeoutMs)),
  ]);
  if (!started) {
    d.child.kill('SIGKILL');
    throw new Error(`faderd did not start:\n${d.stderr()}`);
  }
  return { ...d, port };
}
