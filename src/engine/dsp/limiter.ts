/**
 * True-peak look-ahead limiter. The output stays under the ceiling as the true-peak meter measures it
 * (truepeak.ts), and by an ideal reconstruction on programme material and the Tech 3341 tones
 * (test/engine/dsp/limiter.test.ts).
 *
 * Per input sample the detector takes the largest |value| of the reconstruction over the sample
 * interval (TruePeakDetector: the meter's own staged search, exact wherever a peak is above the
 * threshold), over all channels (stereo-linked), and asks for gain `min(1, threshold / peak)`. The gain
 * applied is built so that it is already at or below that request over ±SPREAD samples around the peak:
 *
 *   1. sliding minimum of the requests over [t − attack − SPREAD − hold, t + SPREAD] (monotonic deque);
 *   2. release, program-dependent: after a transient the gain recovers 4× faster than the release
 *      setting; under sustained overs a slow envelope (following the gain reduction over 4 release
 *      times) holds it down and lets it back at the release setting, so dense material is not pumped.
 *      Never above the minimum of step 1;
 *   3. a moving average over the attack length: a linear ramp that lands before the peak arrives.
 *
 * Each step keeps the gain ≤ every request in reach, so the gain around a peak is flat at (or below) the
 * request, and the product g·x stays under the ceiling between samples too. The hold (15 ms) bridges the
 * gap between the crests of a steady low-frequency tone, so a steady sine gets a constant gain (no
 * pumping) down to 33 Hz. The detector aims 0.1 dB under the ceiling (MARGIN_DB).
 *
 * Known limit: content right at Nyquist (full-band white noise driven 13 dB in) is partly outside the
 * reconstruction's ±64-sample window; an ideal (infinite) reconstruction then reads up to ~0.5 dB over.
 *
 * Latency: detector look-ahead (65) + SPREAD + attack − 1 samples (144 samples, 3.0 ms at 48 kHz).
 *
 * Thread rules: the constructor allocates; configure(), process() and reset() do not and never throw.
 */
import { TruePeakDetector } from './truepeak.ts';
import { checkBlock, checkPositive, clampNum, dbToGain, nextPow2 } from './util.ts';

export interface LimiterSettings {
  readonly ceilingDb: number;
  readonly releaseMs: number;
}

export interface LimiterOptions {
  /** Attack ramp (and look-ahead) length (default 1.5 ms). */
  readonly attackMs?: number;
  /** Hold before release (default 15 ms). */
  readonly holdMs?: number;
  /** Detector aim under the ceiling in dB (default MARGIN_DB). */
  readonly marginDb?: number;
}

const SPREAD = 8;
const COUNTER = 0;
const AVG_SUM = 1;
const RELEASE = 2;
const MIN_GAIN = 3;
const LAST_GAIN = 4;
const SLOW = 5;
/** Transients release this many times faster than the release setting (see the file comment). */
const FAST_RATIO = 4;
/** The slow envelope takes this many release times to follow a sustained over down. */
const SLOW_ATTACK_RATIO = 4;
const MARGIN_DB = 0.1;

export class TruePeakLimiter {
  readonly channels: number;
  readonly latencyFrames: number;
  private readonly sampleRate: number;
  private readonly tp: TruePeakDetector[];
  private readonly det: Float64Array[];
  private readonly attack: number;
  private readonly window: number;
  // Audio delay lines, one per channel (power-of-two ring).
  private readonly delay: Float32Array[];
  private readonly delayMask: number;
  private delayPos = 0;
  // Sliding-minimum deque (ring of values and their sample counters).
  private readonly dqVal: Float64Array;
  private readonly dqIdx: Float64Array;
  private readonly dqMask: number;
  private dqHead = 0;
  private dqTail = 0;
  /** Running doubles live in a typed array: V8 may box a double object field on every store. */
  private readonly st = new Float64Array(6);
  // Moving average of the released gain over the attack length.
  private readonly avg: Float64Array;
  private avgPos = 0;
  /** Per-sample coefficients: fast release (transients), slow envelope's attack and release. */
  private fastCoef = 0;
  private slowAttack = 0;
  private slowRelease = 0;
  private threshold = 1;
  private readonly marginDb: number;

  constructor(sampleRate: number, maxBlock: number, channels = 2, opts: LimiterOptions = {}) {
    checkPositive('sampleRate', sampleRate);
    checkBlock('maxBlock', maxBlock);
    checkBlock('channels', channels);
    this.sampleRate = sampleRate;
    this.channels = channels;
    this.marginDb = opts.marginDb ?? MARGIN_DB;
    this.tp = Array.from({ length: channels }, () => new TruePeakDetector());
    this.det = Array.from({ length: channels }, () => new Float64Array(maxBlock));
    this.attack = Math.max(1, Math.round(((opts.attackMs ?? 1.5) * sampleRate) / 1000));
    const hold = Math.max(0, Math.round(((opts.holdMs ?? 15) * sampleRate) / 1000));
    this.window = this.attack + 2 * SPREAD + hold + 1;
    this.latencyFrames = this.tp[0]!.latency + SPREAD + this.attack - 1;
    const size = nextPow2(this.latencyFrames + 1);
    this.delay = Array.from({ length: channels }, () => new Float32Array(size));
    this.delayMask = size - 1;
    const dq = nextPow2(this.window + 1);
    this.dqVal = new Float64Array(dq);
    this.dqIdx = new Float64Array(dq);
    this.dqMask = dq - 1;
    this.avg = new Float64Array(this.attack).fill(1);
    this.st[AVG_SUM] = this.attack;
    this.st[RELEASE] = this.st[MIN_GAIN] = this.st[LAST_GAIN] = this.st[SLOW] = 1;
    this.configure({ ceilingDb: -1, releaseMs: 100 });
  }

