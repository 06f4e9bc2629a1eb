/**
 * Loudness meter per ITU-R BS.1770-5 and EBU R 128 (Tech 3341 "EBU mode", Tech 3342 loudness range).
 *
 * The K-weighted power of every channel (weighted by G_i) is summed into 1 ms hops; the momentary
 * (400 ms) and short-term (3 s) windows are running sums over the last 400 / 3000 hops, so M and S are
 * evaluated every millisecond, not every 100 ms (Tech 3341 cases 13 and 14 need that resolution: a
 * 400 ms window placed in 100 ms steps misses up to half a tone burst). Hop edges fall at
 * round(k·fs/1000), so 100 hops span exactly 0.1·fs samples and the BS.1770 gating blocks (400 ms,
 * 75 % overlap) are exact sums of hops.
 *
 * Integrated loudness and LRA use bounded histograms of 0.01 LU bins (like libebur128's histogram mode,
 * but ten times finer and keeping each bin's summed energy), so memory does not grow over hours and the
 * result differs from the exact block list only by blocks within 0.01 LU of a relative gate.
 *
 * Thread rules: the constructor allocates; process(), reset() and the getters do not, and never throw.
 */
import { checkPositive } from './util.ts';

/** Normalized K-weighting cascade: [b0,b1,b2,a1,a2] of the pre-filter, then of the RLB high-pass. */
export function kWeightingCoefficients(sampleRate: number): Float64Array {
  if (sampleRate === 48000) {
    // BS.1770-5 Tables 1 and 2, as printed.
    return Float64Array.of(
      1.53512485958697, -2.69169618940638, 1.19839281085285, -1.69065929318241, 0.73248077421585,
      1.0, -2.0, 1.0, -1.99004745483398, 0.99007225036621,
    );
  }
  return designKWeighting(sampleRate);
}

/** The K-weighting cascade designed for any rate (at 48 kHz it reproduces the printed tables to 1e-8). */
export function designKWeighting(sampleRate: number): Float64Array {
  // Other rates: the analog prototypes the 48 kHz tables were derived from (as in libebur128), re-applied
  // through the bilinear transform so the response matches the 48 kHz one.
  let f0 = 1681.974450955533;
  const gDb = 3.999843853973347;
  let q = 0.7071752369554196;
  let k = Math.tan((Math.PI * f0) / sampleRate);
  const vh = Math.pow(10, gDb / 20);
  const vb = Math.pow(vh, 0.4996667741545416);
  let a0 = 1 + k / q + k * k;
  const pre = [(vh + (vb * k) / q + k * k) / a0, (2 * (k * k - vh)) / a0, (vh - (vb * k) / q + k * k) / a0, (2 * (k * k - 1)) / a0, (1 - k / q + k * k) / a0];
  f0 = 38.13547087602444;
  q = 0.5003270373238773;
  k = Math.tan((Math.PI * f0) / sampleRate);
  a0 = 1 + k / q + k * k;
  return Float64Array.of(...pre, 1, -2, 1, (2 * (k * k - 1)) / a0, (1 - k / q + k * k) / a0);
}

/** BS.1770 channel weights G_i: 5-channel is L,R,C,Ls,Rs; 6-channel is L,R,C,LFE,Ls,Rs (LFE excluded). */
export function defaultChannelWeights(channels: number): number[] {
  if (channels === 5) return [1, 1, 1, 1.41, 1.41];
  if (channels === 6) return [1, 1, 1, 0, 1.41, 1.41];
  return new Array<number>(channels).fill(1);
}

const HOPS_PER_SECOND = 1000;
const M_HOPS = 400;
const S_HOPS = 3000;
const BLOCK_STEP_HOPS = 100;
const ABS_GATE = -70;
const BIN_LU = 0.01;
const HIST_TOP = 20;
const BINS = Math.round((HIST_TOP - ABS_GATE) / BIN_LU);

// Slots of LoudnessMeter.v.
const HOP_ACC = 0;
const SUM_M = 1;
const SUM_S = 2;
const MAX_M = 3;
const MAX_S = 4;
const HOPS = 5;
const SAMPLES = 6;
const NEXT_EDGE = 7;

/**
 * −Infinity, for code that may run in the interpreter: there `-Infinity` negates a fresh number each
 * time (a 16-byte allocation), while a constant is only read.
 */
const SILENT_LUFS = -Infinity;

const toLufs = (meanSquare: number): number => (meanSquare > 0 ? -0.691 + 10 * Math.log10(meanSquare) : -Infinity);

