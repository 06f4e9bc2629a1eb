/**
 * Tempo-free stereo delay, 100 % wet: one delay line per channel, feedback through a one-pole low-pass
 * (damping), linear-interpolated fractional read.
 *
 * Time changes glide instead of jumping: the read position follows the new time with a 60 ms one-pole,
 * its speed limited to ±MAX_GLIDE_RATE samples per sample, so a large change sounds as a short
 * tape-like pitch bend (at most ±25 % in speed) rather than a click.
 *
 * In silence the recirculating repeats would decay into subnormal numbers (many times slower on x86):
 * once everything written for a whole delay length stayed below QUIET_ENERGY, the lines are cleared.
 *
 * Thread rules: configure(), process() and reset() are audio-thread safe (no allocation, no throw).
 */
import { FLUSH_BELOW, checkBlock, checkPositive, nextPow2, onePoleCoeff } from './util.ts';

export interface DelaySettings {
  timeMs: number;
  feedbackPct: number;
  dampingPct: number;
}

/** Largest change of the delay, in samples per sample, while gliding. */
export const MAX_GLIDE_RATE = 0.25;
const GLIDE_MS = 60;
/** Damping 100 % puts the feedback low-pass corner here; 0 % bypasses it. */
const DAMPING_MIN_HZ = 800;
const DAMPING_MAX_HZ = 20000;

/** Energy of the samples written per block below which the delay counts as silent (amplitude ~1e-18). */
export const QUIET_ENERGY = 1e-36;

export class StereoDelay {
  private readonly sampleRate: number;
  private readonly maxDelaySamples: number;
  private readonly mask: number;
  private readonly lineL: Float32Array;
  private readonly lineR: Float32Array;
  private readonly glide: number;
  private write = 0;
  // Initialized here, not only in the constructor: a field that starts as undefined gets a generic
  // representation in V8, and every double stored into it then allocates.
  private delay = 0;
  private delayTarget = 0;
  private feedback = 0;
  private lpCoeff = 0;
  private lpL = 0;
  private lpR = 0;
  /** Samples since the written signal was last above QUIET_ENERGY. */
  private quiet = 0;
  private readonly scratch = new Float64Array(1);

  constructor(sampleRate: number, maxBlock: number, maxTimeMs = 2000) {
    checkPositive('sampleRate', sampleRate);
    checkBlock('maxBlock', maxBlock);
    checkPositive('maxTimeMs', maxTimeMs);
    this.sampleRate = sampleRate;
    this.maxDelaySamples = Math.ceil((maxTimeMs * sampleRate) / 1000);
    const size = nextPow2(this.maxDelaySamples + 4);
    this.mask = size - 1;
    this.lineL = new Float32Array(size);
    this.lineR = new Float32Array(size);
    this.glide = 1 - onePoleCoeff(GLIDE_MS, sampleRate);
    this.delay = this.delayTarget = Math.min(this.maxDelaySamples, Math.round(0.25 * sampleRate));
  }

  /** The current (gliding) delay in ms. */
  get currentTimeMs(): number {
    return (this.delay * 1000) / this.sampleRate;
  }

  configure(s: DelaySettings): void {
    // Clamps written out (clampNum's: NaN → the fallback): this runs on the audio thread when a
    // setting changes, and a double passed to or returned from a call V8 does not inline is boxed.
    const tIn = s.timeMs, fIn = s.feedbackPct, dIn = s.dampingPct;
    const samples = ((tIn !== tIn ? 250 : tIn < 1 ? 1 : tIn > 1e7 ? 1e7 : tIn) * this.sampleRate) / 1000;
    const atLeast1 = samples > 1 ? samples : 1;
    this.delayTarget = atLeast1 < this.maxDelaySamples ? atLeast1 : this.maxDelaySamples;
    this.feedback = (fIn !== fIn ? 0 : fIn < 0 ? 0 : fIn > 95 ? 95 : fIn) / 100;
    const damping = (dIn !== dIn ? 0 : dIn < 0 ? 0 : dIn > 100 ? 100 : dIn) / 100;
    if (damping === 0) this.lpCoeff = 0;
    else {
      // Corner falls log-linearly from 20 kHz to 800 Hz as damping goes 0 → 100 %.
      const f = DAMPING_MAX_HZ * Math.pow(DAMPING_MIN_HZ / DAMPING_MAX_HZ, damping), fMax = this.sampleRate * 0.45;
      const fc = f < fMax ? f : fMax;
      this.lpCoeff = Math.exp((-2 * Math.PI * fc) / this.sampleRate);
    }
  }

  /** Jumps to the configured time without gliding (initial state). */
  settle(): void {
    this.delay = this.delayTarget;
  }

  /** Writes 100 % wet output; in and out may be the same arrays. */
  process(inL: Float32Array, inR: Float32Array, outL: Float32Array, outR: Float32Array, frames: number): void {
    const lineL = this.lineL, lineR = this.lineR, mask = this.mask;
    const fb = this.feedback, a = this.lpCoeff, b = 1 - a;
    const k = this.glide, target = this.delayTarget;
    // The module constant read once, as a number: read in the loop, V8 kept the glide's step (and the
    // delay time after it) as a generic value, and boxed each new one.
    const maxRate = MAX_GLIDE_RATE * 1;
    let d = this.delay, w = this.write, lpL = this.lpL, lpR = this.lpR;
    let energy = 0;
    for (let i = 0; i < frames; i++) {
      if (d !== target) {
        let step = (target - d) * k;
        if (step > maxRate) step = maxRate;
        else if (step < -maxRate) step = -maxRate;
        d += step;
        if (Math.abs(target - d) < 1e-6) d = target;
      }
      const di = Math.floor(d);
      const frac = d - di;
      const r0 = (w - di) & mask;
      const r1 = (r0 - 1) & mask;
      const yL = lineL[r0]! + frac * (lineL[r1]! - lineL[r0]!);
      const yR = lineR[r0]! + frac * (lineR[r1]! - lineR[r0]!);
      lpL = b * yL + a * lpL;
      lpR = b * yR + a * lpR;
      const wl = inL[i]! + fb * lpL;
      const wr = inR[i]! + fb * lpR;
      lineL[w] = wl;
      lineR[w] = wr;
      energy += wl * wl + wr * wr;
      outL[i] = yL;
      outR[i] = yR;
      w = (w + 1) & mask;
    }
    this.delay = d;
    this.write = w;
    this.lpL = lpL > FLUSH_BELOW || lpL < -FLUSH_BELOW ? lpL : 0;
    this.lpR = lpR > FLUSH_BELOW || lpR < -FLUSH_BELOW ? lpR : 0;
    // Through a typed array: a double passed to a call V8 does not inline is boxed on the heap.
    this.scratch[0] = energy;
    this.settleQuiet(frames);
  }

  /** Clears lines that have carried only near-silence for a whole delay, or a NaN/Inf. */
  private settleQuiet(frames: number): void {
    const energy = this.scratch[0]!;
    if (energy < QUIET_ENERGY) {
      this.quiet += frames;
      // Cleared once a whole line length was written quiet; cleared lines stay exactly 0 (energy 0).
      if (energy > 0 && this.quiet > (this.delay > this.delayTarget ? this.delay : this.delayTarget) + 2) this.reset();
    } else {
      this.quiet = 0;
      // A NaN or infinity that got into the line must not circulate forever.
      if (!(energy < Infinity)) this.reset();
    }
  }

  reset(): void {
    this.lineL.fill(0);
    this.lineR.fill(0);
    this.lpL = 0;
    this.lpR = 0;
    this.quiet = 0;
  }
}
