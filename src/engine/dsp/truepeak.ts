/**
 * True peak close to an ideal reconstruction, cheaply: the meter the master, the delivery report and
 * `faderd loudness` read, and the limiter's detector (one interpolator, so the limiter holds its ceiling
 * by the measure the reports use).
 *
 * The reconstruction is a Kaiser-windowed sinc (β TP_BETA, ±TP_HALF input samples, cut off at the
 * input's Nyquist) tabulated at TP_FACTOR (16) points per sample. Phase 0 is the input sample exactly
 * (the sinc's zeros), so true peak is never below sample peak. Evaluating all 16 points of every sample
 * costs ~20× the old 4× Annex 2 meter; instead each sample interval [n, n+1) is searched in stages, and
 * a stage runs only where the peak could still be above a floor (the meter's running maximum, or the
 * limiter's threshold):
 *
 *   1. the half-sample point (one symmetric kernel, folded: TP_HALF multiplies). A signal band-limited
 *      to fs/2 sampled twice per sample has a grid point within 1/4 sample of its peak, and there it is
 *      at least cos(π/4) of the peak (Bernstein); if the interval's 2× points are under STAGE2 · floor,
 *      its peak is under the floor and the search stops;
 *   2. the quarter points: on a 4× grid the nearest point is within 1/8 sample, ≥ cos(π/8) of the peak;
 *      under STAGE3 · floor, stop;
 *   3. the two 16× points between the best quarter point and its larger neighbour, and a parabola
 *      through the three best 16× points for the crest between them.
 *
 * Before any of this, a span of SPAN intervals whose samples cannot make any point above the floor
 * (|x|max · MAX_L1) takes its sample peaks alone (scan()).
 *
 * STAGE2 and STAGE3 sit under the bounds (0.707, 0.924) because the windowed kernel passes a little
 * above fs/2. Measured against an ideal (DFT) reconstruction in test/engine/dsp/truepeak.test.ts: within
 * 0.1 dB on the Tech 3341 true-peak cases, an impulse, square waves and clipped 44.1 kHz material.
 * The cost is in scripts/bench/truepeak.ts.
 *
 * scan() is the reference: where the dsp-kernels addon is built, meters and detectors run its copy
 * (src/engine/native/truepeak-kernel.ts), the same doubles bit for bit, several times faster;
 * FADERD_KERNELS=ts keeps them on this one.
 *
 * Thread rules: constructors allocate; process(), peaks(), reset() and the getters do not and never throw.
 */
import { nativeTruePeakScan, type TruePeakScan } from '../native/truepeak-kernel.ts';
import { kaiser, sinc } from './sinc.ts';
import { checkPositive } from './util.ts';

/** Points per sample of the tabulated reconstruction. */
export const TP_FACTOR = 16;
/** Input samples each side of an interpolated point; also the meter's and detector's delay. */
export const TP_HALF = 64;
const TAPS = 2 * TP_HALF;
const TP_BETA = 2.5;
const STAGE2 = 0.6;
const STAGE3 = 0.9;
const CHUNK = 1024;
const Q = TP_FACTOR / 4;
/** History kept before the newest chunk: every tap of an interval and its neighbours' reach. */
const HIST = TAPS + 1;
/** Samples between the newest input and the interval searched: the reconstruction's look-ahead. */
export const TP_LAG = TP_HALF + 1;

/**
 * COEF[p · TAPS + k] multiplies x[j − TP_HALF + 1 + k] for the point p/TP_FACTOR of a sample after x[j].
 * HALF_COEF is the half-sample phase folded: HALF_COEF[k] multiplies x[j − TP_HALF + 1 + k] + x[j + TP_HALF − k].
 */
const COEF = new Float64Array(TP_FACTOR * TAPS);
const HALF_COEF = new Float64Array(TP_HALF);
for (let p = 0; p < TP_FACTOR; p++) {
  let dc = 0;
  for (let k = 0; k < TAPS; k++) {
    const d = TP_HALF - 1 - k + p / TP_FACTOR;
    const v = p === 0 ? (d === 0 ? 1 : 0) : sinc(d) * kaiser(d / (TP_HALF + 1), TP_BETA);
    COEF[p * TAPS + k] = v;
    dc += v;
  }
  // Unity gain at DC for every phase: a held level reads as itself.
  for (let k = 0; k < TAPS; k++) COEF[p * TAPS + k]! /= dc;
}
for (let k = 0; k < TP_HALF; k++) HALF_COEF[k] = COEF[(TP_FACTOR / 2) * TAPS + k]!;
/** Largest |reconstruction| any point can have for samples bounded by 1 (Σ|h| of the worst phase). */
let l1 = 1;
for (let p = 1; p < TP_FACTOR; p++) {
  let sum = 0;
  for (let k = 0; k < TAPS; k++) sum += Math.abs(COEF[p * TAPS + k]!);
  l1 = Math.max(l1, sum);
}
const MAX_L1 = l1;
/** Intervals judged together by scan()'s skip test. */
const SPAN = 32;

