/**
 * Per-sample smoothed gain for faders, mutes, sends and trim. A new target starts a linear ramp in the
 * linear gain domain that lands exactly on the target after `rampSamples` samples (20 ms by default),
 * so the sample-to-sample change of the gain is bounded:
 *
 *   |g[n] - g[n-1]| ≤ |target - gainAtChange| / rampSamples
 *
 * For a full-scale input that is also the largest step the gain adds to the signal (on DC exactly; on a
 * sine, on top of the sine's own slope). Example: -inf → +10 dB at 48 kHz = 3.1623 / 960 ≈ 0.0033 per
 * sample, about -50 dBFS: inaudible as a click. A target changed mid-ramp restarts the ramp from the
 * current gain, so the bound holds with gainAtChange = the gain at that moment.
 *
 * Thread rules: all methods except the constructor are audio-thread safe (no allocation, no throw).
 */
import { checkPositive, dbToGain } from './util.ts';

export class SmoothedGain {
  /** Length of a ramp in samples (≥ 1). */
  readonly rampSamples: number;
  private cur = 1;
  private tgt = 1;
  private inc = 0;
  private remaining = 0;
  /** The argument of setTargetGain()/setImmediateGain(), handed on through an array. */
  private readonly arg = new Float64Array(1);

  constructor(sampleRate: number, timeMs = 20) {
    checkPositive('sampleRate', sampleRate);
    checkPositive('timeMs', timeMs);
    this.rampSamples = Math.max(1, Math.round((timeMs * sampleRate) / 1000));
  }

  get current(): number {
    return this.cur;
  }

  get target(): number {
    return this.tgt;
  }

  /** The largest sample-to-sample gain step the ramp now under way (or the next one to `g`) can make. */
  maxStep(toGain = this.tgt): number {
    return Math.abs(toGain - this.cur) / this.rampSamples;
  }

  setTargetGain(g: number): void {
    this.arg[0] = g;
    this.setTargetGainAt(this.arg, 0);
  }

  /**
   * setTargetGain(a[at]). For the audio thread's param path: a double passed to a call V8 does not
   * inline is boxed on the heap, one read from an array is not.
   */
  setTargetGainAt(a: Float64Array, at: number): void {
    const g = a[at]!;
    if (g !== g || g === this.tgt) return;
    this.tgt = g < -1e6 ? -1e6 : g > 1e6 ? 1e6 : g;
    this.inc = (this.tgt - this.cur) / this.rampSamples;
    this.remaining = this.rampSamples;
  }

  setTargetDb(db: number): void {
    this.setTargetGain(dbToGain(db));
  }

  /** Snap without ramp (initial state). */
  setImmediateGain(g: number): void {
    this.arg[0] = g;
    this.setImmediateGainAt(this.arg, 0);
  }

  /** setImmediateGain(a[at]) (see setTargetGainAt). */
  setImmediateGainAt(a: Float64Array, at: number): void {
    const g = a[at]!;
    if (g !== g) return;
    this.cur = this.tgt = g < -1e6 ? -1e6 : g > 1e6 ? 1e6 : g;
    this.remaining = 0;
    this.inc = 0;
  }

  /** Multiplies `buf[0..frames)` in place. */
  process(buf: Float32Array, frames: number): void {
    let i = 0;
    if (this.remaining > 0) {
      let cur = this.cur, rem = this.remaining;
      const inc = this.inc, tgt = this.tgt;
      for (; i < frames && rem > 0; i++) {
        rem--;
        cur = rem === 0 ? tgt : cur + inc;
        buf[i] = buf[i]! * cur;
      }
      this.cur = cur;
      this.remaining = rem;
    }
    const g = this.cur;
    if (g === 1) return;
    if (g === 0) {
      buf.fill(0, i, frames);
      return;
    }
    for (; i < frames; i++) buf[i] = buf[i]! * g;
  }

  /** out[i] (+)= input[i]·gain, for sends; advances the ramp. */
  processTo(input: Float32Array, out: Float32Array, frames: number, add: boolean): void {
    let i = 0;
    let cur = this.cur, rem = this.remaining;
    const inc = this.inc, tgt = this.tgt;
    if (add) {
      for (; i < frames && rem > 0; i++) {
        rem--;
        cur = rem === 0 ? tgt : cur + inc;
        out[i] = out[i]! + input[i]! * cur;
      }
      if (cur !== 0) for (; i < frames; i++) out[i] = out[i]! + input[i]! * cur;
    } else {
      for (; i < frames && rem > 0; i++) {
        rem--;
        cur = rem === 0 ? tgt : cur + inc;
        out[i] = input[i]! * cur;
      }
      if (cur === 0) out.fill(0, i, frames);
      else for (; i < frames; i++) out[i] = input[i]! * cur;
    }
    this.cur = cur;
    this.remaining = rem;
  }

  /** Fills the next `frames` ramp values into `gains` (so several channels share one ramp). */
  fill(gains: Float32Array, frames: number): void {
    let i = 0;
    let cur = this.cur, rem = this.remaining;
    const inc = this.inc, tgt = this.tgt;
    for (; i < frames && rem > 0; i++) {
      rem--;
      cur = rem === 0 ? tgt : cur + inc;
      gains[i] = cur;
    }
    // A loop, not gains.fill(cur): passing a double to a builtin boxes it on the heap.
    for (; i < frames; i++) gains[i] = cur;
    this.cur = cur;
    this.remaining = rem;
  }
}
