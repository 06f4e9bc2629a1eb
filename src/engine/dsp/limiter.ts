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
 * The per-sample loop after the detectors runs in C where the dsp-kernels addon is built
 * (src/engine/native/limiter-kernel.ts), bit for bit this file's loop, which stays the reference and
 * the fallback (FADERD_KERNELS=ts keeps it). Both read and write the same state: every running value,
 * setting and ring position lives in the typed arrays below, none in plain fields.
 *
 * Thread rules: the constructor allocates; configure(), process() and reset() do not and never throw.
 */
import {
  LIM_MAX_CHANNELS, LIM_POS_AVG, LIM_POS_BYPASS, LIM_POS_CHANNELS, LIM_POS_DELAY, LIM_POS_DQ_HEAD, LIM_POS_DQ_TAIL, LIM_POS_LATENCY,
  LIM_POS_SIZE, LIM_POS_WINDOW, LIM_ST_AVG_SUM, LIM_ST_COUNTER, LIM_ST_FAST, LIM_ST_LAST_GAIN, LIM_ST_MIN_GAIN, LIM_ST_RELEASE,
  LIM_ST_SIZE, LIM_ST_SLOW, LIM_ST_SLOW_ATTACK, LIM_ST_SLOW_RELEASE, LIM_ST_THRESHOLD, nativeLimiterCalls, nativeLimiterMissing,
  nativeLimiterRun, type LimiterRunFn,
} from '../native/limiter-kernel.ts';
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
  /**
   * The per-sample loop: 'auto' (default) the native one where the addon is in use, 'ts' this file's,
   * 'native' the addon's or a throw (tests compare the two).
   */
  readonly kernel?: 'auto' | 'native' | 'ts';
}