/**
 * point() returns through R: a double returned from a call the compiler does not inline is
 * boxed on the heap, and these run per sample in the audio thread.
 */
const R = new Float64Array(1);

/** |reconstruction| at p/TP_FACTOR after w[j], p from −TP_FACTOR to 2·TP_FACTOR . */
function point(w: Float64Array, j: number, p: number): void {
  if (p < 0) { p += TP_FACTOR; j--; } else if (p >= TP_FACTOR) { p -= TP_FACTOR; j++; }
  const o = p * TAPS;
  const a = j - TP_HALF + 1;
  let y = 0;
  for (let k = 0; k < TAPS; k++) y += COEF[o + k]! * w[a + k]!;
  R[0] = y < 0 ? -y : y;
}

/** intervalPeak()'s in/out slots: doubles crossing a call that is not inlined would be boxed on the heap. */
export const IO_FLOOR = 0;
export const IO_PEAK = 1;

/**
 * Largest |reconstruction| over [j, j + 1) of the samples in `w`, into io[IO_PEAK]: exact (to the 16×
 * grid and a parabola) wherever it exceeds io[IO_FLOOR]; where it cannot, a lower bound of it (never
 * below |w[j]|). Needs w[j − TP_HALF .. j + TP_HALF + 1] (the search may cross into a neighbouring interval).
 */
export function intervalPeak(w: Float64Array, j: number, io: Float64Array): void {
  const floor = io[IO_FLOOR]!;
  const v0 = w[j]!;
  const x0 = v0 < 0 ? -v0 : v0;
  const v4 = w[j + 1]!;
  const x4 = v4 < 0 ? -v4 : v4;
  const a = j - TP_HALF + 1;
  const b = j + TP_HALF;
  let y = 0;
  for (let k = 0; k < TP_HALF; k++) y += HALF_COEF[k]! * (w[a + k]! + w[b - k]!);
  const x2 = y < 0 ? -y : y;
  let best = x0 > x2 ? x0 : x2;
  // NaN falls through every comparison to here: it reads as the sample peak.
  io[IO_PEAK] = best;
  if (!((best > x4 ? best : x4) >= STAGE2 * floor)) return;
  point(w, j, Q);
  const x1 = R[0]!;
  point(w, j, 3 * Q);
  const x3 = R[0]!;
  // The 4× grid: 0 … 4 quarters, the 4th being the next sample.
  let m = 0;
  let g = x0;
  if (x1 > g) { g = x1; m = 1; }
  if (x2 > g) { g = x2; m = 2; }
  if (x3 > g) { g = x3; m = 3; }
  if (x4 > g) { g = x4; m = 4; }
  if (x1 > best) best = x1;
  if (x3 > best) best = x3;
  io[IO_PEAK] = best;
  if (!(g >= STAGE3 * floor)) return;
  // Search toward the larger quarter-point neighbour (inward at the interval's ends).
  const left = m === 0 ? -1 : m === 1 ? x0 : m === 2 ? x1 : m === 3 ? x2 : x3;
  const right = m === 0 ? x1 : m === 1 ? x2 : m === 2 ? x3 : m === 3 ? x4 : -1;
  const s = right > left ? 1 : -1;
  const p0 = m * Q;
  point(w, j, p0 + s);
  const c1 = R[0]!;
  // Three equally spaced 16× points around the crest, the middle one the largest.
  let u: number, v: number, z: number;
  if (c1 >= g) {
    point(w, j, p0 + 2 * s);
    const c2 = R[0]!;
    if (c2 > c1) {
      // Crest past the midpoint of the quarters (a lone peak can sit anywhere): one more point.
      point(w, j, p0 + 3 * s);
      u = c1; v = c2; z = R[0]!;
    } else {
      u = g; v = c1; z = c2;
    }
  } else {
    // The crest lies within 1/32 sample of the quarter point: the 16× point on its other side.
    point(w, j, p0 - s);
    u = c1; v = g; z = R[0]!;
  }
  // The parabola's vertex (written out here: a double passed to a call would be boxed).
  const den = u - 2 * v + z;
  const top = u > v || z > v ? (u > z ? u : z) : den < 0 ? v - ((u - z) * (u - z)) / (8 * den) : v;
  io[IO_PEAK] = top > best ? top : best;
}

