/**
 * Shared parts of the side-by-side benchmarks: the row every section reports, the one table they are
 * printed in, ratios phrased as "faderd N× faster/slower", and timing of child processes (wall, CPU of
 * the whole process tree, peak RSS) through GNU time, so faderd and ffmpeg are measured the same way.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Row {
  /** Section: engine, render, loudness, control, memory, runtime. */
  readonly group: string;
  readonly what: string;
  readonly faderd: string;
  readonly peer?: string;
  readonly ratio?: string;
  readonly note?: string;
  /** The exact command faderd ran for this row, and the peer's (printed under the table). */
  readonly command?: string;
  readonly peerCommand?: string;
  /** This row's figure in issue #20's targets table (printed after the table). */
  readonly target?: Target;
}

/** One row of the targets table: the figure, where it stood when the issue was filed, the goal, now. */
export interface Target {
  readonly figure: string;
  readonly now: string;
  readonly target: string;
  readonly measured: string;
  readonly met?: boolean;
}

export interface BenchOptions {
  /** Short stems, fewer rates, shorter paced runs: the whole bench in under a minute. */
  readonly quick: boolean;
}

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const FADERD_BIN = path.join(ROOT, 'bin', 'faderd.js');

export function parseOptions(argv: readonly string[]): BenchOptions {
  return { quick: argv.includes('--quick') };
}

/** Formats a number with a sensible number of digits for a table cell. */
export function fmt(x: number, digits?: number): string {
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : x < 0 ? '-inf' : '-';
  const d = digits ?? (Math.abs(x) >= 100 ? 0 : Math.abs(x) >= 10 ? 1 : 2);
  return x.toFixed(d);
}

/**
 * Compares two costs where less is better (seconds, % CPU, MB): `faderd / peer`, with the verdict
 * spelled out so a reader never has to remember which way the ratio runs.
 */
export function costRatio(faderd: number, peer: number): string {
  if (!(faderd > 0) || !(peer > 0)) return '-';
  const r = faderd / peer;
  if (Math.abs(r - 1) < 0.05) return `${fmt(r)} (about equal)`;
  return r < 1 ? `${fmt(r)} (faderd ${fmt(1 / r)}× faster)` : `${fmt(r)} (faderd ${fmt(r)}× slower)`;
}

