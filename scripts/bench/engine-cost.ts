/**
 * Engine rows of the table: CPU cost of one 48 kHz, 128-frame block for 8/32/64/128 mono channels with
 * every stage of every strip working (trim, polarity, HPF, gate, 4 EQ bands, compressor, saturation,
 * fader, pan), 4 sends to aux buses and 2 to fx returns, 4 aux buses with full strips, a reverb and a
 * delay, and the master chain; the largest channel count under 50 % of one core (found by bisection);
 * heap growth per block with GCs counted; the master chain's own cost; the default session's cost.
 *
 *   npx tsx scripts/bench/engine-cost.ts [--quick]
 *
 * Runs itself again under `node --expose-gc` (to measure allocation) when started without it.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { PerformanceObserver } from 'node:perf_hooks';
import v8 from 'node:v8';
import { defaultSession, type Session } from '../../src/params/session.ts';
import { ParamRegistry, type ParamValue } from '../../src/params/registry.ts';
import { createEngine, type EngineOptions } from '../../src/engine/index.ts';
import { everyStageOn, fullMixSession, setParams } from '../../test/helpers/full-mix.ts';
import { fmt, sectionMain, progress, type BenchOptions, type Row } from './common.ts';
import { BlockRunner } from '../../src/engine/worker/runner.ts';
import { createParamQueueBuffers, ParamQueueWriter } from '../../src/engine/worker/param-queue.ts';
import { createMeterSnapshotBuffers } from '../../src/engine/worker/meter-snapshot.ts';
import { steadyAllocation } from '../../test/helpers/young-alloc.ts';

const SR = 48000;
const BLOCK = 128;
const BLOCK_MS = (BLOCK * 1000) / SR;

const MASTER_FULL: Record<string, ParamValue> = {
  '/master/comp/on': true,
  '/master/eq/1/gain': 1,
  '/master/eq/3/gain': -1,
  '/master/eq/tilt': 1,
  '/master/width': 120,
  '/master/drive': 2,
  '/master/exciter': 20,
  '/master/limiter/on': true,
  '/master/loudness/auto': true,
  '/master/dither/on': true,
};

/** Every stage of every strip in, every send open, the whole master chain working. */
function fullParams(channels: number, buses: number): Record<string, ParamValue> {
  return { ...MASTER_FULL, ...everyStageOn(channels, buses) };
}

interface Rig {
  /** Renders block number b (signal for 40 blocks, then 10 of silence so gates close and reopen). */
  step(b: number): void;
}

function rig(session: Session, params: Record<string, ParamValue>, opts: EngineOptions = {}): Rig {
  const registry = ParamRegistry.fromSession(session);
  const engine = createEngine(session, registry, { sampleRate: SR, maxBlock: BLOCK, ...opts });
  setParams(engine, registry, params);
  const inputs = Array.from({ length: engine.inputChannels }, (_, k) => {
    const buf = new Float32Array(BLOCK);
    for (let i = 0; i < BLOCK; i++) buf[i] = 0.3 * Math.sin((2 * Math.PI * (110 + 37 * k) * i) / SR) + 0.1 * (Math.random() * 2 - 1);
    return buf;
  });
  const quiet = inputs.map(() => new Float32Array(BLOCK));
  const outputs = Array.from({ length: engine.outputChannels }, () => new Float32Array(BLOCK));
  return { step: (b) => engine.process(b % 50 < 40 ? inputs : quiet, outputs, BLOCK) };
}

interface Cost {
  /** CPU time per block as a share of the block's duration (100 = one whole core). */
  readonly corePct: number;
  readonly rtf: number;
  readonly usPerBlock: number;
}

function cost(r: Rig, seconds: number): Cost {
  for (let b = 0; b < Math.round((1 * SR) / BLOCK); b++) r.step(b);
  const blocks = Math.max(50, Math.round((seconds * SR) / BLOCK));
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let b = 0; b < blocks; b++) r.step(b);
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const audioMs = blocks * BLOCK_MS;
  return { corePct: (100 * (cpu.user + cpu.system)) / 1000 / audioMs, rtf: audioMs / wallMs, usPerBlock: (1000 * wallMs) / blocks };
}

/** Bytes in the young generation, where every new JS object starts (no collection may run in between). */
function youngBytes(): number {
  return v8
    .getHeapSpaceStatistics()
    .filter((sp) => sp.space_name === 'new_space' || sp.space_name === 'new_large_object_space')
    .reduce((a, sp) => a + sp.space_used_size, 0);
}

