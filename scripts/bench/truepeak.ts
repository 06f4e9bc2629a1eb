/**
 * True-peak meter cost (#19): the staged meter of src/engine/dsp/truepeak.ts against the two meters it
 * replaced, run here as peers (plain polyphase FIR meters, every point of every sample):
 *   - the BS.1770-5 Annex 2 example filter, 4× (48 taps): the old meter, up to 0.25 dB low;
 *   - a 16× Kaiser-windowed sinc (±32 taps): the old accurate meter, ~17× the Annex one's cost.
 * Two programmes, 48 kHz stereo: programme-like noise (peaks spread out, as a mix), and the same noise
 * pushed 12 dB into the limiter (a loud master: most samples near the top, the staged meter's worst
 * case). Then the limiter (whose detector is the same staged search) in 128-frame blocks, 12 dB over.
 * The staged meter and the limiter run on both kernels side by side: the TypeScript reference and the
 * dsp-kernels addon's copy (native/dsp-kernels/src/truepeak.c), its AVX2 build where the CPU has it
 * and its baseline (SSE2) build, in ns per sample (per channel). The limiter's per-sample loop after
 * the detector is native (limiter.c) with the native detectors, and once more in TypeScript beside them.
 *
 *   npx tsx scripts/bench/truepeak.ts [seconds-per-run]
 */
import { TruePeakLimiter } from '../../src/engine/dsp/limiter.ts';
import { kaiser, sinc } from '../../src/engine/dsp/sinc.ts';
import { TP_HALF, TruePeakMeter, truePeakKernel, truePeakScan, useTruePeakKernel, type TruePeakKernel } from '../../src/engine/dsp/truepeak.ts';
import { nativeTruePeakMissing, type NativeTruePeakScan } from '../../src/engine/native/truepeak-kernel.ts';

import { bestOf, programme } from './programme.ts';

const FS = 48000;
const BLOCK = 128;
const RUNS = 3;
const seconds = Number(process.argv[2] ?? 10);
const n = Math.round(seconds * FS);

/** BS.1770-5 Annex 2 example interpolator, rows = taps 0..11, columns = phases 0..3. */
const ANNEX2 = [
  [0.001708984375, -0.0291748046875, -0.0189208984375, -0.00830078125],
  [0.010986328125, 0.029296875, 0.0330810546875, 0.0148925781250],
  [-0.0196533203125, -0.0517578125, -0.0582275390625, -0.0266113281250],
  [0.033203125, 0.0891113281250, 0.1015625, 0.0476074218750],
  [-0.0594482421875, -0.16650390625, -0.2003173828125, -0.1022949218750],
  [0.1373291015625, 0.465087890625, 0.77978515625, 0.97216796875],
  [0.97216796875, 0.77978515625, 0.465087890625, 0.1373291015625],
  [-0.1022949218750, -0.2003173828125, -0.16650390625, -0.0594482421875],
  [0.0476074218750, 0.1015625, 0.0891113281250, 0.033203125],
  [-0.0266113281250, -0.0582275390625, -0.0517578125, -0.0196533203125],
  [0.0148925781250, 0.0330810546875, 0.029296875, 0.010986328125],
  [-0.00830078125, -0.0189208984375, -0.0291748046875, 0.001708984375],
];
const annex = Float64Array.from({ length: 48 }, (_, i) => ANNEX2[i % 12]![Math.floor(i / 12)]!);
const k16 = Float64Array.from({ length: 16 * 64 }, (_, i) => {
  const p = Math.floor(i / 64), d = 32 - (i % 64) - p / 16;
  return sinc(d) * kaiser(d / 33, 6);
});

/** Peak of every phase of a polyphase FIR (coef[p·taps + k] multiplies x[n − k]) over whole channels. */
function firMeter(chans: Float32Array[], coef: Float64Array, phases: number): number {
  const taps = coef.length / phases;
  let peak = 0;
  for (const x of chans) {
    for (let i = taps - 1; i < x.length; i++) {
      for (let p = 0; p < phases; p++) {
        let y = 0;
        for (let k = 0; k < taps; k++) y += coef[p * taps + k]! * x[i - k]!;
        if (Math.abs(y) > peak) peak = Math.abs(y);
      }
    }
  }
  return peak;
}