export function formatTable(rows: readonly Row[]): string {
  const head = ['area', 'measure', 'faderd', 'peer', 'faderd/peer', 'note'];
  const cells = rows.map((r) => [r.group, r.what, r.faderd, r.peer ?? '', r.ratio ?? '', r.note ?? '']);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]): string => `| ${c.map((x, i) => x.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...cells.map(line)].join('\n') + '\n';
}

/** One line describing the machine, for the README next to the table. */
export function machineLine(): string {
  const cpus = os.cpus();
  const load = os.loadavg().map((l) => l.toFixed(2)).join(' ');
  const memGb = (os.totalmem() / 2 ** 30).toFixed(1);
  let distro = os.type();
  try {
    distro = /PRETTY_NAME="([^"]+)"/.exec(fs.readFileSync('/etc/os-release', 'utf8'))?.[1] ?? distro;
  } catch {
    // Not every system has os-release; the kernel name is enough then.
  }
  return `${cpus[0]?.model.trim() ?? 'unknown CPU'} × ${cpus.length}, ${memGb} GB, ${distro}, Linux ${os.release()}, Node ${process.version}; load average at start ${load}`;
}

/** The first line of `ffmpeg -version`, or undefined when ffmpeg is not installed. */
export function ffmpegVersion(): string | undefined {
  const r = spawnSync('ffmpeg', ['-hide_banner', '-version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) return undefined;
  return r.stdout.split('\n')[0]?.trim();
}

export function haveCommand(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

export interface Timed {
  readonly code: number;
  readonly wallS: number;
  /** User + system CPU of the process and every descendant it waited for. */
  readonly cpuS: number;
  readonly maxRssMb: number;
  readonly stdout: string;
  readonly stderr: string;
}

const GNU_TIME = '/usr/bin/time';

/** Runs a command to completion under GNU time (Debian package `time`). */
export function timed(cmd: string, args: readonly string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Timed> {
  if (!fs.existsSync(GNU_TIME)) return Promise.reject(new Error(`${GNU_TIME} is missing (apt-get install time); it measures the CPU time of child processes`));
  const report = path.join(os.tmpdir(), `faderd-bench-time-${process.pid}-${Math.random().toString(36).slice(2)}.txt`);
  return new Promise((resolve, reject) => {
    const child = spawn(GNU_TIME, ['-f', '%e %U %S %M', '-o', report, cmd, ...args], { cwd: opts.cwd ?? ROOT, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      let text = '';
      try {
        text = fs.readFileSync(report, 'utf8').trim().split('\n').pop() ?? '';
        fs.rmSync(report, { force: true });
      } catch (e) {
        reject(new Error(`no timing report from ${GNU_TIME}: ${(e as Error).message}`));
        return;
      }
      const [wall, user, sys, rssKb] = text.split(' ').map(Number);
      resolve({ code: code ?? 1, wallS: wall!, cpuS: user! + sys!, maxRssMb: rssKb! / 1024, stdout, stderr });
    });
  });
}

/** Throws with the tail of stderr when a timed command failed. */
export function checkRun(what: string, t: Timed): Timed {
  if (t.code !== 0) throw new Error(`${what} exited with ${t.code}: ${t.stderr.trim().split('\n').slice(-5).join(' / ')}`);
  return t;
}

/**
 * Entry of a section script. `--json` (how run.ts calls it) prints its rows as JSON on stdout;
 * otherwise it prints its own table. Progress goes to stderr either way.
 */
export function sectionMain(moduleUrl: string, measure: (o: BenchOptions) => Promise<Row[]>): void {
  if (process.argv[1] !== fileURLToPath(moduleUrl)) return;
  const opts = parseOptions(process.argv.slice(2));
  measure(opts).then(
    (rows) => {
      if (process.argv.includes('--json')) process.stdout.write(JSON.stringify(rows) + '\n');
      else process.stdout.write(formatTable(rows));
    },
    (e: unknown) => {
      process.stderr.write(`bench: ${(e as Error).stack ?? String(e)}\n`);
      process.exitCode = 1;
    },
  );
}

export function progress(text: string): void {
  process.stderr.write(`  ${text}\n`);
}

/** The value at fraction `p` (0..1) of an ascending array; NaN when it is empty. */
export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

/** A client that sends numbered changes and counts the feedback that comes back. */
export interface RateProbe {
  /** Changes sent so far. */
  readonly seq: number;
  /** Feedback messages received in this window. */
  readonly feedback: number;
  send(): void;
  /** Starts a new measurement window. */
  reset(): void;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Sends at `rate` changes/s for `seconds`, in whole-millisecond ticks, then waits for the feedback to
 * settle; returns the changes sent and the seconds the sending took.
 */
export async function driveAtRate(probe: RateProbe, rate: number, seconds: number): Promise<{ sent: number; took: number }> {
  probe.reset();
  const start = performance.now();
  const first = probe.seq;
  for (;;) {
    const elapsed = performance.now() - start;
    if (elapsed >= seconds * 1000) break;
    const due = Math.floor((elapsed / 1000) * rate) + 1 - (probe.seq - first);
    for (let i = 0; i < due; i++) probe.send();
    await sleep(1);
  }
  const sent = probe.seq - first;
  const took = (performance.now() - start) / 1000;
  // Settle: until no feedback arrived for 300 ms (a backlog drains), at most 5 s.
  for (let quiet = 0, seen = probe.feedback, t = 0; quiet < 300 && t < 5000; t += 50) {
    await sleep(50);
    quiet = probe.feedback === seen ? quiet + 50 : 0;
    seen = probe.feedback;
  }
  return { sent, took };
}
