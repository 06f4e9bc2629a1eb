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
    const a = this.rmsCoeff, b = 1 - a;
    let blockPeak = 0;
    for (let c = 0; c < n; c++) {
      const buf = chans[c]!;
      let ms = this.meanSquare[c]!;
      for (let i = 0; i < frames; i++) {
        const x = buf[i]!;
        const ax = x < 0 ? -x : x;
        if (ax > blockPeak) blockPeak = ax;
        ms = a * ms + b * x * x;
      }
      // Non-finite input must not freeze the meter at NaN; a decayed average must not go subnormal.
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
