/**
 * Pan for mono sources (the Web Audio StereoPannerNode law: constant power, -3.01 dB per side at
 * centre) and balance for stereo sources. Balance is a console's: the near side stays at unity and
 * the far side is turned down along sin(xπ/2) of the same curve, with no cross-feed. The Web Audio
 * stereo law folds the far side into the near one at full level, which raises the near side by up to
 * +6 dB on correlated material when hard-panned (and can push a mix into the limiter); a balance must
 * never raise either side above unity.
 *
 * Pan moves are smoothed: every gain ramps linearly to its new value over `timeMs` (20 ms default),
 * so a jump from hard left to hard right has a per-sample gain step of at most 1 / rampSamples.
 *
 * Thread rules: all methods except the constructor are audio-thread safe (no allocation, no throw).
 */
import { checkPositive, clampNum } from './util.ts';
// A type only (erased): this module stays free of Node imports for the browser.
import type { MixBatch } from '../native/mix-batch.ts';

/** The native mix ops and flags a pan queues (src/engine/native/mix-batch.ts; repeated here so this module imports no values from there). */
const OP_PAN_MONO = 6, OP_PAN_STEREO = 7, F_ADD = 1, F_LAND = 2;

/** cos(xπ/2) and sin(xπ/2) for x in [0, 1], exact at the ends so hard pans and centre balance are bit-exact. */
function quarterCos(x: number): number {
  return x <= 0 ? 1 : x >= 1 ? 0 : Math.cos((x * Math.PI) / 2);
}
function quarterSin(x: number): number {
  return x <= 0 ? 0 : x >= 1 ? 1 : Math.sin((x * Math.PI) / 2);
}

/** Mono pan gains at pan p (-1 left … +1 right): left = cos(xπ/2), right = sin(xπ/2), x = (p+1)/2. */
export function panGains(p: number): { left: number; right: number } {
  const x = (clampNum(p, -1, 1, 0) + 1) / 2;
  return { left: quarterCos(x), right: quarterSin(x) };
}

/**
 * Stereo balance matrix at pan p: outL = inL·ll + inR·rl, outR = inR·rr + inL·lr (the cross terms
 * are kept at 0, so every output is one input at a gain ≤ 1). p ≤ 0: ll = 1, rr = sin((p+1)π/2);
 * p > 0: ll = cos(pπ/2), rr = 1.
 */
export function balanceGains(p: number): { ll: number; rl: number; lr: number; rr: number } {
  const pp = clampNum(p, -1, 1, 0);
  if (pp <= 0) return { ll: 1, rl: 0, lr: 0, rr: quarterSin(pp + 1) };
  return { ll: quarterCos(pp), rl: 0, lr: 0, rr: 1 };
}

// Gain slots: mono left/right, then the balance matrix.
const ML = 0, MR = 1, LL = 2, RL = 3, LR = 4, RR = 5, SLOTS = 6;

export class Panner {
  private readonly rampSamples: number;
  private readonly cur = new Float64Array(SLOTS);
  private readonly tgt = new Float64Array(SLOTS);
  private readonly inc = new Float64Array(SLOTS);
  private remaining = 0;
  private panValue = 0;
  /** The argument of setPan()/setImmediatePan(), handed on through an array. */
  private readonly arg = new Float64Array(1);

  constructor(sampleRate: number, timeMs = 20) {
    checkPositive('sampleRate', sampleRate);
    checkPositive('timeMs', timeMs);
    this.rampSamples = Math.max(1, Math.round((timeMs * sampleRate) / 1000));
    this.setImmediatePan(0);
  }

  /** The pan position last asked for. */
  get pan(): number {
    return this.panValue;
  }

  setPan(p: number): void {
    this.arg[0] = p;
    this.setPanFrom(this.arg, false);
  }

  setImmediatePan(p: number): void {
    this.arg[0] = p;
    this.setPanFrom(this.arg, true);
  }

  /**
   * setPan(p[0]), or setImmediatePan(p[0]) when `immediate`. The param path's way: a double passed to
   * a call V8 does not inline is boxed on the heap, one read from an array is not.
   */
  setPanFrom(p: Float64Array, immediate: boolean): void {
    const v = p[0]!;
    if (v !== v) return;
    this.writeTargets(p);
    if (immediate) {
      this.cur.set(this.tgt);
      this.inc.fill(0);
      this.remaining = 0;
      return;
    }
    for (let k = 0; k < SLOTS; k++) this.inc[k] = (this.tgt[k]! - this.cur[k]!) / this.rampSamples;
    this.remaining = this.rampSamples;
  }

  /** Mono in → adds into outL/outR (add = true) or overwrites them. */
  processMono(input: Float32Array, outL: Float32Array, outR: Float32Array, frames: number, add: boolean): void {
    const cur = this.cur, inc = this.inc, tgt = this.tgt;
    let gl = cur[ML]!, gr = cur[MR]!;
    const il = inc[ML]!, ir = inc[MR]!;
    let i = 0;
    const ramp = this.remaining < frames ? this.remaining : frames;
    if (add) {
      for (; i < ramp; i++) {
        gl += il; gr += ir;
        const x = input[i]!;
        outL[i] = outL[i]! + x * gl;
        outR[i] = outR[i]! + x * gr;
      }
      if (ramp === this.remaining) { gl = tgt[ML]!; gr = tgt[MR]!; }
      for (; i < frames; i++) {
        const x = input[i]!;
        outL[i] = outL[i]! + x * gl;
        outR[i] = outR[i]! + x * gr;
      }
    } else {
      for (; i < ramp; i++) {
        gl += il; gr += ir;
        const x = input[i]!;
        outL[i] = x * gl;
        outR[i] = x * gr;
      }
      if (ramp === this.remaining) { gl = tgt[ML]!; gr = tgt[MR]!; }
      for (; i < frames; i++) {
        const x = input[i]!;
        outL[i] = x * gl;
        outR[i] = x * gr;
      }
    }
    this.advance(ramp);
  }

