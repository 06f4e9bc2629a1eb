/**
 * Second-order sections from the RBJ Audio EQ Cookbook, run in direct form I with state in 64-bit
 * numbers. Coefficients change only in configure() (and bypass()); by default they switch at once, and
 * with `glide` they move to the new design per sample over GLIDE_MS (glide.ts), which is what a
 * running signal needs: a switch at the block boundary clicks (a 15 dB cut at the band centre of a
 * 1 kHz tone left a click 8.6 dB below the tone).
 *
 * Every type, shelves included, takes the Q form: `alpha = sin(w0) / (2Q)`. For shelves Q = 0.7071 is the
 * cookbook's steepest monotonic slope (S = 1) at any gain; larger Q overshoots, smaller Q is gentler.
 *
 * Thread rules: constructors allocate; configure(), process(), reset() and magnitudeDb() do not, and none
 * of them throws, so the graph may call configure() on the audio thread once per block.
 */
import { CoefGlide, glideFrames } from './glide.ts';
import { FLUSH_BELOW, checkPositive } from './util.ts';

export type BiquadType = 'lowpass' | 'highpass' | 'lowshelf' | 'highshelf' | 'peak' | 'notch' | 'bandpass' | 'allpass';

const B0 = 0;
const B1 = 1;
const B2 = 2;
const A1 = 3;
const A2 = 4;

/** A section's parameters by field (an EQ band is one): read in place, so no double crosses a call. */
export interface BiquadParams {
  freqHz: number;
  q: number;
  gainDb: number;
}

const SCRATCH: BiquadParams = { freqHz: 1000, q: 1, gainDb: 0 };

/** Writes normalized [b0, b1, b2, a1, a2] for the cookbook filter into `out` (a0 divided out). */
export function designBiquad(out: Float64Array, sampleRate: number, type: BiquadType, freqHz: number, q: number, gainDb: number): void {
  SCRATCH.freqHz = freqHz;
  SCRATCH.q = q;
  SCRATCH.gainDb = gainDb;
  designBiquadFrom(out, sampleRate, type, SCRATCH);
}

/**
 * designBiquad from a params object. The audio thread's path: doubles passed to a call V8 does not
 * inline are boxed on the heap, fields read inside it are not.
 */
