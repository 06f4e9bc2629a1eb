/**
 * Coefficient glides for the recursive filters (biquads, tilt). A filter whose coefficients switch at
 * a block boundary modulates the signal with a step: on a 1 kHz tone a 15 dB cut at the band centre
 * made a click only 8.6 dB below the tone. Instead, every change moves the coefficients from where
 * they are to the new design over GLIDE_MS, per sample, along the quintic "smootherstep"
 * s(t) = t³(10 − 15t + 6t²): its first and second derivatives are zero at both ends, so the gain
 * trajectory has no corner and the spectrum of the change falls off as 1/f⁴ away from the tone
 * (measured: nothing above 4 kHz within 80 dB of the tone for a 15 dB step, test/engine/dsp/glide).
 *
 * Why coefficients and not parameters: interpolating the direct-form coefficients costs a few
 * multiply-adds per sample, where re-designing from (freq, Q, gain) would cost a cos, a sin and a pow;
 * and any point on the straight line between two stable (a1, a2) pairs is stable (the stability
 * triangle is convex), so the glide can never blow up, whatever the two designs are.
 *
 * Block-size invariance: the coefficient at a sample depends only on the glide's position counter,
 * which advances per sample across blocks; the end of a glide evaluates to the target exactly
 * (`to − delta·0`), so a kernel that finishes a glide and the plain kernel after it agree bit for bit.
 */

/** Length of a coefficient glide. 20 ms: long enough for the 1/f⁴ skirt to be 80 dB down 3 kHz away
 *  from the tone, short enough that an encoder turn feels immediate. */
export const GLIDE_MS = 20;

export function glideFrames(sampleRate: number): number {
  return Math.max(1, Math.round((GLIDE_MS * sampleRate) / 1000));
}

/**
 * Where a set of `n` coefficients is and where it is going: `to` (the target), `delta` (target minus
 * the start of the current glide), `pos`/`len` (samples into the glide). The coefficient at position p
 * is `to[k] − delta[k]·(1 − s(p/len))`; at p ≥ len it is `to[k]` exactly.
 *
 * Thread rules: the constructor allocates; everything else does not and never throws.
 */
export class CoefGlide {
  readonly to: Float64Array;
  readonly delta: Float64Array;
  readonly len: number;
  readonly invLen: number;
  pos: number;

  /** `backing` (2n values): `to` and `delta` as views of it, back to back (a batch kernel reads them there). */
  constructor(n: number, len: number, backing?: Float64Array) {
    this.to = backing ? backing.subarray(0, n) : new Float64Array(n);
    this.delta = backing ? backing.subarray(n, 2 * n) : new Float64Array(n);
    this.len = len;
    this.invLen = 1 / len;
    this.pos = len;
  }

  get gliding(): boolean {
    return this.pos < this.len;
  }

  /** 1 − s(pos/len): the weight of `delta` still to go at the current position (0 once done). */
  remaining(): number {
    if (this.pos >= this.len) return 0;
    const t = this.pos * this.invLen;
    return 1 - t * t * t * (10 + t * (-15 + 6 * t));
  }

  /**
   * Aims at `next` (n values). With `glide`, starts from the present coefficients (mid-glide too, so
   * a fast encoder turn restarts without a jump); without, jumps there (the first block, a reset).
   * Returns false when `next` is the current target (nothing to do).
   */
  aim(next: Float64Array, glide: boolean): boolean {
    const to = this.to, d = this.delta, n = to.length;
    let same = true;
    for (let k = 0; k < n; k++) if (to[k] !== next[k]) same = false;
    if (same) return false;
    // remaining(), written out: a double returned from a call V8 does not inline is boxed.
    let r = 0;
    if (this.pos < this.len) {
      const t = this.pos * this.invLen;
      r = 1 - t * t * t * (10 + t * (-15 + 6 * t));
    }
    for (let k = 0; k < n; k++) {
      const cur = to[k]! - d[k]! * r;
      to[k] = next[k]!;
      d[k] = glide ? next[k]! - cur : 0;
    }
    this.pos = glide ? 0 : this.len;
    return true;
  }

  /** Ends any glide at its target. */
  finish(): void {
    this.pos = this.len;
    this.delta.fill(0);
  }

  /** Advances the glide by `frames` samples (after the kernels have used it for that many). */
  advance(frames: number): void {
    const p = this.pos + frames;
    this.pos = p < this.len ? p : this.len;
  }

  /** How many of the next `frames` samples are still within the glide. */
  framesLeft(frames: number): number {
    const left = this.len - this.pos;
    return left <= 0 ? 0 : left < frames ? left : frames;
  }
}
