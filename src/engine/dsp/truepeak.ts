/**
 * True-peak meter per ITU-R BS.1770-5 Annex 2: 4× oversampling through the 48-tap interpolating FIR the
 * Annex prints (4 phases × 12 taps), absolute value, maximum, dBTP. The Annex filter is used on purpose:
 * the limiter detects peaks with its own Kaiser-windowed interpolator (oversampler.ts), so this meter is
 * an independent check of the limiter's ceiling, not the limiter's detector grading itself.
 *
 * 4× at every rate (the Annex asks 4× at 48 kHz and prefers more at higher rates, never less).
 * Chunks whose samples cannot reach the current maximum through the filter (|x|max · Σ|h| ≤ max) skip the
 * FIR, which keeps a steady or falling programme cheap to meter.
 *
 * Thread rules: the constructor allocates; process(), reset() and the getters do not and never throw.
 */
import { checkPositive } from './util.ts';

/** BS.1770-5 Annex 2 example interpolator, rows = taps 0..11, columns = phases 0..3. */
const ANNEX2: ReadonlyArray<readonly [number, number, number, number]> = [
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

const TAPS = 12;
const PHASES = 4;
const CHUNK = 1024;

/** Coefficients laid out phase-major: COEF[p * TAPS + k] multiplies x[n - k]. */
const COEF = new Float64Array(PHASES * TAPS);
for (let p = 0; p < PHASES; p++) for (let k = 0; k < TAPS; k++) COEF[p * TAPS + k] = ANNEX2[k]![p]!;
/** COEF with each phase reversed: REV[p * TAPS + k] multiplies x[n − TAPS + 1 + k]. */
const REV = new Float64Array(PHASES * TAPS);
for (let p = 0; p < PHASES; p++) for (let k = 0; k < TAPS; k++) REV[p * TAPS + k] = COEF[p * TAPS + TAPS - 1 - k]!;
const SKIP_SPAN = 32;
let l1 = 0;
for (let p = 0; p < PHASES; p++) {
  let s = 0;
  for (let k = 0; k < TAPS; k++) s += Math.abs(COEF[p * TAPS + k]!);
  l1 = Math.max(l1, s);
}
/** Largest output any phase can give for inputs bounded by 1. */
const MAX_GAIN = l1;

/**
 * The Annex 2 interpolator as a peak detector, for the limiter: per input sample i, the largest |value|
 * of the 4 interpolated points lying in [i − ANNEX_DELAY, i − ANNEX_DELAY + 1) (the symmetric 48-tap
 * filter puts them at odd eighths of a sample). Inputs that cannot reach `floor` skip the FIR.
 */
export const ANNEX_DELAY = 6;

export class AnnexPeakDetector {
  private readonly work = new Float64Array(TAPS - 1 + CHUNK);
  private readonly floor = new Float64Array(1);

  reset(): void {
    this.work.fill(0);
  }

  /** Level under which the FIR may be skipped (see Oversampler.setFloor). */
  setFloor(floor: number): void {
    this.floor[0] = floor;
  }

  peaks(input: Float32Array, frames: number, out: Float64Array): void {
    const floor = this.floor[0]!;
    const w = this.work;
    const h = TAPS - 1;
    for (let done = 0; done < frames; done += CHUNK) {
      const n = Math.min(CHUNK, frames - done);
      for (let i = 0; i < n; i++) w[h + i] = input[done + i]!;
      // The skip test per SKIP_SPAN samples: quiet stretches between peaks cost almost nothing.
      for (let s0 = 0; s0 < n; s0 += SKIP_SPAN) {
        const s1 = Math.min(n, s0 + SKIP_SPAN);
        let inMax = 0;
        for (let j = s0; j < s1 + h; j++) {
          const a = Math.abs(w[j]!);
          if (a > inMax) inMax = a;
        }
        if (inMax * MAX_GAIN <= floor) {
          out.fill(0, done + s0, done + s1);
          continue;
        }
        for (let i = s0; i < s1; i++) {
          let pk = 0;
          for (let p = 0; p < PHASES; p++) {
            const o = p * TAPS;
            let y = 0;
            for (let k = 0; k < TAPS; k++) y += REV[o + k]! * w[i + k]!;
            const a = y < 0 ? -y : y;
            if (a > pk) pk = a;
          }
          out[done + i] = pk;
        }
      }
      w.copyWithin(0, n, n + h);
    }
  }
}

export const toDbtp = (linear: number): number => (linear > 0 ? 20 * Math.log10(linear) : -Infinity);

export class TruePeakMeter {
  readonly channels: number;
  readonly oversampling = PHASES;
  private readonly peaks: Float64Array;
  /** Per channel: TAPS − 1 history samples followed by up to CHUNK new ones. */
  private readonly work: Float64Array[];

  constructor(sampleRate: number, channels: number) {
    checkPositive('sampleRate', sampleRate);
    checkPositive('channels', channels);
    this.channels = channels;
    this.peaks = new Float64Array(channels);
    this.work = Array.from({ length: channels }, () => new Float64Array(TAPS - 1 + CHUNK));
  }

  reset(): void {
    this.peaks.fill(0);
    for (const w of this.work) w.fill(0);
  }

  /** Highest true peak of all channels since reset, linear (1.0 = 0 dBTP). */
  get truePeak(): number {
    let m = 0;
    for (let c = 0; c < this.channels; c++) if (this.peaks[c]! > m) m = this.peaks[c]!;
    return m;
  }

  get truePeakDbtp(): number {
    return toDbtp(this.truePeak);
  }

  /** Writes the true peak (dBTP) to out[at], without boxing a double (see LoudnessMeter.writeLevels). */
  writeDbtp(out: Float64Array, at: number): void {
    let m = 0;
    for (let c = 0; c < this.channels; c++) if (this.peaks[c]! > m) m = this.peaks[c]!;
    out[at] = m > 0 ? 20 * Math.log10(m) : -Infinity;
  }

  channelPeakDbtp(channel: number): number {
    return toDbtp(this.peaks[channel] ?? 0);
  }

  process(chans: ReadonlyArray<Float32Array>, frames: number, offset = 0): void {
    for (let done = 0; done < frames; done += CHUNK) {
      const n = Math.min(CHUNK, frames - done);
      for (let c = 0; c < this.channels; c++) {
        const buf = chans[c];
        if (buf !== undefined) this.chunk(c, buf, offset + done, n);
      }
    }
  }

  private chunk(c: number, buf: Float32Array, from: number, n: number): void {
    const w = this.work[c]!;
    const h = TAPS - 1;
    let inMax = 0;
    for (let i = 0; i < h; i++) {
      const a = Math.abs(w[i]!);
      if (a > inMax) inMax = a;
    }
    for (let i = 0; i < n; i++) {
      const v = buf[from + i]!;
      w[h + i] = v;
      const a = Math.abs(v);
      if (a > inMax) inMax = a;
    }
    let peak = this.peaks[c]!;
    if (inMax * MAX_GAIN > peak) {
      for (let i = 0; i < n; i++) {
        const base = h + i;
        for (let p = 0; p < PHASES; p++) {
          const o = p * TAPS;
          let y = 0;
          for (let k = 0; k < TAPS; k++) y += COEF[o + k]! * w[base - k]!;
          const a = y < 0 ? -y : y;
          if (a > peak) peak = a;
        }
      }
      // A NaN sample must not freeze the meter at NaN.
      if (Number.isFinite(peak)) this.peaks[c] = peak;
    }
    w.copyWithin(0, n, n + h);
  }
}

/** True peak (dBTP) of a whole programme. */
export function measureTruePeak(chans: ReadonlyArray<Float32Array>, sampleRate: number): number {
  const m = new TruePeakMeter(sampleRate, chans.length);
  m.process(chans, chans[0]?.length ?? 0);
  return m.truePeakDbtp;
}