  configure(s: LimiterSettings): void {
    this.threshold = dbToGain(clampNum(s.ceilingDb, -60, 0, -1) - this.marginDb);
    for (const t of this.tp) t.setFloor(this.threshold);
    const rel = clampNum(s.releaseMs, 0.1, 10000, 100);
    const perSample = (ms: number): number => Math.exp(-1000 / (ms * this.sampleRate));
    this.fastCoef = perSample(rel / FAST_RATIO);
    this.slowRelease = perSample(rel);
    this.slowAttack = 1 - perSample(rel * SLOW_ATTACK_RATIO);
  }

  /** Deepest gain reduction (dB, ≥ 0) applied during the last process() call. */
  get gainReductionDb(): number {
    const g = this.st[MIN_GAIN]!;
    return g < 1 ? -20 * Math.log10(g) : 0;
  }

  /** Passes audio through (still delayed by latencyFrames, so switching keeps time); detection keeps running. */
  bypass = false;

  /** Writes gainReductionDb to out[at] without boxing a double. */
  writeGainReduction(out: Float64Array, at: number): void {
    const g = this.st[MIN_GAIN]!;
    out[at] = g < 1 ? -20 * Math.log10(g) : 0;
  }

  /** Gain being applied to the newest output sample (linear). */
  get currentGain(): number {
    return this.st[LAST_GAIN]!;
  }

  reset(): void {
    for (const t of this.tp) t.reset();
    for (const d of this.delay) d.fill(0);
    this.dqHead = this.dqTail = 0;
    this.avg.fill(1);
    this.avgPos = 0;
    this.st[COUNTER] = 0;
    this.st[AVG_SUM] = this.attack;
    this.st[RELEASE] = this.st[MIN_GAIN] = this.st[LAST_GAIN] = this.st[SLOW] = 1;
  }

  /** Limits `chans` in place; the output is the input delayed by `latencyFrames`. */
  process(chans: ReadonlyArray<Float32Array>, frames: number): void {
    const nch = this.channels;
    for (let c = 0; c < nch; c++) {
      const buf = chans[c];
      if (buf === undefined) continue;
      this.tp[c]!.peaks(buf, frames, this.det[c]!);
    }
    const thr = this.threshold;
    const dqVal = this.dqVal, dqIdx = this.dqIdx, dqMask = this.dqMask;
    const win = this.window;
    const avg = this.avg;
    const A = this.attack;
    const fastC = this.fastCoef, slowA = this.slowAttack, slowR = this.slowRelease;
    const dMask = this.delayMask;
    const lat = this.latencyFrames;
    const st = this.st;
    let counter = st[COUNTER]!;
    let avgSum = st[AVG_SUM]!;
    let release = st[RELEASE]!;
    let slow = st[SLOW]!;
    let g = st[LAST_GAIN]!;
    let minGain = 1;
    for (let i = 0; i < frames; i++) {
      let pk = 0;
      for (let c = 0; c < nch; c++) {
        const v = this.det[c]![i]!;
        if (v > pk) pk = v;
      }
      // NaN or a silent sample asks for no reduction.
      const want = pk > thr ? thr / pk : 1;
      const k = counter++;
      let tail = this.dqTail;
      let head = this.dqHead;
      while (tail !== head && dqVal[(tail - 1) & dqMask]! >= want) tail = (tail - 1) & dqMask;
      dqVal[tail] = want;
      dqIdx[tail] = k;
      tail = (tail + 1) & dqMask;
      while (dqIdx[head]! <= k - win) head = (head + 1) & dqMask;
      this.dqTail = tail;
      this.dqHead = head;
      const held = dqVal[head]!;
      // Program-dependent release: the slow envelope follows the held gain down over 4 release
      // times, so a short transient hardly moves it and a sustained over brings it to its level; the
      // gain recovers FAST_RATIO× faster than the release setting, but only up to the slow envelope,
      // which itself recovers at the release setting.
      slow = held < slow ? slow + (held - slow) * slowA : 1 - (1 - slow) * slowR;
      let r = release < slow ? slow - (slow - release) * fastC : slow;
      if (held < r) r = held;
      release = r;
      avgSum += r - avg[this.avgPos]!;
      avg[this.avgPos] = r;
      this.avgPos = this.avgPos + 1 === A ? 0 : this.avgPos + 1;
      if (this.avgPos === 0) {
        let s = 0;
        for (let j = 0; j < A; j++) s += avg[j]!;
        avgSum = s;
      }
      g = this.bypass ? 1 : avgSum / A;
      if (g > 1) g = 1;
      if (g < minGain) minGain = g;
      const wpos = this.delayPos;
      const rpos = (wpos - lat) & dMask;
      for (let c = 0; c < nch; c++) {
        const buf = chans[c];
        if (buf === undefined) continue;
        const d = this.delay[c]!;
        d[wpos] = buf[i]!;
        buf[i] = d[rpos]! * g;
      }
      this.delayPos = (wpos + 1) & dMask;
    }
    // Keep the deque's indices exact: renumber before the counter outgrows float precision (~days).
    if (counter > 1e12) {
      for (let j = this.dqHead; j !== this.dqTail; j = (j + 1) & dqMask) dqIdx[j]! -= counter;
      counter = 0;
    }
    st[COUNTER] = counter;
    st[AVG_SUM] = avgSum;
    st[RELEASE] = release;
    st[SLOW] = slow;
    st[LAST_GAIN] = g;
    st[MIN_GAIN] = minGain;
  }
}