const best = (run: () => void): number => bestOf(RUNS, run);

function limited(chans: Float32Array[], gain: number): Float32Array[] {
  const out = chans.map((c) => Float32Array.from(c, (v) => v * gain));
  const lim = new TruePeakLimiter(FS, BLOCK, 2);
  for (let at = 0; at + BLOCK <= n; at += BLOCK) lim.process(out.map((c) => c.subarray(at, at + BLOCK)), BLOCK);
  return out;
}

const line = (name: string, value: string): void => void process.stdout.write(`${name.padEnd(58)} ${value}\n`);
/** Runs make() with the given kernel selected for the meters and detectors it constructs. */
function using<T>(kernel: TruePeakKernel, make: () => T): T {
  const before = truePeakKernel();
  useTruePeakKernel(kernel);
  try {
    return make();
  } finally {
    useTruePeakKernel(before);
  }
}
const missing = nativeTruePeakMissing();
const kernels: TruePeakKernel[] = missing === undefined ? ['ts', 'native', 'native-baseline'] : ['ts'];
const label = (k: TruePeakKernel): string => (k === 'ts' ? 'reference (TypeScript)' : `native kernel, ${(truePeakScan(k) as NativeTruePeakScan).isa}`);
const ns = (secs: number): string => `${((secs * 1e9) / (2 * n)).toFixed(1)} ns/sample`;
const mix = [programme(n, 1, FS), programme(n, 2, FS)];
const master = limited(mix, 4);
process.stdout.write(`true-peak benchmark: ${seconds} s stereo at ${FS} Hz, best of ${RUNS}\n`);
if (missing !== undefined) process.stdout.write(`native kernel not in use (${missing}): the reference alone\n`);
for (const [name, prog] of [['mix', mix], ['limited master', master]] as const) {
  const times = kernels.map((k) => best(() => { const m = using(k, () => new TruePeakMeter(FS, 2)); m.process(prog, n); }));
  const tsTime = times[0]!;
  const nativeTime = times[1];
  kernels.forEach((k, i) => line(`${name}: staged meter, ${label(k)}`, i === 0 ? ns(tsTime) : `${ns(times[i]!)}, ${(tsTime / times[i]!).toFixed(1)}x faster`));
  const staged = nativeTime ?? tsTime;
  const old4 = best(() => firMeter(prog, annex, 4));
  const old16 = best(() => firMeter(prog, k16, 16));
  line(`${name}: staged meter (16x grid, ±${TP_HALF} taps)${nativeTime !== undefined ? ', native' : ''}`, `${(seconds / staged).toFixed(0)}x real time`);
  line(`${name}: Annex 2 4x meter (old)`, `${(seconds / old4).toFixed(0)}x real time, staged costs ${(staged / old4).toFixed(2)}x`);
  line(`${name}: 16x ±32 meter (old accurate)`, `${(seconds / old16).toFixed(0)}x real time, staged costs ${(staged / old16).toFixed(2)}x`);
}
const l = new Float32Array(BLOCK), r = new Float32Array(BLOCK);
/** The detector's kernel, and the per-sample loop after it (limiter.c, or limiter.ts's own with 'ts'). */
const limiterRuns: [TruePeakKernel, 'ts' | 'auto', string][] = kernels.map((k) => [k, k === 'ts' ? 'ts' : 'auto', label(k)]);
if (missing === undefined) limiterRuns.splice(1, 0, ['native', 'ts', `${label('native')} detector, TypeScript loop`]);
for (const [k, loop, name] of limiterRuns) {
  const lim = using(k, () => new TruePeakLimiter(FS, BLOCK, 2, { kernel: loop }));
  const limSecs = best(() => {
    for (let at = 0; at + BLOCK <= n; at += BLOCK) {
      for (let i = 0; i < BLOCK; i++) { l[i] = 4 * mix[0]![at + i]!; r[i] = 4 * mix[1]![at + i]!; }
      lim.process([l, r], BLOCK);
    }
  });
  line(`limiter, 128 frames, 12 dB over, ${name}`, `${((100 * limSecs) / seconds).toFixed(2)} % of one core, ${ns(limSecs)}`);
}
