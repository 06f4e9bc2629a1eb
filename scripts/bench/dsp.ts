/**
 * Mixing-kernel benchmark: ns per frame for each kernel in src/engine/dsp (this file's set), best of
 * several runs, at 48 kHz in 128-frame blocks. "ns/frame" covers all the kernel's channels for one
 * frame; "x realtime" is how many such kernels one core could run at 48 kHz.
 *
 * A second table compares each recursive kernel in silence, 20 s after a loud burst, with the same
 * kernel playing: states that decay into subnormal numbers make silence many times dearer on x86
 * unless the kernel flushes them (ratio ≈ 1 or below is right).
 *
 *   npx tsx scripts/bench/dsp.ts [seconds-per-run]
 */
import { Biquad, BiquadBank, HighPass } from '../../src/engine/dsp/biquad.ts';
import { Compressor } from '../../src/engine/dsp/compressor.ts';
import { StereoDelay } from '../../src/engine/dsp/delay.ts';
import { Gate } from '../../src/engine/dsp/gate.ts';
import { LevelMeter } from '../../src/engine/dsp/meter.ts';
import { Panner } from '../../src/engine/dsp/pan.ts';
import { Reverb } from '../../src/engine/dsp/reverb.ts';
import { Saturator } from '../../src/engine/dsp/saturation.ts';
import { SmoothedGain } from '../../src/engine/dsp/smoother.ts';
import { TiltEq } from '../../src/engine/dsp/tilt.ts';

const FS = 48000;
const BLOCK = 128;
const RUNS = 5;
const seconds = Number(process.argv[2] ?? 2);
const blocksPerRun = Math.ceil((seconds * FS) / BLOCK);

function signal(seed: number, amp: number): Float32Array {
  const x = new Float32Array(BLOCK);
  for (let i = 0; i < BLOCK; i++) x[i] = amp * Math.sin((2 * Math.PI * (220 + seed * 97) * i) / FS + seed);
  return x;
}
const inL = signal(1, 0.5), inR = signal(2, 0.4);
const a = new Float32Array(BLOCK), b = new Float32Array(BLOCK), c = new Float32Array(BLOCK), d = new Float32Array(BLOCK);
/** Fresh copies each block so level-dependent kernels see a steady, realistic signal. */
function refill(): void {
  a.set(inL);
  b.set(inR);
}

interface Case { name: string; run: () => void }

const cases: Case[] = [];
const add = (name: string, run: () => void): void => { cases.push({ name, run }); };