export function designBiquadFrom(out: Float64Array, sampleRate: number, type: BiquadType, p: BiquadParams): void {
  // Keep the pole pair strictly inside the unit circle whatever a surface sends. The clamps are
  // written out (clampNum's): doubles passed to a call V8 does not inline are boxed.
  const fMax = sampleRate * 0.4999;
  const fIn = p.freqHz, qIn = p.q, gIn = p.gainDb;
  const f = fIn !== fIn ? 1000 : fIn < 1 ? 1 : fIn > fMax ? fMax : fIn;
  const qq = qIn !== qIn ? Math.SQRT1_2 : qIn < 0.01 ? 0.01 : qIn > 100 ? 100 : qIn;
  const g = gIn !== gIn ? 0 : gIn < -60 ? -60 : gIn > 60 ? 60 : gIn;
  const w0 = (2 * Math.PI * f) / sampleRate;
  const cosw = Math.cos(w0);
  const alpha = Math.sin(w0) / (2 * qq);
  const A = Math.pow(10, g / 40);
  let b0: number, b1: number, b2: number, a0: number, a1: number, a2: number;
  switch (type) {
    case 'lowpass':
      b0 = (1 - cosw) / 2; b1 = 1 - cosw; b2 = b0;
      a0 = 1 + alpha; a1 = -2 * cosw; a2 = 1 - alpha;
      break;
    case 'highpass':
      b0 = (1 + cosw) / 2; b1 = -(1 + cosw); b2 = b0;
      a0 = 1 + alpha; a1 = -2 * cosw; a2 = 1 - alpha;
      break;
    case 'bandpass': // constant 0 dB peak gain
      b0 = alpha; b1 = 0; b2 = -alpha;
      a0 = 1 + alpha; a1 = -2 * cosw; a2 = 1 - alpha;
      break;
    case 'notch':
      b0 = 1; b1 = -2 * cosw; b2 = 1;
      a0 = 1 + alpha; a1 = -2 * cosw; a2 = 1 - alpha;
      break;
    case 'allpass':
      b0 = 1 - alpha; b1 = -2 * cosw; b2 = 1 + alpha;
      a0 = 1 + alpha; a1 = -2 * cosw; a2 = 1 - alpha;
      break;
    case 'peak':
      b0 = 1 + alpha * A; b1 = -2 * cosw; b2 = 1 - alpha * A;
      a0 = 1 + alpha / A; a1 = -2 * cosw; a2 = 1 - alpha / A;
      break;
    case 'lowshelf': {
      const s = 2 * Math.sqrt(A) * alpha;
      b0 = A * (A + 1 - (A - 1) * cosw + s);
      b1 = 2 * A * (A - 1 - (A + 1) * cosw);
      b2 = A * (A + 1 - (A - 1) * cosw - s);
      a0 = A + 1 + (A - 1) * cosw + s;
      a1 = -2 * (A - 1 + (A + 1) * cosw);
      a2 = A + 1 + (A - 1) * cosw - s;
      break;
    }
    case 'highshelf': {
      const s = 2 * Math.sqrt(A) * alpha;
      b0 = A * (A + 1 + (A - 1) * cosw + s);
      b1 = -2 * A * (A - 1 + (A + 1) * cosw);
      b2 = A * (A + 1 + (A - 1) * cosw - s);
      a0 = A + 1 - (A - 1) * cosw + s;
      a1 = 2 * (A - 1 - (A + 1) * cosw);
      a2 = A + 1 - (A - 1) * cosw - s;
      break;
    }
    default:
      // An unknown type (only reachable from untyped callers) passes audio unchanged.
      b0 = 1; b1 = 0; b2 = 0; a0 = 1; a1 = 0; a2 = 0;
  }
  out[B0] = b0 / a0;
  out[B1] = b1 / a0;
  out[B2] = b2 / a0;
  out[A1] = a1 / a0;
  out[A2] = a2 / a0;
}

/** |H(e^jw)| in dB of one normalized section at freqHz. */
export function sectionMagnitudeDb(c: Float64Array, sampleRate: number, freqHz: number): number {
  const w = (2 * Math.PI * freqHz) / sampleRate;
  const c1 = Math.cos(w), s1 = Math.sin(w), c2 = Math.cos(2 * w), s2 = Math.sin(2 * w);
  const nr = c[B0]! + c[B1]! * c1 + c[B2]! * c2;
  const ni = c[B1]! * s1 + c[B2]! * s2;
  const dr = 1 + c[A1]! * c1 + c[A2]! * c2;
  const di = c[A1]! * s1 + c[A2]! * s2;
  return 10 * Math.log10((nr * nr + ni * ni) / (dr * dr + di * di));
}

/**
 * Runs one section in place over `buf[i0..i1)` in direct form I; the four state words (x[n−1], x[n−2],
 * y[n−1], y[n−2]) live at `state[at..at+3]`. Direct form I, not transposed II: its recursion's
 * critical path is one multiply and one add per sample (the other terms do not wait on y[n−1]),
 * which measured 1.5x faster; in 64-bit arithmetic its numerics are as good. Its state is plain input
 * and output history, which stays meaningful while the coefficients glide.
 */
