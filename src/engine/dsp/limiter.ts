/**
 * True-peak look-ahead limiter. The output never exceeds the ceiling measured with 4× oversampling.
 *
 * Per input sample the detector takes the largest of the sample, its 4× interpolated successors
 * (oversampler.ts, at quarters of a sample) and the BS.1770 Annex 2 interpolator's points (at odd
 * eighths), over all channels (stereo-linked), and asks for gain `min(1, ceiling / peak)`. Two
 * interpolators because 4× meters disagree by up to 0.3 dB on content near fs/2 (white noise measured:
 * a limiter detecting with the Kaiser kernel alone left the Annex meter reading 0.13 dB over the ceiling);
 * with both, the Annex meter reads the ceiling to 0.001 dB before the margin. The gain
 * applied is built so that it is already at or below that request over the whole neighbourhood a
 * 4× interpolator looks at (±SPREAD samples around the peak):
 *
 *   1. sliding minimum of the requests over [t − attack − SPREAD − hold, t + SPREAD] (monotonic deque);
 *   2. release: the gain recovers exponentially toward unity, never above the minimum of step 1;
 *   3. a moving average over the attack length: a linear ramp that lands before the peak arrives.
 *
 * Each step keeps the gain ≤ every request in reach, so the gain around a peak is flat at (or below) the
 * request, and the product g·x stays under the ceiling between samples too. The hold (15 ms) bridges the
 * gap between the crests of a steady low-frequency tone, so a steady sine gets a constant gain (no
 * pumping) down to 33 Hz. The detector aims 0.1 dB under the ceiling so that other 4× meters (other
 * interpolation filters) read at or under the ceiling too.
 *
 * Latency: oversampler half-width + SPREAD + attack − 1 samples (91 samples, 1.9 ms at 48 kHz).
 *
 * Thread rules: the constructor allocates; configure(), process() and reset() do not and never throw.
 */
import { Oversampler } from './oversampler.ts';
import { ANNEX_DELAY, AnnexPeakDetector } from './truepeak.ts';
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
  /** Detector oversampling of the Kaiser interpolator (default 4). */
  readonly oversampling?: number;
  /** Detector interpolator half-width in taps (default 12). */
  readonly detectorTaps?: number;
  /** Detector aim under the ceiling in dB (default MARGIN_DB). */
  readonly marginDb?: number;
}

const SPREAD = 8;
const COUNTER = 0;
const AVG_SUM = 1;
const RELEASE = 2;
const MIN_GAIN = 3;
const LAST_GAIN = 4;
const MARGIN_DB = 0.1;

export class TruePeakLimiter {
  readonly channels: number;
  readonly latencyFrames: number;
  private readonly sampleRate: number;
  private readonly os: Oversampler[];
  private readonly det: Float64Array[];
  private readonly annex: AnnexPeakDetector[];
  private readonly annexOut: Float64Array[];
  /** Per channel ring aligning the Annex detector's output with the oversampler's (longer) delay. */
  private readonly annexRing: Float64Array[];
  private annexPos = 0;
  private readonly annexLag: number;
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
  private releaseCoef = 0;
  private threshold = 1;
  private readonly marginDb: number;

