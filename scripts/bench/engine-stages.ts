/**
 * The strips' filter stages with the native kernels and with the TypeScript reference
 * (FADERD_KERNELS=ts), side by side, at N mono channels, 128-frame blocks @48k:
 *   - the whole engine (the full mix of engine-cost.ts: every strip stage on, 4 aux, 2 fx, master);
 *   - the HPF stage alone (24 dB/oct: two sections fused) and the EQ stage alone (4 bands, two fused
 *     pairs), as the strips run them: the TypeScript banks strip by strip, or the native batch (jobs
 *     written, one call per pass), fresh input every block;
 *   - the gate stage alone, on material that opens and closes it (loud and quiet stretches): Gate.process
 *     strip by strip, or the native batch (gate-batch.ts, one call).
 * Each is measured several times, alternating, keeping the cheapest run (a shared machine's bursts
 * of load then land in neither side).
 *
 *   npx tsx scripts/bench/engine-stages.ts [channels=64] [seconds=2] [rounds=3]
 */
import { ParamRegistry, type ParamValue } from '../../src/params/registry.ts';
import { createEngine } from '../../src/engine/index.ts';
import { BiquadBank, HighPass } from '../../src/engine/dsp/biquad.ts';
import { BiquadBatch, FilterPool, PooledSection, nativeBiquadJobs, nativeBiquadMissing } from '../../src/engine/native/biquad-batch.ts';
import { dspKernels } from '../../src/engine/native/dsp-kernels.ts';
import { GATE_STATE_SIZE, Gate } from '../../src/engine/dsp/gate.ts';
import { GATE_BLOCK, GATE_FALL_AT, GATE_STATE_AT, GateBatch, nativeGateJobs } from '../../src/engine/native/gate-batch.ts';
import { everyStageOn, fullMixSession, setParams } from '../../test/helpers/full-mix.ts';

const SR = 48000;
const BLOCK = 128;
const BLOCK_MS = (BLOCK * 1000) / SR;

const MASTER_FULL: Record<string, ParamValue> = {
  '/master/comp/on': true, '/master/eq/1/gain': 1, '/master/eq/3/gain': -1, '/master/eq/tilt': 1, '/master/width': 120,
  '/master/drive': 2, '/master/exciter': 20, '/master/limiter/on': true, '/master/loudness/auto': true, '/master/dither/on': true,
};

type Kernels = 'native' | 'ts';
/** Runs one block; returns nothing. */
type Step = () => void;

function engineRig(n: number, kernels: Kernels): Step {
  if (kernels === 'ts') process.env.FADERD_KERNELS = 'ts';
  else delete process.env.FADERD_KERNELS;
  const session = fullMixSession(n);
  const registry = ParamRegistry.fromSession(session);
  const engine = createEngine(session, registry, { sampleRate: SR, maxBlock: BLOCK });
  delete process.env.FADERD_KERNELS;
  setParams(engine, registry, { ...MASTER_FULL, ...everyStageOn(n, 4) });
  const inputs = Array.from({ length: engine.inputChannels }, (_, k) => Float32Array.from({ length: BLOCK }, (_, i) => 0.3 * Math.sin((2 * Math.PI * (110 + 37 * k) * i) / SR) + 0.1 * (Math.random() * 2 - 1)));
  const quiet = inputs.map(() => new Float32Array(BLOCK));
  const outputs = Array.from({ length: engine.outputChannels }, () => new Float32Array(BLOCK));
  let b = 0;
  return () => engine.process(b++ % 50 < 40 ? inputs : quiet, outputs, BLOCK);
}

/** The HPF (24 dB/oct at 60 Hz) or the EQ (the full mix's four bands) of n mono strips. */
function stageRig(n: number, kernels: Kernels, stage: 'HPF' | 'EQ'): Step {
  const run = kernels === 'native' ? nativeBiquadJobs() : undefined;
  const pool = run ? new FilterPool(n * BLOCK, n * 4 * 14) : undefined;
  const strips = Array.from({ length: n }, () => {
    const bufs = [pool ? pool.floats(BLOCK) : new Float32Array(BLOCK)];
    const banks: BiquadBank[] = [];
    if (stage === 'HPF') {
      const h = new HighPass(SR, 1, pool);
      h.configure(60, 24);
      banks.push(h.first, h.second);
    } else {
      const designs = [['lowshelf', 100, 0.7071, 2], ['peak', 500, 1, -3], ['peak', 2500, 1, 4], ['highshelf', 8000, 0.7071, 1.5]] as const;
      for (const [type, f, q, g] of designs) {
        const b = new BiquadBank(SR, 1, pool);
        b.configure(type, f, q, g);
        banks.push(b);
      }
    }
    return { bufs, banks, refs: pool ? banks.map((b) => new PooledSection(b, pool)) : [], at: pool ? pool.at32(bufs[0]!) : 0 };
  });
  const src = Array.from({ length: n }, (_, k) => Float32Array.from({ length: BLOCK }, (_, i) => 0.3 * Math.sin((2 * Math.PI * (110 + 37 * k) * i) / SR) + 0.1 * (Math.random() * 2 - 1)));
  if (run && pool) {
    const batch = new BiquadBatch(pool, 2, n, run);
    return () => {
      for (let k = 0; k < n; k++) {
        const s = strips[k]!;
        s.bufs[0]!.set(src[k]!);
        for (let p = 0; p + 1 < s.refs.length; p += 2) {
          batch.pair(p >> 1, s.refs[p]!, s.refs[p + 1]!, 0, s.at);
          s.banks[p]!.glide.advance(BLOCK);
          s.banks[p + 1]!.glide.advance(BLOCK);
        }
      }
      batch.flush(BLOCK);
    };
  }
  return () => {
    for (let k = 0; k < n; k++) {
      const s = strips[k]!;
      s.bufs[0]!.set(src[k]!);
      for (let p = 0; p + 1 < s.banks.length; p += 2) s.banks[p]!.processWith(s.banks[p + 1]!, s.bufs, 1, BLOCK);
    }
  };
}