function runSection(c: Float64Array, state: Float64Array, at: number, buf: Float32Array, i0: number, i1: number): void {
  const b0 = c[B0]!, b1 = c[B1]!, b2 = c[B2]!, a1 = c[A1]!, a2 = c[A2]!;
  let x1 = state[at]!, x2 = state[at + 1]!, y1 = state[at + 2]!, y2 = state[at + 3]!;
  for (let i = i0; i < i1; i++) {
    const x = buf[i]!;
    const y = b0 * x + b1 * x1 + b2 * x2 - a2 * y2 - a1 * y1;
    x2 = x1;
    x1 = x;
    y2 = y1;
    y1 = y;
    buf[i] = y;
  }
  // A NaN/Inf that got in would otherwise ring forever, and a decayed state would sink into
  // subnormal numbers: both are dropped. Written out, not as a helper: a double returned from a call
  // V8 does not inline is boxed on the heap.
  state[at] = Math.abs(x1) > FLUSH_BELOW && x1 !== Infinity && x1 !== -Infinity ? x1 : 0;
  state[at + 1] = Math.abs(x2) > FLUSH_BELOW && x2 !== Infinity && x2 !== -Infinity ? x2 : 0;
  state[at + 2] = Math.abs(y1) > FLUSH_BELOW && y1 !== Infinity && y1 !== -Infinity ? y1 : 0;
  state[at + 3] = Math.abs(y2) > FLUSH_BELOW && y2 !== Infinity && y2 !== -Infinity ? y2 : 0;
}

/**
 * runSection while the coefficients glide (see glide.ts): sample i uses the coefficients at glide
 * position `g.pos + (i − i0)`. The same arithmetic as runSection once the glide has ended.
 */
function runSectionGlide(g: CoefGlide, state: Float64Array, at: number, buf: Float32Array, i0: number, i1: number): void {
  const c = g.to, d = g.delta;
  const t0 = c[B0]!, t1 = c[B1]!, t2 = c[B2]!, t3 = c[A1]!, t4 = c[A2]!;
  const d0 = d[B0]!, d1 = d[B1]!, d2 = d[B2]!, d3 = d[A1]!, d4 = d[A2]!;
  const len = g.len, inv = g.invLen;
  let p = g.pos;
  let x1 = state[at]!, x2 = state[at + 1]!, y1 = state[at + 2]!, y2 = state[at + 3]!;
  for (let i = i0; i < i1; i++, p++) {
    let r = 0;
    if (p < len) {
      const t = p * inv;
      r = 1 - t * t * t * (10 + t * (-15 + 6 * t));
    }
    const x = buf[i]!;
    const y = (t0 - d0 * r) * x + (t1 - d1 * r) * x1 + (t2 - d2 * r) * x2 - (t4 - d4 * r) * y2 - (t3 - d3 * r) * y1;
    x2 = x1;
    x1 = x;
    y2 = y1;
    y1 = y;
    buf[i] = y;
  }
  state[at] = Math.abs(x1) > FLUSH_BELOW && x1 !== Infinity && x1 !== -Infinity ? x1 : 0;
  state[at + 1] = Math.abs(x2) > FLUSH_BELOW && x2 !== Infinity && x2 !== -Infinity ? x2 : 0;
  state[at + 2] = Math.abs(y1) > FLUSH_BELOW && y1 !== Infinity && y1 !== -Infinity ? y1 : 0;
  state[at + 3] = Math.abs(y2) > FLUSH_BELOW && y2 !== Infinity && y2 !== -Infinity ? y2 : 0;
}

/**
 * Two sections in cascade over `buf[i0..i1)` in one pass (state words of each at `at..at+3`). Each
 * section alone is bound by its own recursion's latency; interleaved, the CPU overlaps the second
 * section's sample with the first's next one: measured ~1.8x faster than two passes.
 */
