/**
 * `npm run bench [-- --quick]`: every side-by-side benchmark in one run, printed as one table with the
 * machine it ran on. Each section runs as its own child process (so one section's heap, JIT state or
 * stems do not weigh on the next) and reports rows as JSON; a section that fails becomes a row saying
 * why, and the others still run.
 *
 *   --quick        short stems, fewer rates, a short paced run: under a minute
 *   --only a,b     only these sections (engine, offline, control, idle, serial, x32, paced, web, runtime, latency, hostile)
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ffmpegVersion, formatTable, machineLine, parseOptions, type Row } from './common.ts';
import { formatCommands, formatTargets } from './targets.ts';

const here = path.dirname(fileURLToPath(import.meta.url));

interface Section {
  readonly name: string;
  readonly file: string;
  readonly nodeFlags?: readonly string[];
  /** Left out of --quick (it cannot fit in the minute). */
  readonly fullOnly?: boolean;
}

const AREAS = ['engine', 'render', 'loudness', 'control', 'memory', 'runtime', 'web', 'latency', 'hostile'];

const SECTIONS: readonly Section[] = [
  { name: 'engine', file: 'engine-cost.ts', nodeFlags: ['--expose-gc'] },
  { name: 'offline', file: 'offline.ts' },
  { name: 'control', file: 'control.ts' },
  // The default session's idle memory (from dist/, and from src/ through tsx).
  { name: 'idle', file: 'idle.ts' },
  { name: 'serial', file: 'serial.ts' },
  { name: 'x32', file: 'x32.ts' },
  { name: 'paced', file: 'paced.ts' },
  { name: 'web', file: 'web.ts' },
  // The engine worker alone on the paced device, next to a bare passthrough (the machine's own glitches).
  { name: 'runtime', file: 'runtime.ts', fullOnly: true },
  // Round trips through JACK for faderd and its peers at 64/128/256 frames (128 only with --quick).
  { name: 'latency', file: 'latency.ts' },
  // One hostile OSC packet of each of the worst kinds (issue #14), against the former code.
  { name: 'hostile', file: 'hostile.ts' },
];

function runSection(s: Section, args: readonly string[]): Promise<Row[]> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...(s.nodeFlags ?? []), '--import', 'tsx', path.join(here, s.file), '--json', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const failed = (why: string): Row[] => [{ group: s.name, what: `section ${s.file}`, faderd: 'not measured', note: why }];
    child.on('error', (e) => resolve(failed(e.message)));
    child.on('close', (code) => {
      // Native modules may print to stdout too (naudiodon does); the rows are the last JSON array line.
      const last = out.trim().split('\n').reverse().find((l) => l.startsWith('[')) ?? '';
      try {
        if (code !== 0) throw new Error(`exited with ${code} (see its messages above)`);
        resolve(JSON.parse(last) as Row[]);
      } catch (e) {
        resolve(failed((e as Error).message));
      }
    });
  });
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const opts = parseOptions(argv);
  const onlyAt = argv.indexOf('--only');
  const only = onlyAt >= 0 ? new Set((argv[onlyAt + 1] ?? '').split(',')) : undefined;
  const unknown = only ? [...only].filter((n) => !SECTIONS.some((s) => s.name === n)) : [];
  if (unknown.length) {
    process.stderr.write(`bench: unknown section ${unknown.join(', ')}; sections: ${SECTIONS.map((s) => s.name).join(', ')}\n`);
    process.exitCode = 2;
    return;
  }
  const machine = machineLine();
  const t0 = performance.now();
  const rows: Row[] = [];
  for (const s of SECTIONS) {
    if (only && !only.has(s.name)) continue;
    if (opts.quick && s.fullOnly) continue;
    process.stderr.write(`[${s.name}]\n`);
    const t = performance.now();
    rows.push(...(await runSection(s, opts.quick ? ['--quick'] : [])));
    process.stderr.write(`[${s.name}] ${((performance.now() - t) / 1000).toFixed(1)} s\n`);
  }
  const ffmpeg = ffmpegVersion();
  process.stdout.write(`\nfaderd benchmarks${opts.quick ? ' (--quick: short stems, fewer rates, short paced run)' : ''}\n`);
  process.stdout.write(`machine: ${machine}\n`);
  process.stdout.write(`peers: ${ffmpeg ?? 'ffmpeg not installed'}\n\n`);
  // Sections may report rows of several areas (control.ts and serial.ts report memory); keep each area together.
  const order = [...new Set([...AREAS, ...rows.map((r) => r.group)])];
  process.stdout.write(formatTable(order.flatMap((g) => rows.filter((r) => r.group === g))));
  process.stdout.write(`\n${formatTargets(rows)}\n${formatCommands(rows)}`);
  process.stdout.write(`\ntotal ${((performance.now() - t0) / 1000).toFixed(0)} s. Ratios are faderd/peer for costs (time, CPU): under 1 means faderd is faster.\n`);
}

await main();