{
  const bq = new Biquad(FS);
  bq.configure('peak', 1000, 1, 6);
  add('Biquad peak (1 ch)', () => { refill(); bq.process(a, BLOCK); });
}
{
  const bank = new BiquadBank(FS, 2);
  bank.configure('highshelf', 8000, 0.7071, 4);
  const ch = [a, b];
  add('BiquadBank (2 ch)', () => { refill(); bank.process(ch, 2, BLOCK); });
}
{
  const hp = new HighPass(FS, 2);
  hp.configure(80, 24);
  const ch = [a, b];
  add('HighPass 24 dB/oct (2 ch)', () => { refill(); hp.process(ch, 2, BLOCK); });
}
{
  const gate = new Gate(FS);
  gate.configure({ thresholdDb: -20, rangeDb: 40, attackMs: 1, holdMs: 20, releaseMs: 100 });
  const ch = [a, b];
  add('Gate (2 ch, open)', () => { refill(); gate.process(ch, 2, BLOCK); });
}
{
  const comp = new Compressor(FS);
  comp.configure({ thresholdDb: -20, ratio: 4, kneeDb: 6, attackMs: 10, releaseMs: 100, makeupDb: 3, autoMakeup: false });
  const ch = [a, b];
  add('Compressor (2 ch, compressing)', () => { refill(); comp.process(ch, 2, BLOCK); });
}
{
  const g = new SmoothedGain(FS);
  g.setImmediateGain(0.5);
  add('SmoothedGain steady (1 ch)', () => { refill(); g.process(a, BLOCK); });
}
{
  const g = new SmoothedGain(FS, 1e6);
  g.setTargetGain(2);
  add('SmoothedGain ramping (1 ch)', () => { refill(); g.process(a, BLOCK); });
}
{
  const p = new Panner(FS);
  p.setImmediatePan(0.3);
  add('Panner mono → stereo', () => { p.processMono(inL, c, d, BLOCK, false); });
}
{
  const p = new Panner(FS);
  p.setImmediatePan(-0.4);
  add('Panner stereo balance', () => { p.processStereo(inL, inR, c, d, BLOCK, false); });
}
{
  const s = new Saturator(FS);
  s.configure({ driveDb: 12, mixPct: 100 });
  s.settle();
  add('Saturator (1 ch)', () => { refill(); s.process(a, BLOCK); });
}
{
  const m = new LevelMeter(FS);
  const ch = [inL, inR];
  add('LevelMeter (2 ch)', () => { m.process(ch, 2, BLOCK); });
}
{
  const dl = new StereoDelay(FS, BLOCK);
  dl.configure({ timeMs: 375, feedbackPct: 40, dampingPct: 30 });
  add('StereoDelay', () => { dl.process(inL, inR, c, d, BLOCK); });
}
{
  const rv = new Reverb(FS, BLOCK);
  rv.configure({ sizePct: 60, decayMs: 2000, dampingPct: 40, predelayMs: 20 });
  add('Reverb (FDN 8)', () => { rv.process(inL, inR, c, d, BLOCK); });
}
{
  // A mono channel strip as the graph builds it: HPF, gate, 4 EQ bands, compressor, fader, pan, meter.
  const hp = new HighPass(FS, 1);
  hp.configure(80, 12);
  const gate = new Gate(FS);
  gate.configure({ thresholdDb: -50, rangeDb: 40, attackMs: 0.5, holdMs: 50, releaseMs: 200 });
  const eq = [new BiquadBank(FS, 1), new BiquadBank(FS, 1), new BiquadBank(FS, 1), new BiquadBank(FS, 1)];
  eq[0]!.configure('lowshelf', 100, 0.7071, 2);
  eq[1]!.configure('peak', 400, 1, -3);
  eq[2]!.configure('peak', 2500, 1, 2);
  eq[3]!.configure('highshelf', 8000, 0.7071, 1);
  const comp = new Compressor(FS);
  comp.configure({ thresholdDb: -20, ratio: 3, kneeDb: 6, attackMs: 10, releaseMs: 100, makeupDb: 0, autoMakeup: true });
  const fader = new SmoothedGain(FS);
  fader.setImmediateGain(0.8);
  const pan = new Panner(FS);
  const meter = new LevelMeter(FS);
  const ch = [a];
  add('Channel strip (mono, all on)', () => {
    refill();
    hp.process(ch, 1, BLOCK);
    gate.process(ch, 1, BLOCK);
    for (const band of eq) band.process(ch, 1, BLOCK);
    comp.process(ch, 1, BLOCK);
    fader.process(a, BLOCK);
    meter.process(ch, 1, BLOCK);
    pan.processMono(a, c, d, BLOCK, true);
  });
}

// Cost of refill() alone, subtracted from the kernels that use it.
let refillNs = 0;
function bestNsPerFrame(run: () => void): number {
  for (let i = 0; i < blocksPerRun; i++) run(); // warm-up: let the optimizing compiler take over
  let best = Infinity;
  for (let r = 0; r < RUNS; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < blocksPerRun; i++) run();
    const ns = Number(process.hrtime.bigint() - t0);
    best = Math.min(best, ns / (blocksPerRun * BLOCK));
  }
  return best;
}