function runPair(ca: Float64Array, sa: Float64Array, cb: Float64Array, sb: Float64Array, at: number, buf: Float32Array, i0: number, i1: number): void {
  const a0 = ca[B0]!, a1 = ca[B1]!, a2 = ca[B2]!, a3 = ca[A1]!, a4 = ca[A2]!;
  const b0 = cb[B0]!, b1 = cb[B1]!, b2 = cb[B2]!, b3 = cb[A1]!, b4 = cb[A2]!;
  let x1 = sa[at]!, x2 = sa[at + 1]!, u1 = sa[at + 2]!, u2 = sa[at + 3]!;
  let v1 = sb[at]!, v2 = sb[at + 1]!, w1 = sb[at + 2]!, w2 = sb[at + 3]!;
  for (let i = i0; i < i1; i++) {
    const x = buf[i]!;
    const u = a0 * x + a1 * x1 + a2 * x2 - a4 * u2 - a3 * u1;
    x2 = x1;
    x1 = x;
    u2 = u1;
    u1 = u;
    const w = b0 * u + b1 * v1 + b2 * v2 - b4 * w2 - b3 * w1;
    v2 = v1;
    v1 = u;
    w2 = w1;
    w1 = w;
    buf[i] = w;
  }
  // Written out (see runSection): doubles passed to a call V8 does not inline are boxed.
  sa[at] = Math.abs(x1) > FLUSH_BELOW && x1 !== Infinity && x1 !== -Infinity ? x1 : 0;
  sa[at + 1] = Math.abs(x2) > FLUSH_BELOW && x2 !== Infinity && x2 !== -Infinity ? x2 : 0;
  sa[at + 2] = Math.abs(u1) > FLUSH_BELOW && u1 !== Infinity && u1 !== -Infinity ? u1 : 0;
  sa[at + 3] = Math.abs(u2) > FLUSH_BELOW && u2 !== Infinity && u2 !== -Infinity ? u2 : 0;
  sb[at] = Math.abs(v1) > FLUSH_BELOW && v1 !== Infinity && v1 !== -Infinity ? v1 : 0;
  sb[at + 1] = Math.abs(v2) > FLUSH_BELOW && v2 !== Infinity && v2 !== -Infinity ? v2 : 0;
  sb[at + 2] = Math.abs(w1) > FLUSH_BELOW && w1 !== Infinity && w1 !== -Infinity ? w1 : 0;
  sb[at + 3] = Math.abs(w2) > FLUSH_BELOW && w2 !== Infinity && w2 !== -Infinity ? w2 : 0;
}

/** runPair while either section glides (a section whose glide has ended uses its target exactly). */
function runPairGlide(ga: CoefGlide, sa: Float64Array, gb: CoefGlide, sb: Float64Array, at: number, buf: Float32Array, i0: number, i1: number): void {
  const ca = ga.to, da = ga.delta, cb = gb.to, db = gb.delta;
  const a0 = ca[B0]!, a1 = ca[B1]!, a2 = ca[B2]!, a3 = ca[A1]!, a4 = ca[A2]!;
  const e0 = da[B0]!, e1 = da[B1]!, e2 = da[B2]!, e3 = da[A1]!, e4 = da[A2]!;
  const b0 = cb[B0]!, b1 = cb[B1]!, b2 = cb[B2]!, b3 = cb[A1]!, b4 = cb[A2]!;
  const f0 = db[B0]!, f1 = db[B1]!, f2 = db[B2]!, f3 = db[A1]!, f4 = db[A2]!;
  const lenA = ga.len, invA = ga.invLen, lenB = gb.len, invB = gb.invLen;
  let pa = ga.pos, pb = gb.pos;
  let x1 = sa[at]!, x2 = sa[at + 1]!, u1 = sa[at + 2]!, u2 = sa[at + 3]!;
  let v1 = sb[at]!, v2 = sb[at + 1]!, w1 = sb[at + 2]!, w2 = sb[at + 3]!;
  for (let i = i0; i < i1; i++, pa++, pb++) {
    let ra = 0, rb = 0;
    if (pa < lenA) {
      const t = pa * invA;
      ra = 1 - t * t * t * (10 + t * (-15 + 6 * t));
    }
    if (pb < lenB) {
      const t = pb * invB;
      rb = 1 - t * t * t * (10 + t * (-15 + 6 * t));
    }
    const x = buf[i]!;
    const u = (a0 - e0 * ra) * x + (a1 - e1 * ra) * x1 + (a2 - e2 * ra) * x2 - (a4 - e4 * ra) * u2 - (a3 - e3 * ra) * u1;
    x2 = x1;
    x1 = x;
    u2 = u1;
    u1 = u;
    const w = (b0 - f0 * rb) * u + (b1 - f1 * rb) * v1 + (b2 - f2 * rb) * v2 - (b4 - f4 * rb) * w2 - (b3 - f3 * rb) * w1;
    v2 = v1;
    v1 = u;
    w2 = w1;
    w1 = w;
    buf[i] = w;
  }
  // Written out (see runSection): doubles passed to a call V8 does not inline are boxed.
  sa[at] = Math.abs(x1) > FLUSH_BELOW && x1 !== Infinity && x1 !== -Infinity ? x1 : 0;
  sa[at + 1] = Math.abs(x2) > FLUSH_BELOW && x2 !== Infinity && x2 !== -Infinity ? x2 : 0;
  sa[at + 2] = Math.abs(u1) > FLUSH_BELOW && u1 !== Infinity && u1 !== -Infinity ? u1 : 0;
  sa[at + 3] = Math.abs(u2) > FLUSH_BELOW && u2 !== Infinity && u2 !== -Infinity ? u2 : 0;
  sb[at] = Math.abs(v1) > FLUSH_BELOW && v1 !== Infinity && v1 !== -Infinity ? v1 : 0;
  sb[at + 1] = Math.abs(v2) > FLUSH_BELOW && v2 !== Infinity && v2 !== -Infinity ? v2 : 0;
  sb[at + 2] = Math.abs(w1) > FLUSH_BELOW && w1 !== Infinity && w1 !== -Infinity ? w1 : 0;
  sb[at + 3] = Math.abs(w2) > FLUSH_BELOW && w2 !== Infinity && w2 !== -Infinity ? w2 : 0;
}


