/**
 * Feed-forward, log-domain, stereo-linked compressor after Giannoulis, Massberg & Reiss (JAES 2012):
 * a soft-knee gain computer on the instantaneous peak level of the loudest channel, then the smooth
 * decoupled peak detector (their eq. 17) on the gain reduction in dB, so attack and release shape the
 * reduction itself and release does not depend on the input level.
 *
 * Cost: the work is done per GAIN_STEP samples. A step in which the reduction jumps (attack) runs the
 * detector sample by sample, with a log only for levels that can raise it; a step that only releases
 * takes one log of the product of its levels (the reduction is linear in dB above the knee) and a
 * closed form for the detector. The gain is
 * computed exactly at the end of each step and interpolated linearly in between. Below the knee no
 * logarithm is taken at all.
 *
 * Thread rules: configure(), process() and reset() are audio-thread safe (no allocation, no throw).
 */
import { DB_TO_LN, LN_TO_DB, checkPositive } from './util.ts';
import { PEAKS, PEAK_SPAN, linkedPeaks } from './linked-peak.ts';

export interface CompressorSettings {
  thresholdDb: number;
  ratio: number;
  kneeDb: number;
  attackMs: number;
  releaseMs: number;
  makeupDb: number;
  autoMakeup: boolean;
}

/** Gain reduction (dB) too small to matter: skipped when computing the gain, flushed at block end. */
const GONE_DB = 1e-9;

/** Samples between exact gain computations (linear in between). */
const GAIN_STEP = 8;

const Y1 = 0;
const YL = 1;
const GAIN = 2;

function scale(buf: Float32Array, from: number, to: number, g: number): void {
  for (let i = from; i < to; i++) buf[i] = buf[i]! * g;
}

function ramp(buf: Float32Array, from: number, to: number, g0: number, inc: number): void {
  let g = g0;
  for (let i = from; i < to; i++) {
    g += inc;
    buf[i] = buf[i]! * g;
  }
}

/** The gain computer (eq. 4): output level for an input level, without make-up. */
export function gainComputerDb(xDb: number, thresholdDb: number, ratio: number, kneeDb: number): number {
  const over = xDb - thresholdDb;
  if (2 * over < -kneeDb) return xDb;
  if (kneeDb > 0 && 2 * Math.abs(over) <= kneeDb) {
    const k = over + kneeDb / 2;
    return xDb + ((1 / ratio - 1) * k * k) / (2 * kneeDb);
  }
  return thresholdDb + over / ratio;
}

export class Compressor {
  private readonly sampleRate: number;
  private thresholdDb = -20;
  private slope = 0; // 1/ratio - 1
  private kneeDb = 6;
  private kneeStartLin = 0;
  private kneeEndLin = 0;
  private kneeChord = 0;
  private attackCoeff = 0;
  private releaseCoeff = 0;
  private stepA = 0;
  private stepR = 0;
  private stepK = 0;
  private makeupTotalDb = 0;
  private settings: CompressorSettings = {
    thresholdDb: -20, ratio: 3, kneeDb: 6, attackMs: 10, releaseMs: 100, makeupDb: 0, autoMakeup: false,
  };
  // Running state in a typed array, not fields: a field first stored a small integer then a fraction
  // changes the object's shape, and code compiled for the old shape is thrown away mid-run.
  private readonly st: Float64Array;
  // st[Y1], st[YL]: y1 and yL of eq. 17, in dB of gain reduction. st[GAIN]: the gain applied at the
  // last sample (make-up included), where the next interpolation starts; NaN before the first block
  // (or after reset()), which then starts from its exact gain.

  /**
   * `state`: where to keep the running state (3 doubles), e.g. next to writeParams' output in a pool
   * the native kernel reads (src/engine/native/comp-batch.ts); its own array by default.
   */
  constructor(sampleRate: number, state?: Float64Array) {
    checkPositive('sampleRate', sampleRate);
    this.sampleRate = sampleRate;
    this.st = state ?? new Float64Array(3);
    this.reset();
    this.configure(this.settings);
  }

  /**
   * The derived settings span() uses, in its order, to out[at .. at + 12): threshold, slope, knee,
   * knee start and end (linear), knee chord, attack and release coefficients, stepA, stepR, stepK,
   * total make-up (dB). For the native kernel (native/dsp-kernels/src/comp.c), after configure().
   */
  writeParams(out: Float64Array, at: number): void {
    out[at] = this.thresholdDb;
    out[at + 1] = this.slope;
    out[at + 2] = this.kneeDb;
    out[at + 3] = this.kneeStartLin;
    out[at + 4] = this.kneeEndLin;
    out[at + 5] = this.kneeChord;
    out[at + 6] = this.attackCoeff;
    out[at + 7] = this.releaseCoeff;
    out[at + 8] = this.stepA;
    out[at + 9] = this.stepR;
    out[at + 10] = this.stepK;
    out[at + 11] = this.makeupTotalDb;
  }