/** Histogram of gated-block (or short-term) loudness above the absolute gate, with summed energies. */
class LoudnessHistogram {
  /** Filled by LoudnessMeter's hop (inline there, see endHop). */
  readonly count = new Float64Array(BINS);
  readonly energy = new Float64Array(BINS);
  /** [count, energy] of every value above the absolute gate. */
  readonly totals = new Float64Array(2);
  /**
   * Nothing above the absolute gate since reset. A flag rather than `totals[0] === 0`: the walks below
   * stay in the interpreter while a silent programme gives them nothing to loop over, and there every
   * double read from a typed array is boxed.
   */
  empty = true;

  reset(): void {
    this.count.fill(0);
    this.energy.fill(0);
    this.totals.fill(0);
    this.empty = true;
  }

  /** BS.1770 gated loudness (power mean of the blocks above the relative gate) into out[at] (out[at + 1] is scratch). */
  writeGatedLoudness(gapLu: number, out: Float64Array, at: number): void {
    out[at] = SILENT_LUFS;
    if (this.empty) return;
    // The relative gate is worked out here and in writeRange() rather than in a shared helper: these
    // walks run ~10 times a second, and only their 9000-bin loops make them hot enough to be optimized;
    // a small helper would stay in the interpreter, which boxes every double it computes (~170 bytes
    // a call). Sums are kept in `out` itself, not in locals, for the same reason (until optimized).
    const ms = this.totals[1]! / this.totals[0]!;
    const thr = (ms > 0 ? -0.691 + 10 * Math.log10(ms) : -Infinity) - gapLu;
    const gate = Math.ceil((thr - ABS_GATE) / BIN_LU - 0.5);
    out[at] = 0;
    out[at + 1] = 0;
    for (let b = gate < 0 ? 0 : gate; b < BINS; b++) {
      out[at]! += this.energy[b]!;
      out[at + 1]! += this.count[b]!;
    }
    out[at] = out[at + 1]! > 0 && out[at]! > 0 ? -0.691 + 10 * Math.log10(out[at]! / out[at + 1]!) : -Infinity;
    out[at + 1] = 0;
  }

  /** Tech 3342 LRA (P95 − P10 of the values above the relative gate, MATLAB reference's rounding) into out[at]. */
  writeRange(gapLu: number, out: Float64Array, at: number): void {
    out[at] = 0;
    if (this.empty) return;
    // First bin whose centre lies above (power mean of everything − gapLu); see writeGatedLoudness().
    const ms = this.totals[1]! / this.totals[0]!;
    const thr = (ms > 0 ? -0.691 + 10 * Math.log10(ms) : -Infinity) - gapLu;
    const gate = Math.ceil((thr - ABS_GATE) / BIN_LU - 0.5);
    const start = gate < 0 ? 0 : gate;
    let n = 0;
    for (let b = start; b < BINS; b++) n += this.count[b]!;
    if (n === 0) return;
    const hi = this.percentileBin(start, Math.round((n - 1) * 0.95));
    const lo = this.percentileBin(start, Math.round((n - 1) * 0.1));
    out[at] = (hi - lo) * BIN_LU;
  }

  /** Bin holding the index-th value from `start` (BINS when past the top). */
  private percentileBin(start: number, index: number): number {
    let seen = 0;
    for (let b = start; b < BINS; b++) {
      seen += this.count[b]!;
      if (seen > index) return b;
    }
    return BINS;
  }
}

export interface LoudnessMeterOptions {
  /** Channel weights G_i (default: BS.1770 Table 3 for 1, 2, 5 and 6 channels, else 1.0 each). */
  readonly weights?: readonly number[];
}

export class LoudnessMeter {
  readonly sampleRate: number;
  readonly channels: number;
  private readonly weights: Float64Array;
  private readonly coef: Float64Array;
  /** Per channel: z1, z2 of the pre-filter, then z1, z2 of the RLB high-pass. */
  private readonly state: Float64Array;
  private readonly hops = new Float64Array(S_HOPS);
  private hopPos = 0;
  /**
   * Running values in a typed array (indices below): V8 may box a double object field on every store,
   * which would allocate on the audio path. Counters live here too since they outgrow small integers.
   */
  private readonly v = new Float64Array(8);
  private readonly windowM: number;
  private readonly windowS: number;
  private readonly blocks = new LoudnessHistogram();
  private readonly shortTerms = new LoudnessHistogram();
  /** Scratch for the histogram walks (two slots). */
  private readonly gated = new Float64Array(2);