/**
 * Allocation per block once steady: windows of `blocks` blocks until one allocates under 1 B/block in
 * the young generation (one-time costs such as lazy tables land in the first windows), at most
 * `maxWindows` or `maxMs`. The first engine of a process allocates a few dozen bytes per block for its first
 * ~20,000 blocks (code that V8 has not optimized yet boxes numbers; on a loaded machine the optimizing
 * compiler's thread finishes later); the 8-channel run warms the code for the larger ones. Whole-heap growth is reported beside it: it also counts compiled code and feedback
 * that the JIT adds while it warms up.
 */
function allocation(r: Rig, gc: () => void, blocks: number, maxWindows: number, maxMs: number): { youngPerBlock: number; heapPerBlock: number; gcs: number; warmBlocks: number } {
  let gcs = 0;
  const obs = new PerformanceObserver((list) => {
    gcs += list.getEntries().length;
  });
  // What the measuring itself allocates (the statistics objects), taken off every window.
  gc();
  const c0 = youngBytes();
  const overhead = youngBytes() - c0;
  let young = Infinity;
  let heap = 0;
  let w = 0;
  let forced = 0;
  obs.observe({ entryTypes: ['gc'] });
  const t0 = performance.now();
  for (; w < maxWindows && performance.now() - t0 < maxMs && !(young > -blocks && young < blocks); w++) {
    gc();
    forced++;
    const h0 = process.memoryUsage().heapUsed;
    const y0 = youngBytes();
    for (let b = 0; b < blocks; b++) r.step(b);
    // A scavenge during the window empties the young generation: the difference goes negative and
    // the window does not count.
    young = youngBytes() - y0 - overhead;
    heap = process.memoryUsage().heapUsed - h0;
  }
  obs.disconnect();
  return { youngPerBlock: young > -blocks ? Math.max(0, young) / blocks : NaN, heapPerBlock: Math.max(0, heap) / blocks, gcs: Math.max(0, gcs - forced), warmBlocks: (w - 1) * blocks };
}

const full = (n: number): Rig => rig(fullMixSession(n), fullParams(n, 4));

/** Live-like param traffic: a fader, an EQ gain and a pan, each changed every block. */
const TRAFFIC = ['/ch/1/fader', '/ch/2/eq/2/gain', '/ch/3/pan'];

/**
 * Young-generation bytes per block of the worker's block runner (queue drain, load clock, engine,
 * status, meters) on 8 full channels with 3 param changes per block, once warm: what docs/allocation.md
 * explains. The changes are queued from values already boxed, so the producer adds nothing.
 */
function workerLoopAllocation(blocks: number): number {
  const session = fullMixSession(8);
  const registry = ParamRegistry.fromSession(session);
  const engine = createEngine(session, registry, { sampleRate: SR, maxBlock: BLOCK });
  setParams(engine, registry, fullParams(8, 4));
  const queue = createParamQueueBuffers(1024);
  const runner = new BlockRunner(engine, registry, queue, createMeterSnapshotBuffers(registry.defs.length), BLOCK);
  const writer = new ParamQueueWriter(queue);
  const idx = TRAFFIC.map((a) => registry.get(a)!.index);
  const values: unknown[] = [undefined];
  for (let k = 0; k < 32; k++) values.push(-12 + k * 0.37, -0.5 + k / 32);
  const tone = runner.inputs.map((_, k) => Float32Array.from({ length: BLOCK }, (_, i) => 0.3 * Math.sin((2 * Math.PI * (110 + 37 * k) * i) / SR)));
  for (let c = 0; c < tone.length; c++) runner.inputs[c]!.set(tone[c]!);
  let n = 0;
  const block = (): void => {
    for (let j = 0; j < idx.length; j++) writer.push(idx[j]!, values[1 + ((n + j * 5) & 63)] as number);
    n++;
    runner.render();
  };
  for (let i = 0; i < 3000; i++) block();
  return steadyAllocation(block, blocks, 6) / blocks;
}

/** Largest n with corePct < 50, between a passing lo and a failing hi (cost is close to linear in n). */
function bisect(lo: number, hi: number, seconds: number, resolution: number): number {
  while (hi - lo > Math.max(1, Math.round(lo / resolution))) {
    const mid = Math.round((lo + hi) / 2);
    if (cost(full(mid), seconds).corePct < 50) lo = mid;
    else hi = mid;
  }
  return lo;
}

/** Channel count where the straight line through the measured (channels, % core) points crosses `pct`. */
function interpolate(points: ReadonlyArray<[number, number]>, pct: number): number {
  for (let i = 1; i < points.length; i++) {
    const [n0, c0] = points[i - 1]!;
    const [n1, c1] = points[i]!;
    if (c0 < pct && c1 >= pct) return Math.floor(n0 + ((pct - c0) / (c1 - c0)) * (n1 - n0));
  }
  return points[0]![0];
}