  /** The static curve: output level (dB) for a steady input level (dB), including make-up. */
  static staticCurveDb(inputDb: number, s: CompressorSettings): number {
    const ratio = Math.max(1, s.ratio);
    const knee = Math.max(0, s.kneeDb);
    return gainComputerDb(inputDb, s.thresholdDb, ratio, knee) + s.makeupDb + (s.autoMakeup ? Compressor.autoMakeupDb(s) : 0);
  }

  /** Automatic make-up: the gain that brings a 0 dBFS input back to 0 dBFS. */
  static autoMakeupDb(s: CompressorSettings): number {
    return -gainComputerDb(0, s.thresholdDb, Math.max(1, s.ratio), Math.max(0, s.kneeDb));
  }

  configure(s: CompressorSettings): void {
    // Clamps (clampNum's: NaN → the fallback) and conversions written out: this runs on the audio
    // thread when a setting changes, and a double passed to or returned from a call V8 does not
    // inline is boxed on the heap.
    const c = this.settings;
    const tIn = s.thresholdDb, rIn = s.ratio, kIn = s.kneeDb, aIn = s.attackMs, reIn = s.releaseMs, mIn = s.makeupDb;
    const thr = tIn !== tIn ? -20 : tIn < -120 ? -120 : tIn > 24 ? 24 : tIn;
    const ratio = rIn !== rIn ? 1 : rIn < 1 ? 1 : rIn > 1000 ? 1000 : rIn;
    const knee = kIn !== kIn ? 0 : kIn < 0 ? 0 : kIn > 48 ? 48 : kIn;
    const attackMs = aIn !== aIn ? 10 : aIn < 0 ? 0 : aIn > 10000 ? 10000 : aIn;
    const releaseMs = reIn !== reIn ? 100 : reIn < 0 ? 0 : reIn > 60000 ? 60000 : reIn;
    const makeupDb = mIn !== mIn ? 0 : mIn < -48 ? -48 : mIn > 48 ? 48 : mIn;
    c.thresholdDb = thr;
    c.ratio = ratio;
    c.kneeDb = knee;
    c.attackMs = attackMs;
    c.releaseMs = releaseMs;
    c.makeupDb = makeupDb;
    c.autoMakeup = s.autoMakeup === true;
    this.thresholdDb = thr;
    this.slope = 1 / ratio - 1;
    this.kneeDb = knee;
    this.kneeStartLin = Math.exp((thr - knee / 2) * DB_TO_LN);
    this.kneeEndLin = Math.exp((thr + knee / 2) * DB_TO_LN);
    // Reduction per unit of linear level along the knee's chord (0 → −slope·W/2 across it).
    this.kneeChord = knee > 0 ? (-this.slope * knee) / 2 / (this.kneeEndLin - this.kneeStartLin) : 0;
    // onePoleCoeff's.
    const sa = (attackMs * this.sampleRate) / 1000, sr = (releaseMs * this.sampleRate) / 1000;
    this.attackCoeff = sa <= 0 ? 0 : Math.exp(-1 / sa);
    this.releaseCoeff = sr <= 0 ? 0 : Math.exp(-1 / sr);
    // A whole step of the detector with gr held: y1 − gr shrinks by aR^N, yL − gr by aA^N, and yL
    // picks up (1 − aA)·Σₖ aA^(N−k)·aR^k of the initial y1 − gr (summed, not by the closed form,
    // which loses precision when aA ≈ aR).
    const aA = this.attackCoeff, aR = this.releaseCoeff;
    let sum = 0;
    for (let k = 1; k <= GAIN_STEP; k++) sum += Math.pow(aA, GAIN_STEP - k) * Math.pow(aR, k);
    this.stepA = Math.pow(aA, GAIN_STEP);
    this.stepR = Math.pow(aR, GAIN_STEP);
    this.stepK = (1 - aA) * sum;
    // autoMakeupDb(c): minus the gain computer's output for a 0 dBFS input.
    let auto = 0;
    if (c.autoMakeup) {
      const over = -thr;
      let out: number;
      if (2 * over < -knee) out = 0;
      else if (knee > 0 && 2 * (over < 0 ? -over : over) <= knee) {
        const k = over + knee / 2;
        out = ((1 / ratio - 1) * k * k) / (2 * knee);
      } else out = thr + over / ratio;
      auto = -out;
    }
    this.makeupTotalDb = makeupDb + auto;
  }

  /** Current gain reduction in dB (≥ 0, make-up not counted). */
  get gainReductionDb(): number {
    return this.st[YL]!;
  }

  /** Writes gainReductionDb to out[at]: a double returned from a call V8 does not inline is boxed. */
  writeGainReduction(out: Float64Array, at: number): void {
    out[at] = this.st[YL]!;
  }

  process(chans: Float32Array[], nch: number, frames: number): void {
    if (nch <= 0) return;
    // A span of linked peaks at a time; PEAK_SPAN is a multiple of GAIN_STEP, so the steps fall where
    // they would in one pass.
    for (let from = 0; from < frames; from += PEAK_SPAN) {
      const to = frames - from > PEAK_SPAN ? from + PEAK_SPAN : frames;
      linkedPeaks(chans, nch, from, to, PEAKS);
      this.span(chans, nch, from, to);
    }
  }

