/**
 * Tilt EQ: one first-order shelf pair pivoting on 1 kHz. `tiltDb` is the total swing: the lows go to
 * −tiltDb/2 and the highs to +tiltDb/2, with exactly 0 dB at the pivot. Analog prototype
 * H(s) = A·(s + 1/A)/(s + A), A = 10^(tiltDb/40), s normalized to the pivot, bilinear-transformed with
 * the pivot pre-warped. First order is what makes a tilt gentle: the slope spreads over the whole band.
 *
 * Thread rules: the constructor allocates; configure(), process() and reset() do not and never throw.
 */
import { FLUSH_BELOW, checkBlock, checkPositive, clampNum } from './util.ts';

export const TILT_PIVOT_HZ = 1000;

export class TiltEq {
  readonly channels: number;
  private readonly sampleRate: number;
  /** b0, b1, a1. */
  private readonly c = Float64Array.of(1, 0, 0);
  /** Per channel: x[n−1], y[n−1]. */
  private readonly z: Float64Array;
  private flat = true;

  constructor(sampleRate: number, channels = 2) {
    checkPositive('sampleRate', sampleRate);
    checkBlock('channels', channels);
    this.sampleRate = sampleRate;
    this.channels = channels;
    this.z = new Float64Array(2 * channels);
  }

  configure(tiltDb: number): void {
    const t = clampNum(tiltDb, -24, 24, 0);
    const A = Math.pow(10, t / 40);
    const K = Math.tan((Math.PI * TILT_PIVOT_HZ) / this.sampleRate);
    const d = 1 + K * A;
    this.c[0] = (A + K) / d;
    this.c[1] = (K - A) / d;
    this.c[2] = (K * A - 1) / d;
    this.flat = t === 0;
  }

  /** Response at freqHz (dB). */
  magnitudeDb(freqHz: number): number {
    const w = (2 * Math.PI * freqHz) / this.sampleRate;
    const [b0, b1, a1] = [this.c[0]!, this.c[1]!, this.c[2]!];
    const nr = b0 + b1 * Math.cos(w), ni = -b1 * Math.sin(w);
    const dr = 1 + a1 * Math.cos(w), di = -a1 * Math.sin(w);
    return 10 * Math.log10((nr * nr + ni * ni) / (dr * dr + di * di));
  }

  reset(): void {
    this.z.fill(0);
  }

  process(chans: ReadonlyArray<Float32Array>, frames: number): void {
    const b0 = this.c[0]!, b1 = this.c[1]!, a1 = this.c[2]!;
    for (let ch = 0; ch < this.channels; ch++) {
      const buf = chans[ch];
      if (buf === undefined) continue;
      let x1 = this.z[2 * ch]!, y1 = this.z[2 * ch + 1]!;
      if (this.flat) {
        // Keep the state current so leaving 0 dB later does not click.
        if (frames > 0) {
          x1 = buf[frames - 1]!;
          y1 = x1;
        }
      } else {
        for (let i = 0; i < frames; i++) {
          const x = buf[i]!;
          const y = b0 * x + b1 * x1 - a1 * y1;
          x1 = x;
          y1 = y;
          buf[i] = y;
        }
        // NaN/Inf must not stick; a decayed state must not sink into subnormals.
        if (!(Math.abs(y1) > FLUSH_BELOW && Math.abs(y1) < Infinity)) y1 = 0;
        if (!(Math.abs(x1) > FLUSH_BELOW && Math.abs(x1) < Infinity)) x1 = 0;
      }
      this.z[2 * ch] = x1;
      this.z[2 * ch + 1] = y1;
    }
  }
}
