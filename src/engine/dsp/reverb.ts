/**
 * Stereo reverb, 100 % wet: per-channel predelay and two Schroeder all-pass diffusers feed an 8-line
 * feedback delay network with a Householder mixing matrix (lossless, one multiply for the whole
 * matrix). Each line's gain is set from its length so every line decays 60 dB in `decayMs`, which makes
 * the broadband RT60 equal to decayMs. Damping is a one-pole low-pass in every line with unit gain at
 * DC: low frequencies keep the set RT60, highs die sooner.
 *
 * Size scales the line lengths (30..100 % of 43-90 ms). A size change glides the read taps (linear
 * interpolated, at most SIZE_GLIDE_RATE samples per sample, so a ringing tail bends in pitch by at
 * most 5 % instead of clicking); a reverb holding no signal takes the new size at once. Decay, damping
 * and predelay changes are smooth enough to ride live.
 *
 * In silence the tail would decay into subnormal numbers (many times slower on x86): once the lines
 * have carried only signal below QUIET_ENERGY for longer than they can hold, they are cleared.
 *
 * Thread rules: configure(), process() and reset() are audio-thread safe (no allocation, no throw).
 */
import { checkBlock, checkPositive, nextPow2 } from './util.ts';

/** Largest change of a line length while the size glides, in samples per sample. */
export const SIZE_GLIDE_RATE = 0.05;
/** Energy per block (lines and input) below which the reverb counts as silent (amplitude ~1e-18). */
export const QUIET_ENERGY = 1e-36;

export interface ReverbSettings {
  sizePct: number;
  decayMs: number;
  dampingPct: number;
  predelayMs: number;
}

const LINES = 8;
/** Line lengths at size 100 %, ms: mutually far from simple ratios so modes do not pile up. */
const LINE_MS = [43.1, 47.9, 53.7, 59.3, 67.1, 73.3, 79.9, 89.7];
const MIN_SIZE_SCALE = 0.3;
const MAX_PREDELAY_MS = 250;
/** Diffuser all-pass lengths (ms) for left and right, slightly different to decorrelate. */
const DIFFUSER_MS = [[4.71, 1.63], [5.13, 1.37]];
const DIFFUSER_GAIN = 0.6;
/** Output taps: two orthogonal Hadamard rows give decorrelated left and right. */
const TAP_L = [1, -1, 1, -1, 1, -1, 1, -1];
const TAP_R = [1, 1, -1, -1, 1, 1, -1, -1];
/** Keeps the wet level near the dry level for broadband input at mid-size settings. */
const OUTPUT_GAIN = 0.25;

export class Reverb {
  private readonly sampleRate: number;
  private readonly lines: Float32Array[] = [];
  private readonly masks = new Int32Array(LINES);
  /** Line lengths (samples, fractional while gliding): now, target, and the change per sample. */
  private readonly lengths = new Float64Array(LINES);
  private readonly lengthTargets = new Float64Array(LINES);
  private readonly lengthSteps = new Float64Array(LINES);
  private readonly gains = new Float64Array(LINES);
  private readonly lp = new Float64Array(LINES);
  private readonly tapL = new Float64Array(TAP_L);
  private readonly tapR = new Float64Array(TAP_R);
  private readonly out = new Float64Array(LINES);
  private readonly pre: Float32Array[] = [];
  private readonly preMask: number;
  private readonly diff: Float32Array[] = [];
  private readonly diffMask: number;
  private readonly diffLen = new Int32Array(4);
  private predelay = 0;
  private lpCoeff = 0;
  /** -ln(line gain) per sample of line length: gain = exp(-decayPerSample · length). */
  private decayPerSample = 0;
  private w = 0;
  /** Samples since the signal was last above QUIET_ENERGY; longest a signal can stay inside. */
  private quiet = 0;
  private readonly holdSamples: number;
  /** Nothing but zeros inside: a size change may jump. */
  private empty = true;