  /** Stereo in → balance; adds into outL/outR (add = true) or overwrites them. In and out may alias. */
  processStereo(inL: Float32Array, inR: Float32Array, outL: Float32Array, outR: Float32Array, frames: number, add: boolean): void {
    const cur = this.cur, inc = this.inc, tgt = this.tgt;
    let ll = cur[LL]!, rl = cur[RL]!, lr = cur[LR]!, rr = cur[RR]!;
    const ill = inc[LL]!, irl = inc[RL]!, ilr = inc[LR]!, irr = inc[RR]!;
    const ramp = this.remaining < frames ? this.remaining : frames;
    let i = 0;
    if (add) {
      for (; i < ramp; i++) {
        ll += ill; rl += irl; lr += ilr; rr += irr;
        const xl = inL[i]!, xr = inR[i]!;
        outL[i] = outL[i]! + xl * ll + xr * rl;
        outR[i] = outR[i]! + xr * rr + xl * lr;
      }
    } else {
      for (; i < ramp; i++) {
        ll += ill; rl += irl; lr += ilr; rr += irr;
        const xl = inL[i]!, xr = inR[i]!;
        outL[i] = xl * ll + xr * rl;
        outR[i] = xr * rr + xl * lr;
      }
    }
    if (ramp === this.remaining) { ll = tgt[LL]!; rl = tgt[RL]!; lr = tgt[LR]!; rr = tgt[RR]!; }
    if (add) {
      for (; i < frames; i++) {
        const xl = inL[i]!, xr = inR[i]!;
        outL[i] = outL[i]! + xl * ll + xr * rl;
        outR[i] = outR[i]! + xr * rr + xl * lr;
      }
    } else {
      for (; i < frames; i++) {
        const xl = inL[i]!, xr = inR[i]!;
        outL[i] = xl * ll + xr * rl;
        outR[i] = xr * rr + xl * lr;
      }
    }
    this.advance(ramp);
  }

  /**
   * processMono (`xr` < 0) or processStereo as a job of `mix`: the buffers are indices into its
   * pool, the gains at the block's start go with the job, and the ramp advances here as the
   * TypeScript loops advance it, so the native kernel (mix.c) writes the same samples.
   */
  queue(mix: MixBatch, x: number, xr: number, outL: number, outR: number, frames: number, add: boolean): void {
    const cur = this.cur, inc = this.inc, tgt = this.tgt;
    const ramp = this.remaining < frames ? this.remaining : frames;
    const flags = (add ? F_ADD : 0) | (ramp === this.remaining ? F_LAND : 0);
    const p = mix.params;
    if (xr < 0) {
      const o = mix.job(OP_PAN_MONO, x, -1, outL, outR, -1, ramp, flags);
      p[o] = cur[ML]!; p[o + 1] = cur[MR]!;
      p[o + 2] = inc[ML]!; p[o + 3] = inc[MR]!;
      p[o + 4] = tgt[ML]!; p[o + 5] = tgt[MR]!;
    } else {
      const o = mix.job(OP_PAN_STEREO, x, xr, outL, outR, -1, ramp, flags);
      for (let k = 0; k < 4; k++) {
        p[o + k] = cur[LL + k]!;
        p[o + 4 + k] = inc[LL + k]!;
        p[o + 8 + k] = tgt[LL + k]!;
      }
    }
    this.advance(ramp);
  }

  private writeTargets(a: Float64Array): void {
    // Written out rather than calling quarterCos/quarterSin: a double returned from a call that the
    // compiler does not inline is boxed on the heap, and this runs on the audio thread.
    const p = a[0]!;
    const pp = p < -1 ? -1 : p > 1 ? 1 : p;
    this.panValue = pp;
    const t = this.tgt;
    const h = Math.PI / 2;
    const x = (pp + 1) / 2;
    t[ML] = x >= 1 ? 0 : Math.cos(x * h);
    t[MR] = x <= 0 ? 0 : Math.sin(x * h);
    if (pp <= 0) {
      const y = pp + 1;
      // Balance (see balanceGains): the far side turned down, no cross-feed.
      t[LL] = 1; t[RL] = 0; t[LR] = 0; t[RR] = y >= 1 ? 1 : y <= 0 ? 0 : Math.sin(y * h);
    } else {
      t[LL] = pp >= 1 ? 0 : Math.cos(pp * h); t[RL] = 0; t[LR] = 0; t[RR] = 1;
    }
  }

  /** Moves every slot `n` ramp steps on; lands exactly on the targets when the ramp ends. */
  private advance(n: number): void {
    if (n === 0) return;
    this.remaining -= n;
    if (this.remaining === 0) this.cur.set(this.tgt);
    else for (let k = 0; k < SLOTS; k++) this.cur[k] = this.cur[k]! + this.inc[k]! * n;
  }
}