/**
 * Where sections may keep their coefficients and state: slices of one pooled array, so a batch kernel
 * (src/engine/native/biquad-batch.ts) reaches many sections through one array. Without one, each
 * section allocates its own.
 */
export interface Float64Store {
  doubles(n: number): Float64Array;
}

/** [b0, b1, b2, a1, a2] of a wire. */
const IDENTITY = Float64Array.of(1, 0, 0, 0, 0);

/**
 * Coefficients (gliding or not) and per-channel state of one section; Biquad and BiquadBank are thin
 * views of it.
 */
class Section {
  readonly sampleRate: number;
  readonly channels: number;
  readonly g: CoefGlide;
  readonly state: Float64Array;
  private readonly next = new Float64Array(5);

  constructor(sampleRate: number, channels: number, store?: Float64Store) {
    checkPositive('sampleRate', sampleRate);
    checkPositive('channels', channels);
    this.sampleRate = sampleRate;
    this.channels = channels;
    this.g = new CoefGlide(5, glideFrames(sampleRate), store?.doubles(10));
    this.g.to[B0] = 1;
    this.state = store ? store.doubles(4 * channels) : new Float64Array(4 * channels);
  }

  configure(type: BiquadType, freqHz: number, q: number, gainDb: number, glide: boolean): void {
    designBiquad(this.next, this.sampleRate, type, freqHz, q, gainDb);
    this.aim(this.next, glide);
  }

  configureFrom(type: BiquadType, p: BiquadParams, glide: boolean): void {
    designBiquadFrom(this.next, this.sampleRate, type, p);
    this.aim(this.next, glide);
  }

  /** A wire (passes audio unchanged); once a glide there ends, the section is idle. */
  bypass(glide: boolean): void {
    this.aim(IDENTITY, glide);
  }

  private aim(next: Float64Array, glide: boolean): void {
    // Leaving idle: the history is stale (the section was skipped). At the glide's first sample the
    // coefficients are the wire's, so the history is not used; clear it all the same.
    if (this.idle) this.state.fill(0);
    this.g.aim(next, glide);
  }

  /** A wire and not gliding: process() would change nothing, callers may skip it. */
  get idle(): boolean {
    const t = this.g.to;
    return !this.g.gliding && t[B0] === 1 && t[B1] === 0 && t[B2] === 0 && t[A1] === 0 && t[A2] === 0;
  }