/**
 * Interval peaks (intervalPeak) of the n intervals TP_LAG samples before w[h .. h + n), into
 * out[at .. at + n), exact above io[IO_FLOOR]. A span of SPAN intervals whose samples in reach cannot
 * make any point above the floor (|x|max · MAX_L1 under it: quiet passages, and the stretches between
 * a programme's loud peaks once the meter has seen one) gets its sample peaks without a multiply.
 */
function scan(w: Float64Array, h: number, n: number, io: Float64Array, out: Float64Array, at: number): void {
  const floor = io[IO_FLOOR]!;
  for (let s0 = 0; s0 < n; s0 += SPAN) {
    const s1 = s0 + SPAN < n ? s0 + SPAN : n;
    let m = 0;
    const k1 = h + s1 - TP_LAG + TP_HALF;
    for (let k = h + s0 - TP_LAG - TP_HALF; k < k1; k++) {
      const v = w[k]!;
      const a = v < 0 ? -v : v;
      if (a > m) m = a;
    }
    if (m * MAX_L1 < floor) {
      for (let i = s0; i < s1; i++) {
        const v = w[h + i - TP_LAG]!;
        out[at + i] = v < 0 ? -v : v;
      }
      continue;
    }
    for (let i = s0; i < s1; i++) {
      intervalPeak(w, h + i - TP_LAG, io);
      out[at + i] = io[IO_PEAK]!;
    }
  }
}

const TABLES = [COEF, HALF_COEF, Float64Array.of(TP_FACTOR, TP_HALF, SPAN, TP_LAG, MAX_L1, STAGE2, STAGE3)] as const;
/** The addon's scan with this file's tables, when it is in use (no addon, or FADERD_KERNELS=ts: undefined). */
const NATIVE_SCAN = nativeTruePeakScan(...TABLES);
/** Its baseline (SSE2) build, bound when first asked for. */
let baselineScan: TruePeakScan | undefined;
/** The scan meters and detectors take when constructed. */
let chosen: TruePeakScan = NATIVE_SCAN ?? scan;

/** The addon's scan ('native': AVX2 where the CPU has it; 'native-baseline': SSE2), or this file's reference ('ts'). */
export type TruePeakKernel = 'native' | 'native-baseline' | 'ts';

/** A kernel's scan itself (tests and the bench call it directly); undefined for the native ones without the addon. */
export function truePeakScan(kernel: TruePeakKernel): TruePeakScan | undefined {
  if (kernel === 'ts') return scan;
  if (kernel === 'native' || NATIVE_SCAN === undefined) return NATIVE_SCAN;
  return (baselineScan ??= nativeTruePeakScan(...TABLES, 'baseline'));
}

/** Which scan new meters and detectors run. */
export function truePeakKernel(): TruePeakKernel {
  return chosen === scan ? 'ts' : chosen === NATIVE_SCAN ? 'native' : 'native-baseline';
}

/**
 * Picks the scan for meters and detectors constructed from now on (the tests run them side by side).
 * The native ones throw when the addon is not in use.
 */
export function useTruePeakKernel(kernel: TruePeakKernel): void {
  const s = truePeakScan(kernel);
  if (s === undefined) throw new Error(`the ${kernel} true-peak kernel is not in use (see nativeTruePeakMissing())`);
  chosen = s;
}

export const toDbtp = (linear: number): number => (linear > 0 ? 20 * Math.log10(linear) : -Infinity);

/**
 * Per-sample peaks for a detector (the limiter): peaks() writes, per input sample, the interval peak
 * TP_HALF samples earlier (the reconstruction's look-ahead), exact wherever it exceeds setFloor()'s level.
 */
export class TruePeakDetector {
  /** HIST history samples followed by up to CHUNK new ones. */
  private readonly work = new Float64Array(HIST + CHUNK);
  private readonly io = new Float64Array(2);
  private readonly search = chosen;
  readonly latency = TP_LAG;

  reset(): void {
    this.work.fill(0);
  }

  /** Level under which a peak need not be found exactly (kept in a typed array: a double field may be boxed). */
  setFloor(floor: number): void {
    this.io[IO_FLOOR] = floor;
  }