  constructor(sampleRate: number, channels: number, opts: LoudnessMeterOptions = {}) {
    checkPositive('sampleRate', sampleRate);
    checkPositive('channels', channels);
    if (sampleRate < 8000) throw new RangeError(`"sampleRate" must be at least 8000 Hz, got ${sampleRate}`);
    this.sampleRate = sampleRate;
    this.channels = channels;
    const w = opts.weights ?? defaultChannelWeights(channels);
    if (w.length !== channels) throw new RangeError(`"weights" needs ${channels} entries, got ${w.length}`);
    this.weights = Float64Array.from(w);
    this.coef = kWeightingCoefficients(sampleRate);
    this.state = new Float64Array(channels * 4);
    this.windowM = (M_HOPS * sampleRate) / HOPS_PER_SECOND;
    this.windowS = (S_HOPS * sampleRate) / HOPS_PER_SECOND;
    this.v[NEXT_EDGE] = Math.round(sampleRate / HOPS_PER_SECOND);
  }

  reset(): void {
    this.state.fill(0);
    this.hops.fill(0);
    this.hopPos = 0;
    this.v.fill(0);
    this.v[NEXT_EDGE] = Math.round(this.sampleRate / HOPS_PER_SECOND);
    this.blocks.reset();
    this.shortTerms.reset();
  }

  /** Clears the max-momentary and max-short-term holds only (integration continues). */
  resetMax(): void {
    this.v[MAX_M] = this.v[MAX_S] = 0;
  }

  /** Momentary loudness of the last 400 ms (LUFS; silence before the first sample counts as silence). */
  get momentaryLufs(): number {
    return toLufs(this.v[SUM_M]! / this.windowM);
  }

  get shortTermLufs(): number {
    return toLufs(this.v[SUM_S]! / this.windowS);
  }

  get maxMomentaryLufs(): number {
    return toLufs(this.v[MAX_M]! / this.windowM);
  }

  get maxShortTermLufs(): number {
    return toLufs(this.v[MAX_S]! / this.windowS);
  }

  /** Gated integrated loudness since reset (−Infinity until a 400 ms block passes the −70 LUFS gate). */
  get integratedLufs(): number {
    this.blocks.writeGatedLoudness(10, this.gated, 0);
    return this.gated[0]!;
  }

  /** Loudness range (LU, EBU Tech 3342) of the short-term values since reset. */
  get loudnessRange(): number {
    this.shortTerms.writeRange(20, this.gated, 0);
    return this.gated[0]!;
  }

  /**
   * Writes momentary and short-term loudness (LUFS) to out[at], out[at + 1]: for per-block readers on
   * the audio thread (a double returned from a getter that is not inlined is boxed on the heap).
   */
  writeLevels(out: Float64Array, at: number): void {
    const v = this.v;
    const m = v[SUM_M]! / this.windowM;
    const s = v[SUM_S]! / this.windowS;
    out[at] = m > 0 ? -0.691 + 10 * Math.log10(m) : -Infinity;
    out[at + 1] = s > 0 ? -0.691 + 10 * Math.log10(s) : -Infinity;
  }

  /** Writes integrated loudness and LRA to out[at], out[at + 1] (walks the histograms: ~10 Hz is plenty). */
  writeGated(out: Float64Array, at: number): void {
    // Straight into `out`: copying a double in code this cold would box it.
    this.blocks.writeGatedLoudness(10, out, at);
    this.shortTerms.writeRange(20, out, at + 1);
  }

  /** Seconds of audio measured since reset. */
  get seconds(): number {
    return this.v[SAMPLES]! / this.sampleRate;
  }

  /** Writes `seconds` to out[at], for per-block readers (see writeLevels). */
  writeSeconds(out: Float64Array, at: number): void {
    out[at] = this.v[SAMPLES]! / this.sampleRate;
  }

  /** Measures `frames` frames of `chans` (one array per channel) starting at `offset`. */
  process(chans: ReadonlyArray<Float32Array>, frames: number, offset = 0): void {
    const v = this.v;
    let done = 0;
    while (done < frames) {
      const n = Math.min(frames - done, v[NEXT_EDGE]! - v[SAMPLES]!);
      this.filterChunk(chans, offset + done, n);
      done += n;
      v[SAMPLES]! += n;
      if (v[SAMPLES] === v[NEXT_EDGE]) this.endHop();
    }
  }