  constructor(sampleRate: number, maxBlock: number) {
    checkPositive('sampleRate', sampleRate);
    checkBlock('maxBlock', maxBlock);
    this.sampleRate = sampleRate;
    for (let k = 0; k < LINES; k++) {
      const size = nextPow2(Math.ceil((LINE_MS[k]! * sampleRate) / 1000) + 2);
      this.lines.push(new Float32Array(size));
      this.masks[k] = size - 1;
    }
    const preSize = nextPow2(Math.ceil((MAX_PREDELAY_MS * sampleRate) / 1000) + 2);
    this.preMask = preSize - 1;
    this.pre.push(new Float32Array(preSize), new Float32Array(preSize));
    let diffMax = 0;
    for (let c = 0; c < 2; c++) {
      for (let j = 0; j < 2; j++) {
        const len = Math.max(1, Math.round((DIFFUSER_MS[c]![j]! * sampleRate) / 1000));
        this.diffLen[2 * c + j] = len;
        diffMax = Math.max(diffMax, len);
      }
    }
    // Predelay, both diffusers and the longest line: what one sample can still be inside.
    this.holdSamples = preSize + diffMax * 2 + this.lines[LINES - 1]!.length;
    const diffSize = nextPow2(diffMax + 2);
    this.diffMask = diffSize - 1;
    for (let k = 0; k < 4; k++) this.diff.push(new Float32Array(diffSize));
    this.configure({ sizePct: 50, decayMs: 1500, dampingPct: 30, predelayMs: 10 });
  }

  configure(s: ReverbSettings): void {
    // Clamps written out (clampNum's: NaN → the fallback): this runs on the audio thread when a
    // setting changes, and a double passed to or returned from a call V8 does not inline is boxed.
    const sIn = s.sizePct, dIn = s.decayMs, dpIn = s.dampingPct, pIn = s.predelayMs;
    const size = (sIn !== sIn ? 50 : sIn < 0 ? 0 : sIn > 100 ? 100 : sIn) / 100;
    const decayMs = dIn !== dIn ? 1500 : dIn < 100 ? 100 : dIn > 20000 ? 20000 : dIn;
    const scale = MIN_SIZE_SCALE + (1 - MIN_SIZE_SCALE) * size;
    // 60 dB in decayMs: per pass through a line of `len` samples, -60·len/(decay·fs) dB.
    this.decayPerSample = (3 * Math.LN10 * 1000) / (decayMs * this.sampleRate);
    for (let k = 0; k < LINES; k++) {
      const len = Math.max(1, Math.round((LINE_MS[k]! * scale * this.sampleRate) / 1000));
      this.lengthTargets[k] = len;
      if (this.empty) this.lengths[k] = len;
      this.gains[k] = Math.exp(-this.decayPerSample * this.lengths[k]!);
    }
    const damping = (dpIn !== dpIn ? 0 : dpIn < 0 ? 0 : dpIn > 100 ? 100 : dpIn) / 100;
    // Pole up to 0.7: at 100 % a 48 kHz line loses ~14 dB per pass at 10 kHz against 0 dB at DC.
    this.lpCoeff = 0.7 * damping;
    const predelayMs = pIn !== pIn ? 0 : pIn < 0 ? 0 : pIn > MAX_PREDELAY_MS ? MAX_PREDELAY_MS : pIn;
    this.predelay = Math.round((predelayMs * this.sampleRate) / 1000);
  }

