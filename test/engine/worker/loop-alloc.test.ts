/**
 * The engine worker's loop allocates nothing per block beyond what a param change itself costs: the
 * block runner (queue drain, clock, engine, status, meter snapshot) with and without param traffic,
 * and the null clock driving it on real timers (the param path is the runner's; Node's own cost of
 * waking a thread on a timer, ~370 bytes, is measured alongside and allowed), and the PortAudio
 * device loop on an ALSA null device, unpaced (naudiodon's own cost per block, ~1 KB of promises,
 * async work and a Buffer per read and write, is measured alongside with a bare read/write loop and
 * allowed; see docs/allocation.md). (The JACK cycle has its own test, cycle-alloc.test.ts.) Like the engine's allocation
 * test, the measuring runs in a child process this file starts on itself, under tsx with a small
 * inlining budget.
 *
 * Param changes allocate nothing either: setters read their value from a cell (ParamCell) rather
 * than taking it as a number argument, which V8 boxes when the call is not inlined (the engine's
 * setter table is one call site for hundreds of closures), and hand it on the same way. The traffic
 * here is a fader (a dB-to-gain conversion and a ramp), an EQ gain (the band's biquads redesigned on
 * the next block) and a pan (new pan-law targets), every block.
 */
import fs from 'node:fs';
import { PerformanceObserver } from 'node:perf_hooks';
import v8 from 'node:v8';
import { beforeAll, describe, expect, it } from 'vitest';
import { ParamRegistry } from '../../../src/params/registry.ts';
import { createEngine } from '../../../src/engine/index.ts';
import { BlockRunner } from '../../../src/engine/worker/runner.ts';
import { createParamQueueBuffers, ParamQueueWriter } from '../../../src/engine/worker/param-queue.ts';
import { createMeterSnapshotBuffers } from '../../../src/engine/worker/meter-snapshot.ts';
import { NullClock, RefreshTimer } from '../../../src/audio/null/null-clock.ts';
import { PortAudioStream } from '../../../src/audio/portaudio/stream.ts';
import { loadAddon } from '../../../src/audio/portaudio/addon.ts';
import { makeAlsaHome } from '../../audio/portaudio/alsa-home.ts';
import { everyStageOn, fullMixSession, setParams } from '../../helpers/full-mix.ts';
import { CLEAN_BYTES, runAllocProbe, steadyAllocation } from '../../helpers/young-alloc.ts';

const PROBE_FLAG = '--loop-alloc-probe';
const SR = 48000;
const BLOCK = 128;
/** A param and the range its changes sweep. */
type Change = readonly [address: string, lo: number, hi: number];

/** Live-like traffic, one change of each per block (see above). */
const CHANGES: readonly Change[] = [['/ch/1/fader', -30, 6], ['/ch/2/eq/2/gain', -12, 12], ['/ch/3/pan', -1, 1]];

/**
 * One setting of every kind a strip, a bus, the master chain and an fx return have, each changed
 * every block: their setters and the stages' reconfiguring (gate, compressor, saturation, HPF, tilt,
 * exciter, width, reverb), and the delay gliding to its new time.
 */
const SETTINGS: readonly Change[] = [
  ['/ch/1/trim', -6, 6], ['/ch/1/hpf/freq', 40, 200], ['/ch/1/gate/threshold', -60, -40], ['/ch/1/gate/release', 50, 300],
  ['/ch/1/comp/threshold', -30, -10], ['/ch/1/comp/ratio', 2, 6], ['/ch/1/sat/drive', 0, 12], ['/ch/1/send/1/level', -20, 0],
  ['/bus/1/fader', -10, 0], ['/bus/1/comp/attack', 1, 30], ['/master/fader', -6, 0], ['/master/eq/tilt', -2, 2],
  ['/master/exciter', 0, 30], ['/master/comp/threshold', -20, -10], ['/master/width', 80, 120], ['/fx/1/decay', 800, 2500],
  ['/fx/2/time', 200, 500],
];

interface ProbeResult {
  readonly name: string;
  readonly bytes: number;
  readonly blocks: number;
  /** Changes applied in the measured window. */
  readonly changes: number;
  /** Timeout objects the null clock made over its whole run. */
  readonly timers?: number;
  /** Timer wake-ups in the measured window (the real-time cases). */
  readonly wakes?: number;
}

interface Rig {
  readonly runner: BlockRunner;
  /** Fills the inputs (tone for 40 blocks, silence for 10) and queues `perBlock` param changes. */
  readonly feed: () => void;
  readonly changes: () => number;
}

