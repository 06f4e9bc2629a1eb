/**
 * Tilt EQ: one first-order shelf pair pivoting on 1 kHz. `tiltDb` is the total swing: the lows go to
 * −tiltDb/2 and the highs to +tiltDb/2, with exactly 0 dB at the pivot. Analog prototype
 * H(s) = A·(s + 1/A)/(s + A), A = 10^(tiltDb/40), s normalized to the pivot, bilinear-transformed with
 * the pivot pre-warped. First order is what makes a tilt gentle: the slope spreads over the whole band.
 *
 * A change made with `glide` moves the coefficients over GLIDE_MS per sample (glide.ts): switched at the
 * block boundary, 0 → +6 dB left a click at about −44 dBc on a 1 kHz tone. At 0 dB the section is a
 * plain wire ([1, 0, 0]), so a flat tilt costs nothing and a glide away from it starts from the wire.
 *
 * Thread rules: the constructor allocates; configure(), process() and reset() do not and never throw.
 */
import { CoefGlide, glideFrames } from './glide.ts';
import { FLUSH_BELOW, checkBlock, checkPositive } from './util.ts';

export const TILT_PIVOT_HZ = 1000;

export class TiltEq {
  readonly channels: number;
  private readonly sampleRate: number;
  /** b0, b1, a1: the target and the glide towards it. */
  private readonly g: CoefGlide;
  private readonly next = new Float64Array(3);
  /** Per channel: x[n−1], y[n−1]. */
  private readonly z: Float64Array;
  /** configure()'s argument, handed on to configureFrom(). */
  private readonly arg = new Float64Array(1);

  constructor(sampleRate: number, channels = 2) {
    checkPositive('sampleRate', sampleRate);
    checkBlock('channels', channels);
    this.sampleRate = sampleRate;
    this.channels = channels;
    this.z = new Float64Array(2 * channels);
    this.g = new CoefGlide(3, glideFrames(sampleRate));
    this.g.to[0] = 1;
  }

  /** Sets the total swing; with `glide` the change takes GLIDE_MS instead of one sample. */
  configure(tiltDb: number, glide = false): void {
    this.arg[0] = tiltDb;
    this.configureFrom(this.arg, 0, glide);
  }

  /**
   * configure(a[at], glide): the audio thread's way (a double passed to a call V8 does not inline is
   * boxed on the heap, one read from an array is not).
   */
  configureFrom(a: Float64Array, at: number, glide = false): void {
    const tiltDb = a[at]!;
    // clampNum's clamp written out: a double returned from a call V8 does not inline is boxed.
    const t = tiltDb !== tiltDb ? 0 : tiltDb < -24 ? -24 : tiltDb > 24 ? 24 : tiltDb;
    const c = this.next;
    if (t === 0) {
      c[0] = 1;
      c[1] = 0;
      c[2] = 0;
    } else {
      const A = Math.pow(10, t / 40);
      const K = Math.tan((Math.PI * TILT_PIVOT_HZ) / this.sampleRate);
      const d = 1 + K * A;
      c[0] = (A + K) / d;
      c[1] = (K - A) / d;
      c[2] = (K * A - 1) / d;
    }
    this.g.aim(c, glide);
  }

  /** A wire and not gliding. */
  private get flat(): boolean {
    const t = this.g.to;
    return !this.g.gliding && t[0] === 1 && t[1] === 0 && t[2] === 0;
  }

  /** Response at freqHz (dB). */
  magnitudeDb(freqHz: number): number {
    const w = (2 * Math.PI * freqHz) / this.sampleRate;
    const c = this.g.to;
    const b0 = c[0]!, b1 = c[1]!, a1 = c[2]!;
    const nr = b0 + b1 * Math.cos(w), ni = -b1 * Math.sin(w);
    const dr = 1 + a1 * Math.cos(w), di = -a1 * Math.sin(w);
    return 10 * Math.log10((nr * nr + ni * ni) / (dr * dr + di * di));
  }

  reset(): void {
    this.z.fill(0);
  }

  process(chans: ReadonlyArray<Float32Array>, frames: number): void {
    const g = this.g, to = g.to, d = g.delta;
    const b0 = to[0]!, b1 = to[1]!, a1 = to[2]!;
    const d0 = d[0]!, d1 = d[1]!, d2 = d[2]!;
    const flat = this.flat;
    const gl = g.framesLeft(frames), len = g.len, inv = g.invLen;
    for (let ch = 0; ch < this.channels; ch++) {
      const buf = chans[ch];
      if (buf === undefined) continue;
      let x1 = this.z[2 * ch]!, y1 = this.z[2 * ch + 1]!;
      if (flat) {
        // Keep the state current (harmless, and a wire's output is its input).
        if (frames > 0) {
          x1 = buf[frames - 1]!;
          y1 = x1;
        }
      } else {
        let p = g.pos;
        for (let i = 0; i < gl; i++, p++) {
          const t = p * inv;
          const r = p < len ? 1 - t * t * t * (10 + t * (-15 + 6 * t)) : 0;
          const x = buf[i]!;
          const y = (b0 - d0 * r) * x + (b1 - d1 * r) * x1 - (a1 - d2 * r) * y1;
          x1 = x;
          y1 = y;
          buf[i] = y;
        }
        for (let i = gl; i < frames; i++) {
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
    g.advance(frames);
  }
}