  /** Writes 100 % wet output; in and out may be the same arrays. */
  process(inL: Float32Array, inR: Float32Array, outL: Float32Array, outR: Float32Array, frames: number): void {
    const lines = this.lines, masks = this.masks, lengths = this.lengths, gains = this.gains;
    const lp = this.lp, out = this.out, tapL = this.tapL, tapR = this.tapR;
    const preL = this.pre[0]!, preR = this.pre[1]!, preMask = this.preMask, predelay = this.predelay;
    const dL1 = this.diff[0]!, dL2 = this.diff[1]!, dR1 = this.diff[2]!, dR2 = this.diff[3]!;
    const nL1 = this.diffLen[0]!, nL2 = this.diffLen[1]!, nR1 = this.diffLen[2]!, nR2 = this.diffLen[3]!;
    const dMask = this.diffMask, g = DIFFUSER_GAIN;
    const a = this.lpCoeff, b = 1 - a;
    const steps = this.lengthSteps;
    const gliding = this.glideSetup(frames);
    let w = this.w;
    let energy = 0;
    for (let i = 0; i < frames; i++) {
      const pw = w & preMask;
      const il = inL[i]!, ir = inR[i]!;
      preL[pw] = il;
      preR[pw] = ir;
      let xl = preL[(w - predelay) & preMask]!;
      let xr = preR[(w - predelay) & preMask]!;
      // Schroeder all-passes: v = x + g·v[n-N]; y = v[n-N] - g·v.
      const dw = w & dMask;
      let v = xl + g * dL1[(w - nL1) & dMask]!;
      xl = dL1[(w - nL1) & dMask]! - g * v;
      dL1[dw] = v;
      v = xl + g * dL2[(w - nL2) & dMask]!;
      xl = dL2[(w - nL2) & dMask]! - g * v;
      dL2[dw] = v;
      v = xr + g * dR1[(w - nR1) & dMask]!;
      xr = dR1[(w - nR1) & dMask]! - g * v;
      dR1[dw] = v;
      v = xr + g * dR2[(w - nR2) & dMask]!;
      xr = dR2[(w - nR2) & dMask]! - g * v;
      dR2[dw] = v;

      let sum = 0, yl = 0, yr = 0;
      for (let k = 0; k < LINES; k++) {
        const line = lines[k]!, m = masks[k]!;
        let y: number;
        if (gliding) {
          // Fractional tap moving by steps[k] per sample, read by linear interpolation.
          const len = lengths[k]! + steps[k]! * (i + 1);
          const li = len | 0;
          const y0 = line[(w - li) & m]!;
          y = gains[k]! * (y0 + (len - li) * (line[(w - li - 1) & m]! - y0));
        } else {
          y = gains[k]! * line[(w - lengths[k]!) & m]!;
        }
        const f = b * y + a * lp[k]!;
        lp[k] = f;
        out[k] = f;
        sum += f;
        energy += f * f;
        yl += tapL[k]! * f;
        yr += tapR[k]! * f;
      }
      // Householder reflection I - (2/N)·1·1ᵀ: each line gets its own output minus a quarter of the sum.
      const q = (2 / LINES) * sum;
      // The raw input counts too: a new note waiting in the predelay must not be cleared.
      energy += xl * xl + xr * xr + il * il + ir * ir;
      for (let k = 0; k < LINES; k++) {
        lines[k]![w & masks[k]!] = out[k]! - q + ((k & 1) === 0 ? xl : xr);
      }
      outL[i] = OUTPUT_GAIN * yl;
      outR[i] = OUTPUT_GAIN * yr;
      w = (w + 1) & 0x3fffffff;
    }
    this.w = w;
    if (gliding) this.glideEnd(frames);
    // Inline, not a helper: a double passed to a call V8 does not inline is boxed on the heap.
    if (energy >= QUIET_ENERGY) {
      this.quiet = 0;
      this.empty = false;
      // A NaN or infinity that got in would circulate forever: clear and start again.
      if (!(energy < Infinity)) this.reset();
    } else if (energy !== energy) {
      this.reset();
    } else if (energy > 0) {
      this.quiet += frames;
      this.empty = false;
      // Cleared lines stay exactly 0 (energy 0) until signal comes back, so this runs once per silence.
      if (this.quiet > this.holdSamples) this.reset();
    }
  }

  /** Per-sample tap moves for this block (0 when settled); whether any line is gliding. */
  private glideSetup(frames: number): boolean {
    let gliding = false;
    const limit = SIZE_GLIDE_RATE * frames;
    for (let k = 0; k < LINES; k++) {
      let d = this.lengthTargets[k]! - this.lengths[k]!;
      if (d > limit) d = limit;
      else if (d < -limit) d = -limit;
      this.lengthSteps[k] = d / frames;
      if (d !== 0) gliding = true;
    }
    return gliding;
  }

  private glideEnd(frames: number): void {
    for (let k = 0; k < LINES; k++) {
      const len = this.lengths[k]! + this.lengthSteps[k]! * frames;
      // Land exactly on the target so the cheap integer-tap path takes over.
      this.lengths[k] = Math.abs(len - this.lengthTargets[k]!) < 1e-9 ? this.lengthTargets[k]! : len;
      this.gains[k] = Math.exp(-this.decayPerSample * this.lengths[k]!);
    }
  }

  reset(): void {
    this.quiet = 0;
    this.empty = true;
    for (let k = 0; k < LINES; k++) {
      this.lengths[k] = this.lengthTargets[k]!;
      this.gains[k] = Math.exp(-this.decayPerSample * this.lengths[k]!);
    }
    for (const l of this.lines) l.fill(0);
    for (const p of this.pre) p.fill(0);
    for (const d of this.diff) d.fill(0);
    this.lp.fill(0);
  }
}