  /** out holds at least `frames` values (frames past out's end are not searched). */
  peaks(input: Float32Array, frames: number, out: Float64Array): void {
    const io = this.io;
    const w = this.work;
    const h = HIST;
    const total = frames < out.length ? frames : out.length;
    for (let done = 0; done < total; done += CHUNK) {
      const n = Math.min(CHUNK, total - done);
      for (let i = 0; i < n; i++) w[h + i] = input[done + i]!;
      this.search(w, h, n, io, out, done);
      w.copyWithin(0, n, n + h);
    }
  }
}

export class TruePeakMeter {
  readonly channels: number;
  readonly oversampling = TP_FACTOR;
  private readonly peaks: Float64Array;
  private readonly work: Float64Array[];
  private readonly io = new Float64Array(2);
  /** scan()'s output for one chunk. */
  private readonly found = new Float64Array(CHUNK);
  private readonly zeros = new Float32Array(TP_LAG);
  private readonly search = chosen;

  constructor(sampleRate: number, channels: number) {
    checkPositive('sampleRate', sampleRate);
    checkPositive('channels', channels);
    this.channels = channels;
    this.peaks = new Float64Array(channels);
    this.work = Array.from({ length: channels }, () => new Float64Array(HIST + CHUNK));
  }

  reset(): void {
    this.peaks.fill(0);
    for (const w of this.work) w.fill(0);
  }

  /** Highest true peak of all channels since reset, linear (1.0 = 0 dBTP). */
  get truePeak(): number {
    let m = 0;
    for (let c = 0; c < this.channels; c++) if (this.peaks[c]! > m) m = this.peaks[c]!;
    return m;
  }

  get truePeakDbtp(): number {
    return toDbtp(this.truePeak);
  }

  /** Writes the true peak (dBTP) to out[at], without boxing a double (see LoudnessMeter.writeLevels). */
  writeDbtp(out: Float64Array, at: number): void {
    let m = 0;
    for (let c = 0; c < this.channels; c++) if (this.peaks[c]! > m) m = this.peaks[c]!;
    out[at] = m > 0 ? 20 * Math.log10(m) : -Infinity;
  }

  channelPeakDbtp(channel: number): number {
    return toDbtp(this.peaks[channel] ?? 0);
  }

  process(chans: ReadonlyArray<Float32Array>, frames: number, offset = 0): void {
    for (let done = 0; done < frames; done += CHUNK) {
      const n = Math.min(CHUNK, frames - done);
      for (let c = 0; c < this.channels; c++) {
        const buf = chans[c];
        if (buf !== undefined) this.chunk(c, buf, offset + done, n);
      }
    }
  }

  /**
   * At the end of a programme: counts the points after its last samples, as a reconstruction with
   * silence after the programme has them (a file ending at full scale rings past its last sample).
   * The meter then reads as if TP_LAG zeros had been processed.
   */
  finish(): void {
    for (let c = 0; c < this.channels; c++) this.chunk(c, this.zeros, 0, TP_LAG);
  }

  /**
   * Sample peaks count at once; the points between samples TP_LAG samples later (the
   * reconstruction's look-ahead); finish() counts the last ones.
   */
  private chunk(c: number, buf: Float32Array, from: number, n: number): void {
    const w = this.work[c]!;
    const h = HIST;
    let peak = this.peaks[c]!;
    for (let i = 0; i < n; i++) {
      const v = buf[from + i]!;
      w[h + i] = v;
      const a = v < 0 ? -v : v;
      if (a > peak) peak = a;
    }
    const io = this.io;
    const found = this.found;
    io[IO_FLOOR] = peak;
    this.search(w, h, n, io, found, 0);
    for (let i = 0; i < n; i++) if (found[i]! > peak) peak = found[i]!;
    // A NaN or infinite sample must not freeze the meter (x − x is 0 only for finite x; no call, so no boxed double).
    if (peak - peak === 0) this.peaks[c] = peak;
    w.copyWithin(0, n, n + h);
  }
}

/** True peak (dBTP) of a whole programme (zero outside it, as an ideal reconstruction takes it). */
export function measureTruePeak(chans: ReadonlyArray<Float32Array>, sampleRate: number): number {
  const m = new TruePeakMeter(sampleRate, chans.length);
  m.process(chans, chans[0]?.length ?? 0);
  m.finish();
  return m.truePeakDbtp;
}