  /** Frames [from, to), their linked peaks in PEAKS[0 .. to − from). */
  private span(chans: Float32Array[], nch: number, from: number, frames: number): void {
    const thr = this.thresholdDb, slope = this.slope, knee = this.kneeDb, halfKnee = knee / 2;
    const kneeStart = this.kneeStartLin, kneeEnd = this.kneeEndLin, kneeChord = this.kneeChord;
    const aA = this.attackCoeff, aR = this.releaseCoeff, bA = 1 - aA, bR = 1 - aR;
    const stepA = this.stepA, stepR = this.stepR, stepK = this.stepK;
    const makeup = this.makeupTotalDb;
    const makeupLin = Math.exp(makeup * DB_TO_LN);
    const peaks = PEAKS;
    const st = this.st;
    let y1 = st[Y1]!, yL = st[YL]!, g0 = st[GAIN]!;
    if (g0 !== g0) g0 = yL < GONE_DB ? makeupLin : Math.exp((makeup - yL) * DB_TO_LN);
    const o = from;
    for (let start = from; start < frames; start += GAIN_STEP) {
      const end = start + GAIN_STEP < frames ? start + GAIN_STEP : frames;
      const n = end - start;
      // One pass over the step: its peak, and what the mean reduction needs (below).
      let amax = 0, prod = 1, nHard = 0, sumKnee = 0;
      for (let i = start; i < end; i++) {
        const a = peaks[i - o]!;
        if (a > amax) amax = a;
        if (a > kneeEnd) {
          prod *= a;
          nHard++;
        } else if (a > kneeStart) sumKnee += kneeChord * (a - kneeStart);
      }
      let grMax = 0;
      if (amax > kneeStart) {
        const over = Math.log(amax) * LN_TO_DB - thr;
        if (over >= halfKnee) grMax = -slope * over;
        else {
          const k = over + halfKnee;
          grMax = (-slope * k * k) / (2 * knee);
        }
      }
      // The step's mean reduction: above the knee the reduction is linear in dB, so its sum is one log
      // of the product of those levels; inside the knee a chord stands in (≤ 0.3 dB off, and only
      // eq. 17's small release pull (1 − aR) per sample sees it); below the knee it is 0.
      const grMean = ((nHard > 0 ? -slope * (Math.log(prod) * LN_TO_DB - nHard * thr) : 0) + sumKnee) / n;
      if (grMax > y1) {
        // The reduction jumps in this step: sample by sample, the gain computer (a log) runs only on
        // a level above every level already weighed in this step, since only such a sample can
        // raise y1 (gr rises with level); the others take the release pull toward the step's mean.
        let aSeen = 0;
        for (let i = start; i < end; i++) {
          const a = peaks[i - o]!;
          let gr = grMean;
          if (a > aSeen && a > kneeStart) {
            aSeen = a;
            const over = Math.log(a) * LN_TO_DB - thr;
            if (over >= halfKnee) gr = -slope * over;
            else {
              const k = over + halfKnee;
              gr = (-slope * k * k) / (2 * knee);
            }
          }
          y1 = gr > y1 ? gr : y1 + bR * (grMean - y1);
          yL = aA * yL + bA * y1;
        }
      } else {
        // Release only (eq. 17's second branch): y1 relaxes toward the step's mean reduction, and
        // with that held the detector and the attack smoother have a closed form for a whole step.
        const gr = grMean;
        if (n === GAIN_STEP) {
          const d = y1 - gr;
          y1 = gr + d * stepR;
          yL = gr + (yL - gr) * stepA + d * stepK;
        } else {
          for (let i = start; i < end; i++) {
            y1 += bR * (gr - y1);
            yL = aA * yL + bA * y1;
          }
        }
      }
      // The gain is exact at the end of each GAIN_STEP samples and linear in between: one exp() per
      // step instead of per sample. The reduction follows a one-pole of ≥ 0.1 ms, so the chord departs
      // from the curve by < 1e-3 of the step's change; for attack 0 a jump spreads over GAIN_STEP samples.
      const g1 = yL < GONE_DB ? makeupLin : Math.exp((makeup - yL) * DB_TO_LN);
      if (g0 === g1) {
        if (g1 !== 1) for (let c = 0; c < nch; c++) scale(chans[c]!, start, end, g1);
      } else {
        const inc = (g1 - g0) / n;
        for (let c = 0; c < nch; c++) ramp(chans[c]!, start, end, g0, inc);
      }
      g0 = g1;
    }
    // NaN input must not stick in the detector, and a decayed envelope must not sink into subnormals:
    // below GONE_DB the reduction no longer changes the gain (see above), so it is dropped.
    st[Y1] = y1 > GONE_DB ? y1 : 0;
    st[YL] = yL > GONE_DB ? yL : 0;
    st[GAIN] = g0;
  }

  reset(): void {
    this.st[Y1] = 0;
    this.st[YL] = 0;
    this.st[GAIN] = NaN;
  }
}