  /** K-weights `n` frames and adds their weighted energy to the current hop. */
  private filterChunk(chans: ReadonlyArray<Float32Array>, from: number, n: number): void {
    const c = this.coef;
    const b0 = c[0]!, b1 = c[1]!, b2 = c[2]!, a1 = c[3]!, a2 = c[4]!;
    const r1 = c[8]!, r2 = c[9]!;
    const st = this.state;
    let total = 0;
    for (let ch = 0; ch < this.channels; ch++) {
      const g = this.weights[ch]!;
      const buf = chans[ch];
      if (g === 0 || buf === undefined) continue;
      const s = ch * 4;
      let z1 = st[s]!, z2 = st[s + 1]!, w1 = st[s + 2]!, w2 = st[s + 3]!;
      let acc = 0;
      const end = from + n;
      for (let i = from; i < end; i++) {
        const x = buf[i]!;
        const y = b0 * x + z1;
        z1 = b1 * x - a1 * y + z2;
        z2 = b2 * x - a2 * y;
        const k = y + w1;
        w1 = -2 * y - r1 * k + w2;
        w2 = y - r2 * k;
        acc += k * k;
      }
      // Flush decaying state before it turns subnormal (slow on x86) or a NaN sticks forever.
      if (!(Math.abs(z1) > 1e-30) || !Number.isFinite(z1)) z1 = 0;
      if (!(Math.abs(z2) > 1e-30) || !Number.isFinite(z2)) z2 = 0;
      if (!(Math.abs(w1) > 1e-30) || !Number.isFinite(w1)) w1 = 0;
      if (!(Math.abs(w2) > 1e-30) || !Number.isFinite(w2)) w2 = 0;
      st[s] = z1;
      st[s + 1] = z2;
      st[s + 2] = w1;
      st[s + 3] = w2;
      if (Number.isFinite(acc)) total += g * acc;
    }
    this.v[HOP_ACC]! += total;
  }

  private endHop(): void {
    const hops = this.hops;
    const v = this.v;
    const p = v[HOP_ACC]!;
    v[HOP_ACC] = 0;
    const pos = this.hopPos;
    v[SUM_S]! += p - hops[pos]!;
    v[SUM_M]! += p - hops[(pos + S_HOPS - M_HOPS) % S_HOPS]!;
    hops[pos] = p;
    this.hopPos = pos + 1 === S_HOPS ? 0 : pos + 1;
    if (this.hopPos === 0) this.resum();
    if (v[SUM_M]! < 0) v[SUM_M] = 0;
    if (v[SUM_S]! < 0) v[SUM_S] = 0;
    const done = ++v[HOPS]!;
    v[NEXT_EDGE] = Math.round(((done + 1) * this.sampleRate) / HOPS_PER_SECOND);
    if (v[SUM_M]! > v[MAX_M]!) v[MAX_M] = v[SUM_M]!;
    if (v[SUM_S]! > v[MAX_S]!) v[MAX_S] = v[SUM_S]!;
    if (done % BLOCK_STEP_HOPS === 0) {
      // Written out here rather than as a call: V8 does not inline a call made 10 times a second, and
      // the callee then runs unoptimized, where every double it reads is boxed on the heap.
      for (let h = 0; h < 2; h++) {
        if (done < (h === 0 ? M_HOPS : S_HOPS)) continue;
        const meanSquare = h === 0 ? v[SUM_M]! / this.windowM : v[SUM_S]! / this.windowS;
        if (!(meanSquare > 0)) continue;
        const l = -0.691 + 10 * Math.log10(meanSquare);
        if (!(l > ABS_GATE)) continue;
        let b = Math.floor((l - ABS_GATE) / BIN_LU);
        if (b >= BINS) b = BINS - 1;
        const hist = h === 0 ? this.blocks : this.shortTerms;
        hist.count[b]! += 1;
        hist.energy[b]! += meanSquare;
        hist.totals[0]! += 1;
        hist.totals[1]! += meanSquare;
        hist.empty = false;
      }
    }
  }

  /** Exact re-summation once per ring turn, so running-sum rounding cannot drift over hours. */
  private resum(): void {
    const hops = this.hops;
    let s = 0;
    let m = 0;
    for (let i = 0; i < S_HOPS; i++) {
      s += hops[i]!;
      if (i >= S_HOPS - M_HOPS) m += hops[i]!;
    }
    this.v[SUM_S] = s;
    this.v[SUM_M] = m;
  }
}

/** One-shot measurement of a whole programme (channels as arrays): what `faderd loudness` reports. */
export function measureLoudness(
  chans: ReadonlyArray<Float32Array>,
  sampleRate: number,
  opts: LoudnessMeterOptions = {},
): { integratedLufs: number; lra: number; maxMomentaryLufs: number; maxShortTermLufs: number; seconds: number } {
  const meter = new LoudnessMeter(sampleRate, chans.length, opts);
  meter.process(chans, chans[0]?.length ?? 0);
  return {
    integratedLufs: meter.integratedLufs,
    lra: meter.loudnessRange,
    maxMomentaryLufs: meter.maxMomentaryLufs,
    maxShortTermLufs: meter.maxShortTermLufs,
    seconds: meter.seconds,
  };
}