function rig(channels: number, list: readonly Change[]): Rig {
  const session = fullMixSession(channels);
  const registry = ParamRegistry.fromSession(session);
  const engine = createEngine(session, registry, { sampleRate: SR, maxBlock: BLOCK });
  setParams(engine, registry, everyStageOn(channels, 4));
  const queue = createParamQueueBuffers(1024);
  const runner = new BlockRunner(engine, registry, queue, createMeterSnapshotBuffers(registry.defs.length), BLOCK);
  const writer = new ParamQueueWriter(queue);
  const indexes = list.map(([a]) => registry.get(a)!.index);
  // The control side's values arrive as numbers it already holds: arrays of tagged elements (the
  // undefined keeps V8 from storing them unboxed), so queueing them boxes nothing here. Six values
  // across each range, none of them whole numbers.
  const values = list.map(([, lo, hi]) => [undefined, ...[0, 1, 2, 3, 4, 5].map((k) => lo + ((hi - lo) * k) / 5 + 0.0125)] as unknown[]);
  const tone = runner.inputs.map((_, k) => Float32Array.from({ length: BLOCK }, (_, i) => 0.3 * Math.sin((2 * Math.PI * (110 + 37 * k) * i) / SR) + 0.1 * Math.sin(i * (1.3 + k))));
  let n = 0;
  let changes = 0;
  return {
    runner,
    feed: () => {
      for (let j = 0; j < indexes.length; j++) writer.push(indexes[j]!, values[j]![1 + ((n + j) % 6)] as number);
      changes += indexes.length;
      const loud = n++ % 50 < 40;
      for (let c = 0; c < tone.length; c++) {
        if (loud) runner.inputs[c]!.set(tone[c]!);
        else runner.inputs[c]!.fill(0);
      }
    },
    changes: () => changes,
  };
}