async function measure(o: BenchOptions): Promise<Row[]> {
  const gc = (globalThis as { gc?: () => void }).gc;
  const rows: Row[] = [];
  const seconds = o.quick ? 0.3 : 8;
  let pass = 0;
  let fail = 0;
  const costs: Array<[number, number]> = [];
  for (const n of [8, 32, 64, 128]) {
    progress(`engine: ${n} channels`);
    const r = full(n);
    const c = cost(r, n >= 64 ? seconds / 2 : seconds);
    const allocBlocks = o.quick ? 300 : 2000;
    // --quick measures allocation on the two smaller rigs only: the larger ones take longest to warm.
    const a = gc && !(o.quick && n >= 64) ? allocation(r, gc, allocBlocks, o.quick ? 3 : 20, o.quick ? 1500 : 20000) : undefined;
    costs.push([n, c.corePct]);
    if (c.corePct < 50) pass = n;
    else if (!fail) fail = n;
    rows.push({
      group: 'engine',
      what: `${n} ch, one 128-frame block @48k (full strips, 4 aux, 2 fx, master)`,
      faderd: `${fmt(c.corePct, 1)} % of one core, ${fmt(c.rtf, 1)}× real time, ${fmt(c.usPerBlock, 0)} µs/block`,
      ...(n === 64 ? { target: { figure: 'engine, 64 ch', now: '28.5 % of a core', target: '<= 15 %', measured: `${fmt(c.corePct, 1)} %`, met: c.corePct <= 15 } } : {}),
      note: a ? `allocated ${fmt(a.youngPerBlock, 1)} B/block (young generation), heap growth ${fmt(a.heapPerBlock, 1)} B/block, ${a.gcs} GCs (after ${a.warmBlocks} blocks of warm-up${o.quick ? '; --quick may not reach steady state' : ''})` : gc ? 'allocation not measured in --quick' : 'allocation not measured (needs --expose-gc)',
    });
  }
  progress('engine: largest channel count under 50 % of one core');
  // --quick interpolates between the measured counts (cost is close to linear in channels).
  const largest = !fail ? pass : o.quick ? interpolate(costs, 50) : bisect(pass, fail, 3, 50);
  rows.push({
    group: 'engine',
    what: 'largest channel count under 50 % of one core',
    faderd: fail ? `${largest} ch` : `> ${pass} ch`,
    ...(fail ? { note: o.quick ? 'interpolated between the measured counts' : 'bisection between the measured counts' } : {}),
  });

  progress('engine: master chain');
  const one = fullMixSession(1);
  // A small difference of two costs: alternate the two rigs and keep the cheapest run of each, so a
  // burst of load from elsewhere on the machine does not land in one side only.
  const rigs = [rig(one, fullParams(1, 0)), rig(one, fullParams(1, 0), { master: null })];
  const best = [Infinity, Infinity];
  for (let k = 0; k < 6; k++) best[k % 2] = Math.min(best[k % 2]!, cost(rigs[k % 2]!, seconds / 2).corePct);
  const masterPct = best[0]! - best[1]!;
  rows.push({
    group: 'engine',
    what: 'master chain (EQ, tilt, glue comp, width, drive, exciter, TP limiter, loudness rider, dither)',
    faderd: `${fmt(masterPct, 2)} % of one core, ${fmt((masterPct / 100) * BLOCK_MS * 1000, 1)} µs/block`,
    note: `engine with the chain minus engine without it, 1 ch${o.quick ? '; --quick: within noise' : ''}`,
  });

  progress('engine: worker loop allocation with param traffic');
  const perBlock = workerLoopAllocation(o.quick ? 500 : 2000);
  rows.push({
    group: 'engine',
    what: 'worker loop (runner + engine, 8 ch) with 3 param changes per block (fader, EQ gain, pan), allocation',
    faderd: `${fmt(perBlock, 1)} B/block`,
    note: 'setters read their value from a cell and hand it on in arrays and fields (docs/allocation.md)',
    target: { figure: 'allocation per block, worker loop', now: '~120 B', target: '0', measured: `${fmt(perBlock, 1)} B`, met: perBlock < 2 },
  });

  progress('engine: default session');
  const def = defaultSession();
  const d = cost(rig(def, {}), seconds);
  rows.push({ group: 'engine', what: 'default session (8 ch, 2 buses, 2 fx, master), offline', faderd: `${fmt(d.corePct, 2)} % of one core, ${fmt(d.rtf, 0)}× real time` });
  return rows;
}

const gcGlobal = (globalThis as { gc?: () => void }).gc;
if (!gcGlobal && process.argv[1] === fileURLToPath(import.meta.url)) {
  const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exitCode = r.status ?? 1;
} else {
  sectionMain(import.meta.url, measure);
}
