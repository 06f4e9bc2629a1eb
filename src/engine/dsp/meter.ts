/**
 * Level meter over several channels (the loudest channel wins): a peak reading with console ballistics
 * (instant attack, hold, then a constant fall in dB/s) and an RMS reading.
 *
 * RMS is a one-pole average of the squared signal per channel. Its time constant is half the nominal
 * window (150 ms for the 300 ms default) because a one-pole with τ has the same equivalent noise
 * bandwidth as a rectangular window of 2τ; a steady sine reads its true RMS (-3.01 dB for a 0 dBFS sine).
 * Peak ballistics advance once per block, which at ≤ 1024-frame blocks is finer than any display.
 * Both readings are computed at the end of process(), so reading them costs nothing and allocates
 * nothing; writeLevels() copies them into a typed array for callers that must not handle a double.
 *
 * Thread rules: process() and reset() are audio-thread safe (no allocation, no throw).
 */
import { FLUSH_BELOW, checkBlock, checkPositive, gainToDb, onePoleCoeff } from './util.ts';

export interface LevelMeterOptions {
  /** How long a peak stays before falling (default 1500 ms). */
  holdMs?: number;
  /** Fall rate after the hold (default 20 dB/s). */
  releaseDbPerS?: number;
  /** Nominal RMS window (default 300 ms). */
  rmsWindowMs?: number;
  /** Channels the meter keeps RMS state for (default 8); extra channels are ignored. */
  maxChannels?: number;
}

/** Readings below this are reported as -Infinity (silence). */
const FLOOR_DB = -150;

export class LevelMeter {
  private readonly sampleRate: number;
  private readonly holdSamples: number;
  private readonly releaseDbPerS: number;
  private readonly rmsCoeff: number;
  /** rmsCoeff², ³ and ⁴, for process()'s four chains. */
  private readonly a2: number;
  private readonly a3: number;
  private readonly a4: number;
  private readonly meanSquare: Float64Array;
  private peak = -Infinity;
  private holdLeft = 0;
  private rms = -Infinity;

  constructor(sampleRate: number, options: LevelMeterOptions = {}) {
    checkPositive('sampleRate', sampleRate);
    const holdMs = options.holdMs ?? 1500;
    const releaseDbPerS = options.releaseDbPerS ?? 20;
    const rmsWindowMs = options.rmsWindowMs ?? 300;
    const maxChannels = options.maxChannels ?? 8;
    if (!(holdMs >= 0)) throw new RangeError(`"holdMs" must be ≥ 0, got ${holdMs}`);
    checkPositive('releaseDbPerS', releaseDbPerS);
    checkPositive('rmsWindowMs', rmsWindowMs);
    checkBlock('maxChannels', maxChannels);
    this.sampleRate = sampleRate;
    this.holdSamples = Math.round((holdMs * sampleRate) / 1000);
    this.releaseDbPerS = releaseDbPerS;
    this.rmsCoeff = onePoleCoeff(rmsWindowMs / 2, sampleRate);
    this.a2 = this.rmsCoeff * this.rmsCoeff;
    this.a3 = this.a2 * this.rmsCoeff;
    this.a4 = this.a2 * this.a2;
    this.meanSquare = new Float64Array(maxChannels);
  }

  /** Peak level in dBFS with hold and release; -Infinity for silence. */
  get peakDb(): number {
    return this.peak;
  }

  /** RMS level in dBFS of the loudest channel; -Infinity for silence. */
  get rmsDb(): number {
    return this.rms;
  }

  /** Writes peak and RMS (dBFS) to `out[at]` and `out[at + 1]`. */
  writeLevels(out: Float64Array, at: number): void {
    out[at] = this.peak;
    out[at + 1] = this.rms;
  }

  private updateRms(): void {
    let ms = 0;
    for (let c = 0; c < this.meanSquare.length; c++) if (this.meanSquare[c]! > ms) ms = this.meanSquare[c]!;
    const d = ms > 0 ? 10 * Math.log10(ms) : -Infinity;
    this.rms = d < FLOOR_DB ? -Infinity : d;
  }

  process(chans: Float32Array[], nch: number, frames: number): void {
    const n = nch < this.meanSquare.length ? nch : this.meanSquare.length;
    const a = this.rmsCoeff, b = 1 - a, a2 = this.a2, a3 = this.a3, a4 = this.a4;
    // The one-pole ms ← a·ms + b·x² as four interleaved chains: one chain per sample is bound by its
    // own multiply-add latency (the meter cost ~8 % of an offline mix), four overlap. Over 4M samples,
    // x[4m + j]'s weight a^(4M − 1 − 4m − j) splits into a^(4(M − 1 − m)), which chain j accumulates
    // with a⁴, and a^(3 − j), applied once at the end; the last frames % 4 samples run one by one.
    const quads = frames >> 2;
    const aBlock = quads > 0 ? Math.pow(a4, quads) : 1;
    let blockPeak = 0;
    for (let c = 0; c < n; c++) {
      const buf = chans[c]!;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      let i = 0;
      for (const end = quads << 2; i < end; i += 4) {
        const x0 = buf[i]!, x1 = buf[i + 1]!, x2 = buf[i + 2]!, x3 = buf[i + 3]!;
        s0 = a4 * s0 + x0 * x0;
        s1 = a4 * s1 + x1 * x1;
        s2 = a4 * s2 + x2 * x2;
        s3 = a4 * s3 + x3 * x3;
        // One comparison each against the peak so far: a NaN sample never wins and never hides another.
        const p0 = x0 < 0 ? -x0 : x0, p1 = x1 < 0 ? -x1 : x1, p2 = x2 < 0 ? -x2 : x2, p3 = x3 < 0 ? -x3 : x3;
        if (p0 > blockPeak) blockPeak = p0;
        if (p1 > blockPeak) blockPeak = p1;
        if (p2 > blockPeak) blockPeak = p2;
        if (p3 > blockPeak) blockPeak = p3;
      }
      let ms = aBlock * this.meanSquare[c]! + b * (a3 * s0 + a2 * s1 + a * s2 + s3);
      for (; i < frames; i++) {
        const x = buf[i]!;
        const ax = x < 0 ? -x : x;
        if (ax > blockPeak) blockPeak = ax;
        ms = a * ms + b * x * x;
      }
      this.meanSquare[c] = ms > FLUSH_BELOW && ms < Infinity ? ms : 0;
    }
    this.updateRms();
    const blockDb = gainToDb(blockPeak);
    if (blockDb >= this.peak) {
      this.peak = blockDb;
      this.holdLeft = this.holdSamples;
      return;
    }
    let fall = frames;
    if (this.holdLeft > 0) {
      const used = this.holdLeft < frames ? this.holdLeft : frames;
      this.holdLeft -= used;
      fall -= used;
    }
    if (fall > 0) {
      const fallen = this.peak - (this.releaseDbPerS * fall) / this.sampleRate;
      this.peak = fallen > blockDb ? fallen : blockDb;
      if (this.peak < FLOOR_DB) this.peak = -Infinity;
    }
  }

  reset(): void {
    this.peak = -Infinity;
    this.holdLeft = 0;
    this.meanSquare.fill(0);
    this.rms = -Infinity;
  }
}