/** The runner alone, driven in a loop. */
function runnerCase(name: string, list: readonly Change[]): ProbeResult {
  const perBlock = list.length;
  const { runner, feed, changes } = rig(8, list);
  const block = (): void => {
    feed();
    runner.render();
  };
  for (let i = 0; i < 3000; i++) block();
  const c0 = changes();
  const bytes = steadyAllocation(block, 2000, 6);
  const windows = (changes() - c0) / (2000 * Math.max(1, perBlock));
  return { name, bytes, blocks: 2000, changes: perBlock > 0 ? (changes() - c0) / windows : 0 };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function youngBytes(): number {
  for (const s of v8.getHeapSpaceStatistics()) if (s.space_name === 'new_space') return s.space_used_size;
  return 0;
}

/** Collections so far (the observer is notified soon after each, off the stack that collected). */
let collections = 0;
function watchCollections(): void {
  new PerformanceObserver((list) => void (collections += list.getEntries().length)).observe({ entryTypes: ['gc'] });
}
const settle = (): Promise<void> => new Promise((r) => setImmediate(() => setImmediate(r)));

/**
 * Young-generation bytes over `ms` of real time, best of three windows by bytes per wake-up, with the
 * counters' increments over that window. A window with a collection in it is void (new space was
 * emptied in the middle: the difference would under-count), and so is one the young generation did
 * not hold (the unpaced device allocates megabytes a second in naudiodon).
 */
async function window(ms: number, wakes: () => number, blocks: () => number, changes: () => number): Promise<Omit<ProbeResult, 'name'>> {
  let best = { bytes: Infinity, wakes: 1, blocks: 0, changes: 0 };
  for (let w = 0; w < 8 && (w < 3 || best.bytes === Infinity); w++) {
    (globalThis as { gc?: () => void }).gc?.();
    await settle();
    const gcs = collections;
    const [w0, b0, c0] = [wakes(), blocks(), changes()];
    const before = youngBytes();
    await sleep(ms);
    const after = youngBytes();
    const r = { bytes: after >= before ? after - before : Infinity, wakes: Math.max(1, wakes() - w0), blocks: blocks() - b0, changes: changes() - c0 };
    await settle();
    if (collections !== gcs) continue;
    if (r.bytes / r.wakes < best.bytes / best.wakes) best = r;
  }
  return best;
}

/**
 * What Node itself allocates to wake a thread on a timer, with nothing else done: a lone refreshed
 * timer with the null clock's delay. Measured here because it is Node's (~370 bytes on Node 20,
 * twice that with a new setTimeout per wake-up), not faderd's, and differs between versions.
 */
async function nodeWakeCase(name: string, delayMs: number): Promise<ProbeResult> {
  let wakes = 0;
  const t: RefreshTimer = new RefreshTimer(() => {
    t.fired();
    wakes++;
    t.schedule();
  }, delayMs);
  t.schedule();
  await sleep(300);
  const r = await window(1000, () => wakes, () => 0, () => 0);
  t.cancel();
  return { name, ...r };
}

/** The null clock on Node's timers, at its real pace, around a warm runner. */
async function nullClockCase(name: string, perBlock: number): Promise<ProbeResult> {
  const { runner, feed, changes } = rig(2, CHANGES.slice(0, perBlock));
  for (let i = 0; i < 3000; i++) {
    feed();
    runner.render();
  }
  const clock = new NullClock(runner, { beforeBlock: feed });
  clock.start();
  await sleep(500);
  const r = await window(1500, () => clock.wakes, () => runner.blocks, changes);
  clock.stop();
  return { name, ...r, timers: clock.timersMade };
}

/**
 * The null clock's own work per wake-up, with Node's timer dispatch out of the picture: the clock is
 * woken by calling its timer callback, on the test's time (written into the clock's array, so no double
 * is returned across a call), one block period after the last, so every wake-up renders one block.
 * Its Timeout is the real one, re-armed with refresh() as on Node's timers. What a busy machine does to
 * Node's timer internals (late timers cost Node more) cannot show here: only faderd's code is measured.
 */
function nullClockVirtualCase(name: string): ProbeResult {
  const { runner, feed } = rig(2, []);
  const vt = new Float64Array(1);
  const clock = new NullClock(runner, { beforeBlock: feed, clock: (out, i) => void (out[i] = vt[0]!) });
  const tick = (clock as unknown as { tick: () => void }).tick;
  const period = runner.blockPeriodMs;
  clock.start();
  const wake = (): void => {
    vt[0] = vt[0]! + period;
    tick();
  };
  for (let i = 0; i < 3000; i++) wake();
  const w0 = clock.wakes;
  const b0 = runner.blocks;
  const bytes = steadyAllocation(wake, 2000, 6);
  const windows = (clock.wakes - w0) / 2000;
  const blocks = (runner.blocks - b0) / windows;
  clock.stop();
  return { name, bytes, blocks, changes: 0, wakes: 2000 };
}

/** Blocks per second on the unpaced null device run in the hundreds of thousands: a short window is plenty. */
const DEVICE_WINDOW_MS = 300;

/**
 * naudiodon's own cost per block, with nothing of faderd's: the device loop's shape (one read in
 * flight, one write in flight, awaited) around no engine, on the same device and format.
 */
async function nodeDeviceCase(name: string): Promise<ProbeResult> {
  const addon = loadAddon();
  const dev = addon.getDevices().find((d) => d.name === 'mixnull');
  if (!dev) throw new Error('no mixnull device: the probe needs the test ALSA HOME');
  const base = { deviceId: dev.id, sampleRate: SR, sampleFormat: 1, framesPerBuffer: BLOCK, closeOnError: true };
  const io = addon.create({ inOptions: { ...base, channelCount: 2, maxQueue: 16 }, outOptions: { ...base, channelCount: 2, maxQueue: 4 } });
  const out = Buffer.alloc(BLOCK * 2 * 4);
  await io.write(out);
  io.start();
  let blocks = 0;
  let running = true;
  const loop = async (): Promise<void> => {
    let next = io.read(out.length);
    let pending: Promise<unknown> | undefined;
    while (running) {
      await next;
      next = io.read(out.length);
      if (pending) await pending;
      pending = io.write(out);
      blocks++;
    }
  };
  const done = loop().catch(() => undefined);
  await sleep(300);
  const r = await window(DEVICE_WINDOW_MS, () => blocks, () => blocks, () => 0);
  running = false;
  await io.quit('ABORT');
  await done;
  return { name, ...r };
}

/** The PortAudio backend's loop around a warm runner, on the null device (float32, stereo). */
async function deviceCase(name: string): Promise<ProbeResult> {
  const { runner, feed } = rig(2, []);
  for (let i = 0; i < 3000; i++) {
    feed();
    runner.render();
  }
  const stream = new PortAudioStream(runner, { device: 'mixnull', sampleRate: SR, format: 'float32', latency: 'low' });
  let failed = '';
  await stream.start((reason) => (failed = reason));
  await sleep(500);
  const r = await window(DEVICE_WINDOW_MS, () => runner.blocks, () => runner.blocks, () => 0);
  await stream.stop();
  if (failed) throw new Error(`the null device failed: ${failed}`);
  return { name, ...r };
}

async function probe(): Promise<void> {
  v8.setFlagsFromString('--max-inlined-bytecode-size-cumulative=100');
  v8.setFlagsFromString('--expose-gc');
  (globalThis as { gc?: () => void }).gc = (await import('node:vm')).runInNewContext('gc') as () => void;
  watchCollections();
  const out = (r: ProbeResult): void => void process.stdout.write(`${JSON.stringify(r)}\n`);
  out(runnerCase('runner', []));
  out(runnerCase('runner, 3 changes per block', CHANGES));
  out(runnerCase('runner, every kind of setting every block', SETTINGS));
  out(await nodeWakeCase('node wake', Math.floor((BLOCK / SR) * 1000)));
  out(nullClockVirtualCase('null clock, virtual time'));
  out(await nullClockCase('null clock', 0));
  // Twice each, alternated: the device's pace varies with the machine's load.
  for (const round of [1, 2]) {
    out(await nodeDeviceCase(`naudiodon bare loop ${round}`));
    out(await deviceCase(`PortAudio device loop ${round}`));
  }
}

if (process.argv.includes(PROBE_FLAG)) {
  await probe();
} else {
  describe('engine worker loop, once warm', () => {
    let results: Map<string, ProbeResult>;
    beforeAll(async () => {
      // The probe's PortAudio cases play to an ALSA null device of a private HOME. A young generation
      // of 32 MB holds a whole window of naudiodon's allocation (~1 KB a block, thousands of blocks a
      // second unpaced) without a collection voiding it.
      const alsa = makeAlsaHome('faderd-loop-alloc-');
      try {
        results = await runAllocProbe<ProbeResult>(import.meta.url, PROBE_FLAG, {
          nodeFlags: ['--min-semi-space-size=32', '--max-semi-space-size=32'],
          env: { ...process.env, HOME: alsa.home },
        });
      } finally {
        fs.rmSync(alsa.dir, { recursive: true, force: true });
      }
    }, 180_000);

    it('block runner, no param changes: no allocation per block', () => {
      const r = results.get('runner')!;
      // One boxed double per block would be ≥ 24 KB in 2000 blocks.
      expect(r.bytes).toBeLessThan(CLEAN_BYTES);
    });

    it('block runner, 3 param changes per block (fader, EQ gain, pan): no allocation per block', () => {
      const r = results.get('runner, 3 changes per block')!;
      expect(r.changes).toBe(3 * r.blocks);
      // One boxed double per change would be ≥ 96 KB in 2000 blocks.
      expect(r.bytes).toBeLessThan(CLEAN_BYTES);
    });

    it(`block runner, ${SETTINGS.length} settings of every kind changed every block: no allocation per block`, () => {
      const r = results.get('runner, every kind of setting every block')!;
      expect(r.changes).toBe(SETTINGS.length * r.blocks);
      expect(r.bytes).toBeLessThan(CLEAN_BYTES);
    });

    it('null clock, on virtual time: no allocation per wake-up and block', () => {
      const r = results.get('null clock, virtual time')!;
      // One boxed double per wake-up (the time read, a wait passed on) would be ≥ 24 KB in 2000.
      expect(r.bytes).toBeLessThan(CLEAN_BYTES);
      // Every wake-up rendered its block (the schedule is the clock's; the test's time, a running sum
      // of periods, may round one wake-up just short of a due time, and the next renders two).
      expect(Math.abs(r.blocks - 2000)).toBeLessThanOrEqual(1);
    });

    it(`null clock on Node's timers: one Timeout for the whole run, and no more than Node's own per wake-up`, () => {
      const r = results.get('null clock')!;
      const node = results.get('node wake')!;
      // However busy the machine, a second and a half of 2.7 ms blocks is hundreds of them.
      expect(r.blocks).toBeGreaterThan(100);
      // One Timeout, refreshed: not one per wake-up (setTimeout would make ~180 bytes of them each time).
      expect(r.timers).toBe(1);
      // Node's own cost per wake-up (~370 bytes on Node 20) varies with the machine's load: a late
      // timer costs Node more. Twice it bounds a leak growing per wake-up without depending on load;
      // the clock's own code is held to zero by the virtual-time case above.
      const nodePerWake = node.bytes / node.wakes!;
      expect(r.bytes / r.wakes!).toBeLessThan(2 * nodePerWake + 64);
    });

    it("PortAudio device loop: nothing per block beyond naudiodon's own promises and buffers", () => {
      const perBlock = (r: ProbeResult): number => r.bytes / Math.max(1, r.blocks);
      const bare = Math.min(perBlock(results.get('naudiodon bare loop 1')!), perBlock(results.get('naudiodon bare loop 2')!));
      const loops = [results.get('PortAudio device loop 1')!, results.get('PortAudio device loop 2')!];
      for (const r of loops) expect(r.blocks).toBeGreaterThan(100);
      // Buffer's readFloatLE/writeFloatLE not inlined box every sample (~4 KB per stereo block of
      // 128), a new Buffer per block is ~170 bytes; the bare loop itself varies by ~40 per block.
      expect(Math.min(...loops.map(perBlock))).toBeLessThan(bare + 100);
    });
  });
}
