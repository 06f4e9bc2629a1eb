/**
 * A true-peak meter close to an ideal reconstruction: 16× oversampling through a long Kaiser-windowed
 * sinc (see TP_FACTOR), never below the sample peak. Not yet wired in: measured with it, the limiter's
 * output (its 4× detector) overshoots its ceiling by 0.5-0.8 dB on hot material (#19 item 3), so the
 * master meter and the delivery report switch to it together with a limiter that holds the ceiling
 * by this measure.
 *
 * Chunks whose samples cannot reach the current maximum through the filter (|x|max · Σ|h| ≤ max) skip the
 * FIR, which keeps a steady or falling programme cheap to meter.
 *
 * Thread rules: the constructor allocates; process(), reset() and the getters do not and never throw.
 */
import { kaiser, sinc } from './oversampler.ts';
import { toDbtp } from './truepeak.ts';
import { checkPositive } from './util.ts';

const CHUNK = 1024;

/**
 * The meter's own interpolator: 16× oversampling through a Kaiser-windowed sinc (β 6, ±32 input
 * samples, cut off at the input's Nyquist), as a polyphase table. The Annex 2 example filter (4×, 12
 * taps per phase, its points at odd eighths of a sample) read up to 0.25 dB below an ideal
 * reconstruction and below the sample peak itself on an impulse (−6.27 dBTP for a −6.02 dBFS one).
 * Phase 0 of a windowed sinc is the input sample exactly (the sinc's zeros), so the meter can never
 * read below the sample peak; 16 points per sample miss a near-Nyquist sine's crest by < 0.04 dB, and
 * the ±32-sample window keeps the reconstruction within 0.1 dB of an ideal one on Tech 3341 cases
 * 15-23, an impulse, a square wave and clipped 44.1 kHz material (test/engine/dsp/truepeak.test.ts).
 * The limiter keeps its own, shorter detector (oversampler.ts + AnnexPeakDetector): this meter checks it.
 */
export const TP_FACTOR = 16;
const TP_HALF = 32;
const TP_TAPS = 2 * TP_HALF;
const TP_BETA = 6;
/** TP_COEF[p * TP_TAPS + k] multiplies x[n − k] for the point p/TP_FACTOR of a sample after x[n − TP_HALF]. */
const TP_COEF = new Float64Array(TP_FACTOR * TP_TAPS);
let tpGain = 0;
for (let p = 0; p < TP_FACTOR; p++) {
  let l1p = 0;
  for (let k = 0; k < TP_TAPS; k++) {
    // Point at time (n − TP_HALF) + p/F; tap k sits at n − k: offset t = (TP_HALF − k) + p/F... as seen
    // from the point, the sample is at distance d = (n − k) − (n − TP_HALF + p/F) = TP_HALF − k − p/F.
    const d = TP_HALF - k - p / TP_FACTOR;
    const v = p === 0 ? (d === 0 ? 1 : 0) : sinc(d) * kaiser(d / (TP_HALF + 1), TP_BETA);
    TP_COEF[p * TP_TAPS + k] = v;
    l1p += Math.abs(v);
  }
  tpGain = Math.max(tpGain, l1p);
}
/** Largest output any phase can give for inputs bounded by 1. */
const TP_MAX_GAIN = tpGain;

export class TruePeakMeter16 {
  readonly channels: number;
  readonly oversampling = TP_FACTOR;
  private readonly peaks: Float64Array;
  /** Per channel: TP_TAPS − 1 history samples followed by up to CHUNK new ones. */
  private readonly work: Float64Array[];

  constructor(sampleRate: number, channels: number) {
    checkPositive('sampleRate', sampleRate);
    checkPositive('channels', channels);
    this.channels = channels;
    this.peaks = new Float64Array(channels);
    this.work = Array.from({ length: channels }, () => new Float64Array(TP_TAPS - 1 + CHUNK));
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

  /**
   * The points between x[n − TP_HALF] and the next sample, for each new n: the meter runs TP_HALF
   * samples behind its input (a meter has no output to delay). At the end of a programme the points
   * after the last TP_HALF samples are not computed (as libebur128), their sample peaks are.
   */
  private chunk(c: number, buf: Float32Array, from: number, n: number): void {
    const w = this.work[c]!;
    const h = TP_TAPS - 1;
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
    // Sample peaks count at once (no wait for the interpolation's look-ahead).
    for (let i = 0; i < n; i++) {
      const a = Math.abs(w[h + i]!);
      if (a > peak) peak = a;
    }
    if (inMax * TP_MAX_GAIN > peak) {
      for (let i = 0; i < n; i++) {
        const base = h + i;
        for (let p = 1; p < TP_FACTOR; p++) {
          const o = p * TP_TAPS;
          let y = 0;
          for (let k = 0; k < TP_TAPS; k++) y += TP_COEF[o + k]! * w[base - k]!;
          const a = y < 0 ? -y : y;
          if (a > peak) peak = a;
        }
      }
    }
    // A NaN sample must not freeze the meter at NaN.
    if (Number.isFinite(peak)) this.peaks[c] = peak;
    w.copyWithin(0, n, n + h);
  }
}

/** True peak (dBTP) of a whole programme by TruePeakMeter16. */
export function measureTruePeak16(chans: ReadonlyArray<Float32Array>, sampleRate: number): number {
  const m = new TruePeakMeter16(sampleRate, chans.length);
  m.process(chans, chans[0]?.length ?? 0);
  return m.truePeakDbtp;
}