  run(ch: number, buf: Float32Array, frames: number): void {
    const gl = this.g.framesLeft(frames);
    if (gl > 0) runSectionGlide(this.g, this.state, 4 * ch, buf, 0, gl);
    if (gl < frames) runSection(this.g.to, this.state, 4 * ch, buf, gl, frames);
  }

  /** This section then `b` over one channel, fused (see runPair). */
  runWith(b: Section, ch: number, buf: Float32Array, frames: number): void {
    const la = this.g.framesLeft(frames), lb = b.g.framesLeft(frames);
    const gl = la > lb ? la : lb;
    if (gl > 0) runPairGlide(this.g, this.state, b.g, b.state, 4 * ch, buf, 0, gl);
    if (gl < frames) runPair(this.g.to, this.state, b.g.to, b.state, 4 * ch, buf, gl, frames);
  }
}

/** One mono section. */
export class Biquad {
  private readonly s: Section;

  constructor(sampleRate: number) {
    this.s = new Section(sampleRate, 1);
  }

  /**
   * Sets the response; `gainDb` is used by peak and shelves only. With `glide`, the coefficients move
   * there over GLIDE_MS (no click on a running signal); without, they switch at once.
   */
  configure(type: BiquadType, freqHz: number, q: number, gainDb = 0, glide = false): void {
    this.s.configure(type, freqHz, q, gainDb, glide);
  }

  /** Filters `buf[0..frames)` in place. */
  process(buf: Float32Array, frames: number): void {
    this.s.run(0, buf, frames);
    this.s.g.advance(frames);
  }

  reset(): void {
    this.s.state.fill(0);
  }

  /** Analytic magnitude response in dB at freqHz from the target coefficients (for tests and UIs). */
  magnitudeDb(freqHz: number): number {
    return sectionMagnitudeDb(this.s.g.to, this.s.sampleRate, freqHz);
  }

  /** The normalized target coefficients [b0, b1, b2, a1, a2] (a copy, for inspection). */
  coefficients(): number[] {
    return Array.from(this.s.g.to);
  }
}

/** One section shared by several channels: the same coefficients, separate state. */
export class BiquadBank {
  private readonly s: Section;

  /** `store`: where the coefficients (to, then delta: 10 values) and the state (4 per channel) live. */
  constructor(sampleRate: number, channels: number, store?: Float64Store) {
    this.s = new Section(sampleRate, channels, store);
  }

  /** The coefficients and their glide (`to`, then `delta`), for a batch kernel; it calls advance() after. */
  get glide(): CoefGlide {
    return this.s.g;
  }

  /** x[n−1], x[n−2], y[n−1], y[n−2] of each channel in turn, for a batch kernel. */
  get state(): Float64Array {
    return this.s.state;
  }

  /** As Biquad.configure. */
  configure(type: BiquadType, freqHz: number, q: number, gainDb = 0, glide = false): void {
    this.s.configure(type, freqHz, q, gainDb, glide);
  }

  /** As configure(), the params read from `p` (the audio thread's way: see designBiquadFrom). */
  configureFrom(type: BiquadType, p: BiquadParams, glide = false): void {
    this.s.configureFrom(type, p, glide);
  }

  /** Becomes a wire (with `glide`, over GLIDE_MS); `idle` turns true when it is there. */
  bypass(glide = false): void {
    this.s.bypass(glide);
  }

  /** A wire and not gliding: process() would change nothing and may be skipped. */
  get idle(): boolean {
    return this.s.idle;
  }

  /** Moving between coefficients: `idle` may change as the glide runs (it cannot otherwise). */
  get gliding(): boolean {
    return this.s.g.gliding;
  }

  /** Filters `chans[0..nch)` in place; channels beyond the bank's count are left untouched. */
  process(chans: Float32Array[], nch: number, frames: number): void {
    const s = this.s;
    const n = nch < s.channels ? nch : s.channels;
    for (let ch = 0; ch < n; ch++) s.run(ch, chans[ch]!, frames);
    s.g.advance(frames);
  }