/** The gate (the bench session's settings) of n mono strips; each strip loud or quiet by turns (~0.4-0.7 s each). */
function gateRig(n: number, kernels: Kernels): Step {
  const run = kernels === 'native' ? nativeGateJobs() : undefined;
  const pool = new FilterPool(n * BLOCK, n * GATE_BLOCK);
  const settings = { thresholdDb: -50, rangeDb: 40, attackMs: 0.5, holdMs: 50, releaseMs: 200 };
  const strips = Array.from({ length: n }, () => {
    const block = pool.doubles(GATE_BLOCK);
    const gate = new Gate(SR, block.subarray(GATE_STATE_AT, GATE_STATE_AT + GATE_STATE_SIZE));
    gate.configure(settings);
    gate.writeParams(block, 0);
    const buf = pool.floats(BLOCK);
    return { gate, block, bufs: [buf], at: pool.at32(buf), blockAt: pool.at64(block) };
  });
  const PERIOD = 256;
  const tone = (g: number): Float32Array[] => Array.from({ length: PERIOD }, (_, b) => Float32Array.from({ length: BLOCK }, (_, i) => g * (0.3 * Math.sin((2 * Math.PI * 220 * (b * BLOCK + i)) / SR) + 0.1 * (Math.random() * 2 - 1))));
  const loud = tone(1), quiet = tone(0.001);
  const src = strips.map((_, k) => Array.from({ length: PERIOD }, (_, b) => (Math.floor((b + 13 * k) / (150 + 3 * k)) % 2 === 0 ? loud : quiet)[b]!));
  const fill = (k: number, b: number): void => strips[k]!.bufs[0]!.set(src[k]![b % PERIOD]!);
  let b = 0;
  if (run) {
    const batch = new GateBatch(pool, n, run);
    return () => {
      for (let k = 0; k < n; k++) {
        const s = strips[k]!;
        fill(k, b);
        s.gate.writeSpanFall(s.block, GATE_FALL_AT, BLOCK);
        batch.add(s.at, -1, 1, s.blockAt);
      }
      batch.flush(BLOCK);
      b++;
    };
  }
  return () => {
    for (let k = 0; k < n; k++) {
      fill(k, b);
      strips[k]!.gate.process(strips[k]!.bufs, 1, BLOCK);
    }
    b++;
  };
}

/** The cost of copying the inputs in, taken off the stage figures. */
function copyRig(n: number): Step {
  const bufs = Array.from({ length: n }, () => new Float32Array(BLOCK));
  const src = bufs.map(() => new Float32Array(BLOCK).fill(0.1));
  return () => {
    for (let k = 0; k < n; k++) bufs[k]!.set(src[k]!);
  };
}

/** % of one core over `seconds` of audio. */
function cost(step: Step, seconds: number): number {
  const blocks = Math.round((seconds * SR) / BLOCK);
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < blocks; i++) step();
  const cpu = process.cpuUsage(cpu0);
  return (100 * (cpu.user + cpu.system)) / 1000 / (blocks * BLOCK_MS);
}

const [n = 64, seconds = 2, rounds = 3] = process.argv.slice(2).map(Number);
const missing = nativeBiquadMissing();
if (missing) console.log(`note: native kernels not in use (${missing}): both columns run the TypeScript kernels`);
else console.log(`native kernels: biquads ${(dspKernels()!.biquadIsa as () => string)()}, compressors ${(dspKernels()!.compIsa as (() => string) | undefined)?.() ?? 'scalar'}`);
const rigs = (['native', 'ts'] as const).flatMap((k) => [
  { k, what: 'engine', step: engineRig(n, k), best: Infinity },
  { k, what: 'HPF', step: stageRig(n, k, 'HPF'), best: Infinity },
  { k, what: 'EQ', step: stageRig(n, k, 'EQ'), best: Infinity },
  { k, what: 'Gate', step: gateRig(n, k), best: Infinity },
]);
const copy = { step: copyRig(n), best: Infinity };
for (const x of [...rigs, copy]) for (let i = 0; i < Math.round(SR / BLOCK); i++) x.step();
for (let r = 0; r < rounds; r++) {
  for (const x of rigs) x.best = Math.min(x.best, cost(x.step, x.what === 'engine' ? seconds : seconds / 2));
  copy.best = Math.min(copy.best, cost(copy.step, seconds / 4));
}
const get = (k: Kernels, what: string): number => rigs.find((x) => x.k === k && x.what === what)!.best - (what === 'engine' ? 0 : copy.best);
console.log(`${n} mono ch, ${BLOCK}-frame blocks @${SR / 1000}k: % of one core (best of ${rounds})`);
console.log('                          native      ts');
const row = (label: string, what: string): void => {
  const us = (k: Kernels): string => `${get(k, what).toFixed(2)} (${((get(k, what) / 100) * BLOCK_MS * 1000).toFixed(0)} µs)`;
  console.log(`${label.padEnd(24)}${us('native').padStart(14)}${us('ts').padStart(16)}`);
};
row('engine, full mix', 'engine');
row('HPF stage (24 dB/oct)', 'HPF');
row('EQ stage (4 bands)', 'EQ');
row('Gate stage', 'Gate');