const SPREAD = 8;
const COUNTER = LIM_ST_COUNTER;
const AVG_SUM = LIM_ST_AVG_SUM;
const RELEASE = LIM_ST_RELEASE;
const MIN_GAIN = LIM_ST_MIN_GAIN;
const LAST_GAIN = LIM_ST_LAST_GAIN;
const SLOW = LIM_ST_SLOW;
/** Settings (written by configure()). */
const THRESHOLD = LIM_ST_THRESHOLD;
const FAST = LIM_ST_FAST;
const SLOW_ATTACK = LIM_ST_SLOW_ATTACK;
const SLOW_RELEASE = LIM_ST_SLOW_RELEASE;
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
  /** The detectors' peaks, channel c at [c · maxBlock, (c + 1) · maxBlock) of detAll (det[c] views it). */
  private readonly detAll: Float64Array;
  private readonly det: Float64Array[];
  private readonly attack: number;
  private readonly window: number;
  /** Audio delay lines, one per channel (power-of-two rings, views of delayAll). */
  private readonly delayAll: Float32Array;
  private readonly delay: Float32Array[];
  private readonly delayMask: number;
  // Sliding-minimum deque (ring of values and their sample counters).
  private readonly dqVal: Float64Array;
  private readonly dqIdx: Float64Array;
  private readonly dqMask: number;
  /**
   * Running doubles and the per-sample coefficients (fast release for transients, the slow envelope's
   * attack and release) live in a typed array: V8 may box a double object field on every store, and
   * the native loop reads and writes the same array.
   */
  private readonly st = new Float64Array(LIM_ST_SIZE);
  /** Ring positions (deque head and tail, average, delay), the geometry and the bypass flag (LIM_POS_*). */
  private readonly pos = new Int32Array(LIM_POS_SIZE);
  // Moving average of the released gain over the attack length.
  private readonly avg: Float64Array;
  private readonly marginDb: number;
  /** The native loop, or undefined when this limiter runs the TypeScript one. */
  private readonly native: LimiterRunFn | undefined;

  constructor(sampleRate: number, maxBlock: number, channels = 2, opts: LimiterOptions = {}) {
    checkPositive('sampleRate', sampleRate);
    checkBlock('maxBlock', maxBlock);
    checkBlock('channels', channels);
    this.sampleRate = sampleRate;
    this.channels = channels;
    this.marginDb = opts.marginDb ?? MARGIN_DB;
    this.tp = Array.from({ length: channels }, () => new TruePeakDetector());
    this.detAll = new Float64Array(channels * maxBlock);
    this.det = Array.from({ length: channels }, (_, c) => this.detAll.subarray(c * maxBlock, (c + 1) * maxBlock));
    this.attack = Math.max(1, Math.round(((opts.attackMs ?? 1.5) * sampleRate) / 1000));
    const hold = Math.max(0, Math.round(((opts.holdMs ?? 15) * sampleRate) / 1000));
    this.window = this.attack + 2 * SPREAD + hold + 1;
    this.latencyFrames = this.tp[0]!.latency + SPREAD + this.attack - 1;
    const size = nextPow2(this.latencyFrames + 1);
    this.delayAll = new Float32Array(channels * size);
    this.delay = Array.from({ length: channels }, (_, c) => this.delayAll.subarray(c * size, (c + 1) * size));
    this.delayMask = size - 1;
    const dq = nextPow2(this.window + 1);
    this.dqVal = new Float64Array(dq);
    this.dqIdx = new Float64Array(dq);
    this.dqMask = dq - 1;
    this.avg = new Float64Array(this.attack).fill(1);
    this.st[AVG_SUM] = this.attack;
    this.st[RELEASE] = this.st[MIN_GAIN] = this.st[LAST_GAIN] = this.st[SLOW] = 1;
    this.pos[LIM_POS_WINDOW] = this.window;
    this.pos[LIM_POS_LATENCY] = this.latencyFrames;
    this.pos[LIM_POS_CHANNELS] = channels;
    const kernel = opts.kernel ?? 'auto';
    this.native = kernel === 'ts' || channels > LIM_MAX_CHANNELS ? undefined : nativeLimiterRun();
    if (kernel === 'native' && this.native === undefined) throw new Error(`the native limiter loop is not in use: ${nativeLimiterMissing() ?? `${channels} channels`}`);
    this.configure({ ceilingDb: -1, releaseMs: 100 });
  }

  /** Which per-sample loop this limiter runs. */
  get kernel(): 'native' | 'ts' {
    return this.native === undefined ? 'ts' : 'native';
  }

  configure(s: LimiterSettings): void {
    const st = this.st;
    st[THRESHOLD] = dbToGain(clampNum(s.ceilingDb, -60, 0, -1) - this.marginDb);
    for (const t of this.tp) t.setFloor(st[THRESHOLD]!);
    const rel = clampNum(s.releaseMs, 0.1, 10000, 100);
    const perSample = (ms: number): number => Math.exp(-1000 / (ms * this.sampleRate));
    st[FAST] = perSample(rel / FAST_RATIO);
    st[SLOW_RELEASE] = perSample(rel);
    st[SLOW_ATTACK] = 1 - perSample(rel * SLOW_ATTACK_RATIO);
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
    this.pos[LIM_POS_DQ_HEAD] = this.pos[LIM_POS_DQ_TAIL] = 0;
    this.avg.fill(1);
    this.pos[LIM_POS_AVG] = 0;
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
    this.pos[LIM_POS_BYPASS] = this.bypass ? 1 : 0;
    const run = this.native;
    // The kernel declines (changing nothing) a short buffer or frames past maxBlock: the loop below has its own answer.
    if (run !== undefined && run(chans, this.detAll, this.delayAll, this.st, this.pos, this.dqVal, this.dqIdx, this.avg, frames)) {
      nativeLimiterCalls[0]!++;
      return;
    }
    this.limit(chans, frames);
  }

  /** The per-sample loop after the detectors: the reference for limiter.c. */
  private limit(chans: ReadonlyArray<Float32Array>, frames: number): void {
    const nch = this.channels;
    const st = this.st;
    const pos = this.pos;
    const thr = st[THRESHOLD]!;
    const dqVal = this.dqVal, dqIdx = this.dqIdx, dqMask = this.dqMask;
    const win = this.window;
    const avg = this.avg;
    const A = this.attack;
    const fastC = st[FAST]!, slowA = st[SLOW_ATTACK]!, slowR = st[SLOW_RELEASE]!;
    const dMask = this.delayMask;
    const lat = this.latencyFrames;
    const bypass = pos[LIM_POS_BYPASS] !== 0;
    let counter = st[COUNTER]!;
    let avgSum = st[AVG_SUM]!;
    let release = st[RELEASE]!;
    let slow = st[SLOW]!;
    let g = st[LAST_GAIN]!;
    let minGain = 1;
    let head = pos[LIM_POS_DQ_HEAD]!, tail = pos[LIM_POS_DQ_TAIL]!;
    let avgPos = pos[LIM_POS_AVG]!, wpos = pos[LIM_POS_DELAY]!;
    for (let i = 0; i < frames; i++) {
      let pk = 0;
      for (let c = 0; c < nch; c++) {
        const v = this.det[c]![i]!;
        if (v > pk) pk = v;
      }
      // NaN or a silent sample asks for no reduction.
      const want = pk > thr ? thr / pk : 1;
      const k = counter++;
      while (tail !== head && dqVal[(tail - 1) & dqMask]! >= want) tail = (tail - 1) & dqMask;
      dqVal[tail] = want;
      dqIdx[tail] = k;
      tail = (tail + 1) & dqMask;
      while (dqIdx[head]! <= k - win) head = (head + 1) & dqMask;
      const held = dqVal[head]!;
      // Program-dependent release: the slow envelope follows the held gain down over 4 release
      // times, so a short transient hardly moves it and a sustained over brings it to its level; the
      // gain recovers FAST_RATIO× faster than the release setting, but only up to the slow envelope,
      // which itself recovers at the release setting.
      slow = held < slow ? slow + (held - slow) * slowA : 1 - (1 - slow) * slowR;
      let r = release < slow ? slow - (slow - release) * fastC : slow;
      if (held < r) r = held;
      release = r;
      avgSum += r - avg[avgPos]!;
      avg[avgPos] = r;
      avgPos = avgPos + 1 === A ? 0 : avgPos + 1;
      if (avgPos === 0) {
        let s = 0;
        for (let j = 0; j < A; j++) s += avg[j]!;
        avgSum = s;
      }
      g = bypass ? 1 : avgSum / A;
      if (g > 1) g = 1;
      if (g < minGain) minGain = g;
      const rpos = (wpos - lat) & dMask;
      for (let c = 0; c < nch; c++) {
        const buf = chans[c];
        if (buf === undefined) continue;
        const d = this.delay[c]!;
        d[wpos] = buf[i]!;
        buf[i] = d[rpos]! * g;
      }
      wpos = (wpos + 1) & dMask;
    }
    // Keep the deque's indices exact: renumber before the counter outgrows float precision (~days).
    if (counter > 1e12) {
      for (let j = head; j !== tail; j = (j + 1) & dqMask) dqIdx[j]! -= counter;
      counter = 0;
    }
    pos[LIM_POS_DQ_HEAD] = head;
    pos[LIM_POS_DQ_TAIL] = tail;
    pos[LIM_POS_AVG] = avgPos;
    pos[LIM_POS_DELAY] = wpos;
    st[COUNTER] = counter;
    st[AVG_SUM] = avgSum;
    st[RELEASE] = release;
    st[SLOW] = slow;
    st[LAST_GAIN] = g;
    st[MIN_GAIN] = minGain;
  }
}
