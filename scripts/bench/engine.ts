/**
 * Engine benchmark: real-time factor and share of one core for 8, 32, 64 and 128 mono channels, each
 * with its whole strip in (trim, polarity, HPF, gate, 4 active EQ bands, compressor, saturation,
 * fader, pan), 4 sends to aux buses and 2 to fx returns; 4 aux buses (full strips too), a reverb and a
 * delay, and the master chain, at 48 kHz with 128-frame blocks. Then young-generation allocation
 * per block after warm-up, with garbage collections counted (should be ~0 bytes and no GC), and the
 * share of a core once the inputs have been silent for 5 s (filter and envelope states decaying into subnormal
 * numbers make silence dearer than music unless the kernels flush them).
 *
 *   npx tsx scripts/bench/engine.ts [channels...]
 *
 * It re-runs itself under `node --expose-gc` when started without it.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { PerformanceObserver } from 'node:perf_hooks';
import v8 from 'node:v8';
import { ParamRegistry, type ParamValue } from '../../src/params/registry.ts';
import { createEngine } from '../../src/engine/index.ts';
import type { Engine } from '../../src/engine/types.ts';
import { everyStageOn, fullMixSession, setParams } from '../../test/helpers/full-mix.ts';

const SR = 48000;
const BLOCK = 128;
const WINDOWS = 6;
const gc = (globalThis as { gc?: () => void }).gc;

if (!gc) {
  const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exitCode = r.status ?? 1;
} else {
  run(gc);
}

/** Everything in: every stage of every strip active, every send open, the master chain working. */
function fullParams(channels: number): Record<string, ParamValue> {
  return {
    ...everyStageOn(channels, 4),
    '/master/comp/on': true, '/master/eq/1/gain': 1, '/master/eq/tilt': 1, '/master/width': 120, '/master/drive': 2, '/master/limiter/on': true,
  };
}

function build(channels: number): { engine: Engine; inputs: Float32Array[]; outputs: Float32Array[] } {
  const session = fullMixSession(channels);
  const registry = ParamRegistry.fromSession(session);
  const engine = createEngine(session, registry, { sampleRate: SR, maxBlock: BLOCK });
  setParams(engine, registry, fullParams(channels));
  // Decaying noise bursts over a tone: gates open and close, compressors work.
  const inputs = Array.from({ length: engine.inputChannels }, (_, k) => {
    const buf = new Float32Array(BLOCK);
    for (let i = 0; i < BLOCK; i++) buf[i] = 0.3 * Math.sin((2 * Math.PI * (110 + 37 * k) * i) / SR) + 0.1 * (Math.random() * 2 - 1);
    return buf;
  });
  const outputs = Array.from({ length: engine.outputChannels }, () => new Float32Array(BLOCK));
  return { engine, inputs, outputs };
}

function measure(channels: number, seconds: number) {
  const { engine, inputs, outputs } = build(channels);
  const blocks = Math.round((seconds * SR) / BLOCK);
  const quiet = inputs.map(() => new Float32Array(BLOCK));
  // Every 50th block of silence lets gates close and reopen.
  const step = (b: number): void => engine.process(b % 50 < 40 ? inputs : quiet, outputs, BLOCK);
  for (let b = 0; b < Math.round((4 * SR) / BLOCK); b++) step(b);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let b = 0; b < blocks; b++) step(b);
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  const audioMs = (blocks * BLOCK * 1000) / SR;
  return { channels, rtf: audioMs / wallMs, corePct: (100 * cpuMs) / audioMs, usPerBlock: (1000 * wallMs) / blocks, engine, step, outputs, quiet };
}

/** Share of one core (%) over 2 s of silence, after 5 s of it. */
function silentCorePct(engine: Engine, quiet: Float32Array[], outputs: Float32Array[]): number {
  const blocks = Math.round((2 * SR) / BLOCK);
  for (let b = 0; b < Math.round((5 * SR) / BLOCK); b++) engine.process(quiet, outputs, BLOCK);
  const cpu0 = process.cpuUsage();
  for (let b = 0; b < blocks; b++) engine.process(quiet, outputs, BLOCK);
  const cpu = process.cpuUsage(cpu0);
  return (100 * (cpu.user + cpu.system)) / 1000 / ((blocks * BLOCK * 1000) / SR);
}

/** Bytes in the young generation, where every new JS object starts (compiled code and feedback go elsewhere). */
function youngBytes(): number {
  for (const sp of v8.getHeapSpaceStatistics()) if (sp.space_name === 'new_space') return sp.space_used_size;
  return 0;
}

/**
 * Allocation per block in steady state: young-generation bytes over a window after a GC, the smallest
 * of six windows (the first ones may still run code the optimizing compiler has not finished, which
 * boxes every double; on a busy machine it can take tens of seconds of audio to settle), less what
 * the measuring itself allocates; and the GCs seen meanwhile. A window a collection ran in does not count.
 */
function allocation(step: (b: number) => void, gcNow: () => void, blocks: number): { bytesPerBlock: number; gcs: number } {
  let gcs = 0;
  const obs = new PerformanceObserver((list) => {
    gcs += list.getEntries().length;
  });
  gcNow();
  const o0 = youngBytes();
  const overhead = youngBytes() - o0;
  let best = Infinity;
  for (let w = 0; w < WINDOWS; w++) {
    gcNow();
    if (w === 0) obs.observe({ entryTypes: ['gc'] });
    const y0 = youngBytes();
    for (let b = 0; b < blocks; b++) step(b);
    const grown = youngBytes() - y0 - overhead;
    if (grown >= -overhead) best = Math.min(best, Math.max(0, grown) / blocks);
  }
  obs.disconnect();
  // The forced collections before every window but the first are ours, not the engine's.
  return { bytesPerBlock: best, gcs: Math.max(0, gcs - (WINDOWS - 1)) };
}

function run(gcNow: () => void): void {
  const counts = process.argv.slice(2).map(Number).filter((n) => n > 0);
  const list = counts.length ? counts : [8, 32, 64, 128];
  console.log(`engine: ${BLOCK}-frame blocks at ${SR} Hz; full strips, 4 aux buses, 2 fx, master chain`);
  console.log('channels  x real time  % of one core  µs/block  allocated/block  GCs in 12000 blocks  % core in silence');
  let best = 0;
  for (const n of list) {
    const m = measure(n, n >= 64 ? 5 : 10);
    const a = allocation(m.step, gcNow, 2000);
    const silent = silentCorePct(m.engine, m.quiet, m.outputs);
    if (m.corePct < 50) best = Math.max(best, n);
    console.log(
      `${String(n).padStart(8)}  ${m.rtf.toFixed(1).padStart(11)}  ${m.corePct.toFixed(1).padStart(13)}  ${m.usPerBlock.toFixed(0).padStart(8)}  ${a.bytesPerBlock.toFixed(1).padStart(13)} B  ${String(a.gcs).padStart(18)}  ${silent.toFixed(1).padStart(17)}`,
    );
  }
  console.log(best ? `largest channel count under 50 % of one core: ${best}` : 'no channel count measured ran under 50 % of one core');
}