refillNs = bestNsPerFrame(refill);
console.log(`faderd DSP kernels: ${FS} Hz, ${BLOCK}-frame blocks, best of ${RUNS} runs of ${seconds} s audio`);
console.log(`(buffer refill overhead ${refillNs.toFixed(2)} ns/frame, subtracted where used)`);
console.log('kernel'.padEnd(34) + 'ns/frame'.padStart(10) + 'x realtime'.padStart(14));
for (const k of cases) {
  const usesRefill = k.run.toString().includes('refill()');
  const ns = Math.max(0, bestNsPerFrame(k.run) - (usesRefill ? refillNs : 0));
  const rt = ns > 0 ? 1e9 / (ns * FS) : Infinity;
  console.log(k.name.padEnd(34) + ns.toFixed(2).padStart(10) + rt.toFixed(0).padStart(14));
}

// Silence after a burst against playing: one fresh kernel for each, same settings.
interface SilenceCase { name: string; make: () => (l: Float32Array, r: Float32Array) => void }
const silenceCases: SilenceCase[] = [
  { name: 'Biquad peak', make: () => { const k = new Biquad(FS); k.configure('peak', 1000, 1, 6); return (l) => k.process(l, BLOCK); } },
  { name: 'HighPass 24 dB/oct', make: () => { const k = new HighPass(FS, 2); k.configure(80, 24); return (l, r) => k.process([l, r], 2, BLOCK); } },
  { name: 'Gate', make: () => { const k = new Gate(FS); k.configure({ thresholdDb: -40, rangeDb: 40, attackMs: 1, holdMs: 20, releaseMs: 100 }); return (l, r) => k.process([l, r], 2, BLOCK); } },
  { name: 'Compressor', make: () => { const k = new Compressor(FS); k.configure({ thresholdDb: -20, ratio: 4, kneeDb: 6, attackMs: 10, releaseMs: 300, makeupDb: 0, autoMakeup: false }); return (l, r) => k.process([l, r], 2, BLOCK); } },
  { name: 'LevelMeter', make: () => { const k = new LevelMeter(FS); return (l, r) => k.process([l, r], 2, BLOCK); } },
  { name: 'TiltEq', make: () => { const k = new TiltEq(FS, 2); k.configure(4); return (l, r) => k.process([l, r], BLOCK); } },
  { name: 'StereoDelay', make: () => { const k = new StereoDelay(FS, BLOCK); k.configure({ timeMs: 375, feedbackPct: 40, dampingPct: 30 }); k.settle(); return (l, r) => k.process(l, r, l, r, BLOCK); } },
  { name: 'Reverb', make: () => { const k = new Reverb(FS, BLOCK); k.configure({ sizePct: 60, decayMs: 2000, dampingPct: 40, predelayMs: 20 }); return (l, r) => k.process(l, r, l, r, BLOCK); } },
];
const loudL = signal(3, 0.9), loudR = signal(4, 0.9);
console.log('');
console.log('silence 20 s after a loud burst vs playing (ns/frame; ratio > 1: silence is dearer)');
console.log('kernel'.padEnd(34) + 'playing'.padStart(10) + 'silence'.padStart(10) + 'ratio'.padStart(8));
for (const k of silenceCases) {
  const playing = k.make();
  const playNs = Math.max(0, bestNsPerFrame(() => { refill(); playing(a, b); }) - refillNs);
  const quiet = k.make();
  for (let i = 0; i < (0.5 * FS) / BLOCK; i++) { a.set(loudL); b.set(loudR); quiet(a, b); }
  const zero = (): void => { a.fill(0); b.fill(0); };
  for (let i = 0; i < (20 * FS) / BLOCK; i++) { zero(); quiet(a, b); }
  const zeroNs = bestNsPerFrame(zero);
  const silentNs = Math.max(0, bestNsPerFrame(() => { zero(); quiet(a, b); }) - zeroNs);
  console.log(k.name.padEnd(34) + playNs.toFixed(2).padStart(10) + silentNs.toFixed(2).padStart(10) + (silentNs / Math.max(playNs, 1e-3)).toFixed(2).padStart(8));
}