  /**
   * This section then `next` (a bank with as many channels), in one pass: the same result as
   * process() on each in turn, faster (see runPair).
   */
  processWith(next: BiquadBank, chans: Float32Array[], nch: number, frames: number): void {
    const a = this.s, b = next.s;
    let n = nch < a.channels ? nch : a.channels;
    if (b.channels < n) n = b.channels;
    for (let ch = 0; ch < n; ch++) a.runWith(b, ch, chans[ch]!, frames);
    a.g.advance(frames);
    b.g.advance(frames);
  }

  reset(): void {
    this.s.state.fill(0);
  }

  magnitudeDb(freqHz: number): number {
    return sectionMagnitudeDb(this.s.g.to, this.s.sampleRate, freqHz);
  }
}

/** Butterworth 4th-order section Qs: 1 / (2 cos(π/8)) and 1 / (2 cos(3π/8)). */
const BUTTER4_Q1 = 1 / (2 * Math.cos(Math.PI / 8));
const BUTTER4_Q2 = 1 / (2 * Math.cos((3 * Math.PI) / 8));

/**
 * High-pass with a selectable slope. 12 dB/oct: one Butterworth section (Q 0.7071, -3.01 dB at the
 * corner). 24 dB/oct: a true 4th-order Butterworth (sections with Q 0.5412 and 1.3066, also -3.01 dB at
 * the corner and maximally flat above it), not Linkwitz-Riley (-6 dB at the corner).
 */
export class HighPass {
  /** The sections, in order (a batch kernel runs them as process() would). */
  readonly first: BiquadBank;
  readonly second: BiquadBank;
  private readonly p1: BiquadParams = { freqHz: 80, q: Math.SQRT1_2, gainDb: 0 };
  private readonly p2: BiquadParams = { freqHz: 80, q: BUTTER4_Q2, gainDb: 0 };
  /** configure()'s corner, handed on to configureFrom(). */
  private readonly arg = { freqHz: 80 };

  constructor(sampleRate: number, channels: number, store?: Float64Store) {
    this.first = new BiquadBank(sampleRate, channels, store);
    this.second = new BiquadBank(sampleRate, channels, store);
    this.configure(80, 12);
  }

  /**
   * Sets corner and slope; with `glide` the move (a slope change too: the second section glides in
   * from, or out to, a wire) takes GLIDE_MS instead of switching at the block boundary.
   */
  configure(freqHz: number, slopeDbPerOct: 12 | 24, glide = false): void {
    this.arg.freqHz = freqHz;
    this.configureFrom(this.arg, slopeDbPerOct, glide);
  }

  /**
   * configure() with the corner read from `p.freqHz`: the audio thread's way (a double passed to a
   * call V8 does not inline is boxed on the heap, a field read inside it is not).
   */
  configureFrom(p: { readonly freqHz: number }, slopeDbPerOct: 12 | 24, glide = false): void {
    const p1 = this.p1;
    const freqHz = p.freqHz;
    p1.freqHz = freqHz;
    if (slopeDbPerOct === 24) {
      p1.q = BUTTER4_Q1;
      this.p2.freqHz = freqHz;
      this.first.configureFrom('highpass', p1, glide);
      this.second.configureFrom('highpass', this.p2, glide);
    } else {
      p1.q = Math.SQRT1_2;
      this.first.configureFrom('highpass', p1, glide);
      this.second.bypass(glide);
    }
  }

  /** Switched off: both sections become wires (gliding there with `glide`), then cost nothing. */
  bypass(glide = false): void {
    this.first.bypass(glide);
    this.second.bypass(glide);
  }

  process(chans: Float32Array[], nch: number, frames: number): void {
    const a = !this.first.idle, b = !this.second.idle;
    if (a && b) this.first.processWith(this.second, chans, nch, frames);
    else if (a) this.first.process(chans, nch, frames);
    else if (b) this.second.process(chans, nch, frames);
  }

  reset(): void {
    this.first.reset();
    this.second.reset();
  }

  magnitudeDb(freqHz: number): number {
    return this.first.magnitudeDb(freqHz) + this.second.magnitudeDb(freqHz);
  }
}
