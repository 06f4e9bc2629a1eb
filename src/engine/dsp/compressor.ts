/**
 * Feed-forward, log-domain, stereo-linked compressor after Giannoulis, Massberg & Reiss (JAES 2012):
 * a soft-knee gain computer on the instantaneous peak level of the loudest channel, then the smooth
 * decoupled peak detector (their eq. 17) on the gain reduction in dB, so attack and release shape the
 * reduction itself and release does not depend on the input level.
 *
 * Below the knee no logarithm is taken (a linear comparison decides), so quiet passages are cheap.
 *
 * Thread rules: configure(), process() and reset() are audio-thread safe (no allocation, no throw).
 */
import { DB_TO_LN, FLUSH_BELOW, LN_TO_DB, checkPositive, clampNum, dbToGain, onePoleCoeff } from './util.ts';

export interface CompressorSettings {
  thresholdDb: number;
  ratio: number;
  kneeDb: number;
  attackMs: number;
  releaseMs: number;
  makeupDb: number;
  autoMakeup: boolean;
}

/** Level used for digital silence so the curve stays finite. */
const SILENCE_DB = -200;

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
  private attackCoeff = 0;
  private releaseCoeff = 0;
  private makeupTotalDb = 0;
  private settings: CompressorSettings = {
    thresholdDb: -20, ratio: 3, kneeDb: 6, attackMs: 10, releaseMs: 100, makeupDb: 0, autoMakeup: false,
  };
  // Detector state: y1 and yL of eq. 17, in dB of gain reduction.
  private y1 = 0;
  private yL = 0;

  constructor(sampleRate: number) {
    checkPositive('sampleRate', sampleRate);
    this.sampleRate = sampleRate;
    this.configure(this.settings);
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
    const c = this.settings;
    c.thresholdDb = clampNum(s.thresholdDb, -120, 24, -20);
    c.ratio = clampNum(s.ratio, 1, 1000, 1);
    c.kneeDb = clampNum(s.kneeDb, 0, 48, 0);
    c.attackMs = clampNum(s.attackMs, 0, 10000, 10);
    c.releaseMs = clampNum(s.releaseMs, 0, 60000, 100);
    c.makeupDb = clampNum(s.makeupDb, -48, 48, 0);
    c.autoMakeup = s.autoMakeup === true;
    this.thresholdDb = c.thresholdDb;
    this.slope = 1 / c.ratio - 1;
    this.kneeDb = c.kneeDb;
    this.kneeStartLin = dbToGain(c.thresholdDb - c.kneeDb / 2);
    this.attackCoeff = onePoleCoeff(c.attackMs, this.sampleRate);
    this.releaseCoeff = onePoleCoeff(c.releaseMs, this.sampleRate);
    this.makeupTotalDb = c.makeupDb + (c.autoMakeup ? Compressor.autoMakeupDb(c) : 0);
  }

  /** Current gain reduction in dB (≥ 0, make-up not counted). */
  get gainReductionDb(): number {
    return this.yL;
  }

  process(chans: Float32Array[], nch: number, frames: number): void {
    const thr = this.thresholdDb, slope = this.slope, knee = this.kneeDb, halfKnee = knee / 2;
    const kneeStart = this.kneeStartLin;
    const aA = this.attackCoeff, aR = this.releaseCoeff, bA = 1 - aA, bR = 1 - aR;
    const makeup = this.makeupTotalDb;
    const makeupLin = Math.exp(makeup * DB_TO_LN);
    let y1 = this.y1, yL = this.yL;
    for (let i = 0; i < frames; i++) {
      let peak = 0;
      for (let c = 0; c < nch; c++) {
        const x = chans[c]![i]!;
        const ax = x < 0 ? -x : x;
        if (ax > peak) peak = ax;
      }
      let gr = 0;
      if (peak > kneeStart) {
        const xDb = peak > 0 ? Math.log(peak) * LN_TO_DB : SILENCE_DB;
        const over = xDb - thr;
        if (over >= halfKnee) gr = -slope * over;
        else {
          const k = over + halfKnee;
          gr = (-slope * k * k) / (2 * knee);
        }
      }
      const rel = aR * y1 + bR * gr;
      y1 = gr > rel ? gr : rel;
      yL = aA * yL + bA * y1;
      // Once the reduction has decayed below 1e-9 dB, treat it as gone and skip exp().
      const g = yL < 1e-9 ? makeupLin : Math.exp((makeup - yL) * DB_TO_LN);
      if (g !== 1) {
        for (let c = 0; c < nch; c++) {
          const buf = chans[c]!;
          buf[i] = buf[i]! * g;
        }
      }
    }
    // NaN input must not stick in the detector, and a decayed envelope must not sink into subnormals.
    this.y1 = y1 > FLUSH_BELOW ? y1 : 0;
    this.yL = yL > FLUSH_BELOW ? yL : 0;
  }

  reset(): void {
    this.y1 = 0;
    this.yL = 0;
  }
}
