/**
 * Idle memory of the default session, as `npm start` runs it (`node [its options] bin/faderd.js run`, no config:
 * audio auto, web mixer, X32 and OSC servers on), only on free ports and a fresh state folder. After
 * it has been idle a while, the RSS and PSS of every process in its tree are summed from
 * /proc/<pid>/smaps_rollup. RSS counts pages shared with other processes (node's own code) in full,
 * PSS shares them out: RSS is the figure of the target, PSS the one that adds up across processes.
 *
 * The row is the daemon as installed (dist/, scripts/build-dist.mjs); the second row runs src/
 * through tsx (FADERD_FROM_SOURCE=1), as it runs during development.
 *
 *   npx tsx scripts/bench/idle.ts [--quick]
 */
import fs from 'node:fs';
import net from 'node:net';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fmt, progress, ROOT, sectionMain, type BenchOptions, type Row } from './common.ts';
import { startDaemon } from './daemon-proc.ts';
import { freeUdpPort } from '../../test/reliability/daemon-process.ts';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

interface TreeMemory {
  readonly rssMb: number;
  readonly pssMb: number;
  readonly processes: number;
  readonly threads: number;
}

/** Sums smaps_rollup's Rss and Pss over the processes (kB to MB), with their thread count. */
function treeMemory(pids: readonly number[]): TreeMemory {
  let rss = 0;
  let pss = 0;
  let threads = 0;
  let processes = 0;
  for (const pid of pids) {
    try {
      const text = fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
      rss += Number(/^Rss:\s+(\d+)/m.exec(text)?.[1] ?? 0);
      pss += Number(/^Pss:\s+(\d+)/m.exec(text)?.[1] ?? 0);
      threads += fs.readdirSync(`/proc/${pid}/task`).length;
      processes++;
    } catch {
      // The process ended while we looked.
    }
  }
  return { rssMb: rss / 1024, pssMb: pss / 1024, processes, threads };
}

/** The node options package.json's start script gives bin/faderd.js (the young generation's size). */
export function startNodeFlags(): string[] {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  const m = /^node\s+(.*?)\s*bin\/faderd\.js run$/.exec(pkg.scripts.start ?? '');
  if (!m) throw new Error(`package.json's start script is not "node [options] bin/faderd.js run": ${pkg.scripts.start}`);
  return m[1]!.split(/\s+/).filter((a) => a !== '');
}

async function idle(o: BenchOptions, fromSource: boolean): Promise<TreeMemory> {
  const [x32, http] = [await freeUdpPort(), await freeTcpPort()];
  const flags = startNodeFlags().join(' ');
  const env = { ...process.env, FADERD_FROM_SOURCE: fromSource ? '1' : '', NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} ${flags}`.trim() };
  // startDaemon picks the OSC port and state folder; the rest is the default session's defaults.
  const daemon = await startDaemon({ audio: 'auto', env, args: ['--x32-port', String(x32), '--http-port', String(http)], timeoutMs: 60_000 });
  try {
    await sleep(o.quick ? 3000 : 15_000);
    return treeMemory(daemon.pids());
  } finally {
    await daemon.stop();
  }
}

async function measure(o: BenchOptions): Promise<Row[]> {
  const built = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'build-dist.mjs')], { encoding: 'utf8' });
  if (built.status !== 0) throw new Error(`scripts/build-dist.mjs failed: ${built.stderr}`);
  progress('idle: faderd run, default session, from dist/');
  const dist = await idle(o, false);
  progress('idle: faderd run, default session, from src/ through tsx');
  const src = await idle(o, true);
  const line = (m: TreeMemory): string => `PSS ${fmt(m.pssMb, 0)} MB; ${m.processes} process${m.processes === 1 ? '' : 'es'}, ${m.threads} threads`;
  return [
    {
      group: 'memory',
      what: `idle RSS, default session (npm start), whole process tree, after ${o.quick ? 3 : 15} s`,
      faderd: `${fmt(dist.rssMb, 0)} MB`,
      note: `${line(dist)}; from src/ through tsx: RSS ${fmt(src.rssMb, 0)} MB, ${line(src)}`,
      command: `node ${startNodeFlags().join(' ')} bin/faderd.js run (npm start; dist/ built by npm ci; ports moved off the defaults)`,
      target: { figure: 'idle RSS, default session', now: '~160 MB', target: '<= 100 MB', measured: `${fmt(dist.rssMb, 0)} MB`, met: dist.rssMb <= 100 },
    },
  ];
}

sectionMain(import.meta.url, measure);