  constructor(sampleRate: number, maxBlock: number, channels = 2, opts: LimiterOptions = {}) {
    checkPositive('sampleRate', sampleRate);
    checkBlock('maxBlock', maxBlock);
    checkBlock('channels', channels);
    this.sampleRate = sampleRate;
    this.channels = channels;
    this.marginDb = opts.marginDb ?? MARGIN_DB;
    this.os = Array.from({ length: channels }, () => new Oversampler(opts.oversampling ?? 4, opts.detectorTaps ?? 12));
    this.det = Array.from({ length: channels }, () => new Float64Array(maxBlock));
    this.annex = Array.from({ length: channels }, () => new AnnexPeakDetector());
    this.annexOut = Array.from({ length: channels }, () => new Float64Array(maxBlock));
    this.annexLag = Math.max(0, this.os[0]!.latency - ANNEX_DELAY);
    this.annexRing = Array.from({ length: channels }, () => new Float64Array(this.annexLag + 1));
    this.attack = Math.max(1, Math.round(((opts.attackMs ?? 1.5) * sampleRate) / 1000));
    const hold = Math.max(0, Math.round(((opts.holdMs ?? 15) * sampleRate) / 1000));
    this.window = this.attack + 2 * SPREAD + hold + 1;
    this.latencyFrames = this.os[0]!.latency + SPREAD + this.attack - 1;
    const size = nextPow2(this.latencyFrames + 1);
    this.delay = Array.from({ length: channels }, () => new Float32Array(size));
    this.delayMask = size - 1;
    const dq = nextPow2(this.window + 1);
    this.dqVal = new Float64Array(dq);
    this.dqIdx = new Float64Array(dq);
    this.dqMask = dq - 1;
    this.avg = new Float64Array(this.attack).fill(1);
    this.st[AVG_SUM] = this.attack;
    this.st[RELEASE] = this.st[MIN_GAIN] = this.st[LAST_GAIN] = 1;
    this.configure({ ceilingDb: -1, releaseMs: 100 });
  }

  configure(s: LimiterSettings): void {
    this.threshold = dbToGain(clampNum(s.ceilingDb, -60, 0, -1) - this.marginDb);
    for (const o of this.os) o.setFloor(this.threshold);
    for (const a of this.annex) a.setFloor(this.threshold);
    const rel = clampNum(s.releaseMs, 0.1, 10000, 100);
    this.releaseCoef = Math.exp(-1000 / (rel * this.sampleRate));
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
    for (const o of this.os) o.reset();
    for (const a of this.annex) a.reset();
    for (const r of this.annexRing) r.fill(0);
    this.annexPos = 0;
    for (const d of this.delay) d.fill(0);
    this.dqHead = this.dqTail = 0;
    this.avg.fill(1);
    this.avgPos = 0;
    this.st[COUNTER] = 0;
    this.st[AVG_SUM] = this.attack;
    this.st[RELEASE] = this.st[MIN_GAIN] = this.st[LAST_GAIN] = 1;
  }

  /** Folds the Annex 2 detector's peaks (odd eighths) into the oversampler's (quarters), time-aligned. */
  private mergeAnnex(frames: number): void {
    const len = this.annexLag + 1;
    let pos = this.annexPos;
    for (let c = 0; c < this.channels; c++) {
      const ring = this.annexRing[c]!;
      const a = this.annexOut[c]!;
      const d = this.det[c]!;
      pos = this.annexPos;
      for (let i = 0; i < frames; i++) {
        ring[pos] = a[i]!;
        pos = pos + 1 === len ? 0 : pos + 1;
        const v = ring[pos]!;
        if (v > d[i]!) d[i] = v;
      }
    }
    this.annexPos = pos;
  }

  /** Limits `chans` in place; the output is the input delayed by `latencyFrames`. */
  process(chans: ReadonlyArray<Float32Array>, frames: number): void {
    const nch = this.channels;
    for (let c = 0; c < nch; c++) {
      const buf = chans[c];
      if (buf === undefined) continue;
      this.os[c]!.peaks(buf, frames, this.det[c]!);
      this.annex[c]!.peaks(buf, frames, this.annexOut[c]!);
    }
    this.mergeAnnex(frames);
    const thr = this.threshold;
    const dqVal = this.dqVal, dqIdx = this.dqIdx, dqMask = this.dqMask;
    const win = this.window;
    const avg = this.avg;
    const A = this.attack;
    const relC = this.releaseCoef;
    const dMask = this.delayMask;
    const lat = this.latencyFrames;
    const st = this.st;
    let counter = st[COUNTER]!;
    let avgSum = st[AVG_SUM]!;
    let release = st[RELEASE]!;
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
      let r = 1 - (1 - release) * relC;
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
    st[LAST_GAIN] = g;
    st[MIN_GAIN] = minGain;
  }
}
