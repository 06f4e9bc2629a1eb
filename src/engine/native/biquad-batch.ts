/**
 * The biquad sections of many channels in one native call (native/dsp-kernels/src/biquad.c,
 * `biquadJobs`): SIMD across channels, bit-identical to the TypeScript kernels in
 * src/engine/dsp/biquad.ts, which stay the reference and the fallback.
 *
 * The strips keep their channel buffers in one pooled Float32Array and their sections' coefficients
 * and state in one pooled Float64Array (FilterPool), so one call reaches all of them. Each block the
 * strips write their jobs into a preallocated Int32Array (BiquadBatch.single/pair: a handful of int
 * stores per channel, no allocation) and the graph runs the batch once per stage; the jobs are
 * rewritten every block because which sections run (idle ones are skipped) and their glide positions
 * change from block to block, and writing them costs less than tracking what changed.
 *
 * Node only (it reaches the addon through dsp-kernels.ts): the web mixer's modules never import it.
 */
import type { BiquadBank, Float64Store } from '../dsp/biquad.ts';
import { dspKernels, dspKernelsMissing } from './dsp-kernels.ts';

/** Int32 words per job: [buf, coefA, stateA, posA, lenA, coefB, stateB, posB, lenB] (biquad.c). */
export const JOB_STRIDE = 9;

export type BiquadJobsFn = (f32: Float32Array, f64: Float64Array, jobs: Int32Array, nJobs: number, frames: number) => void;

/**
 * The addon's biquadJobs, or undefined: no addon, FADERD_KERNELS=ts, or an addon built from other
 * sources (its job layout differs; the engine then runs the TypeScript kernels rather than refuse to
 * start). nativeBiquadMissing() says which.
 */
export function nativeBiquadJobs(): BiquadJobsFn | undefined {
  return nativeBiquadMissing() === undefined ? (dspKernels()!.biquadJobs as BiquadJobsFn) : undefined;
}

/** Why the native biquad kernel is not in use, or undefined when it is. */
export function nativeBiquadMissing(): string | undefined {
  const missing = dspKernelsMissing();
  if (missing !== undefined) return missing;
  const k = dspKernels()!;
  if (typeof k.biquadJobs !== 'function') return 'the dsp-kernels addon has no biquadJobs (rebuild: node scripts/build-native.mjs dsp-kernels --force)';
  if (k.biquadJobStride !== JOB_STRIDE) return `the dsp-kernels addon's biquad jobs are ${String(k.biquadJobStride)} words, this faderd writes ${JOB_STRIDE} (rebuild: node scripts/build-native.mjs dsp-kernels --force)`;
  return undefined;
}

/** Calls into the native kernel so far: tests check the native path really ran. */
export const nativeCalls = new Int32Array(1);

/**
 * One Float32Array for channel buffers and one Float64Array for section coefficients and state,
 * handed out in slices. Sized up front (the graph adds up what its strips need): a slice past the end
 * throws, at construction.
 */
export class FilterPool implements Float64Store {
  readonly f32: Float32Array;
  readonly f64: Float64Array;
  private n32 = 0;
  private n64 = 0;

  constructor(floats: number, doubles: number) {
    this.f32 = new Float32Array(floats);
    this.f64 = new Float64Array(doubles);
  }

  floats(n: number): Float32Array {
    if (this.n32 + n > this.f32.length) throw new RangeError(`FilterPool: ${n} more floats do not fit (${this.n32} of ${this.f32.length} used)`);
    const v = this.f32.subarray(this.n32, this.n32 + n);
    this.n32 += n;
    return v;
  }

  doubles(n: number): Float64Array {
    if (this.n64 + n > this.f64.length) throw new RangeError(`FilterPool: ${n} more doubles do not fit (${this.n64} of ${this.f64.length} used)`);
    const v = this.f64.subarray(this.n64, this.n64 + n);
    this.n64 += n;
    return v;
  }

  /** Index of `v`'s first element in f32. */
  at32(v: Float32Array): number {
    if (v.buffer !== this.f32.buffer) throw new Error('FilterPool: the buffer is not one of this pool');
    return v.byteOffset >> 2;
  }

  /** Index of `v`'s first element in f64. */
  at64(v: Float64Array): number {
    if (v.buffer !== this.f64.buffer) throw new Error('FilterPool: the array is not one of this pool');
    return v.byteOffset >> 3;
  }
}

/** A section of the pool as a job names it: where its coefficients and its state are. */
export class PooledSection {
  readonly bank: BiquadBank;
  readonly coef: number;
  readonly state: number;
  readonly len: number;

  constructor(bank: BiquadBank, pool: FilterPool) {
    this.bank = bank;
    this.coef = pool.at64(bank.glide.to);
    if (pool.at64(bank.glide.delta) !== this.coef + 5) throw new Error('PooledSection: delta must follow the coefficients');
    this.state = pool.at64(bank.state);
    this.len = bank.glide.len;
  }
}

/**
 * A job table in passes: the jobs of one pass run side by side in one call (they must touch distinct
 * channels), the passes one after another (a channel's second EQ pair waits for its first).
 */
export class BiquadBatch {
  private readonly pool: FilterPool;
  private readonly run: BiquadJobsFn;
  private readonly tables: Int32Array[];
  private readonly counts: Int32Array;

  /** `capacity`: jobs per pass (channels of all strips). */
  constructor(pool: FilterPool, passes: number, capacity: number, run: BiquadJobsFn) {
    this.pool = pool;
    this.run = run;
    this.tables = Array.from({ length: passes }, () => new Int32Array(capacity * JOB_STRIDE));
    this.counts = new Int32Array(passes);
  }

  /** Section `a` over channel `ch` of its bank, whose samples are `buf` (in the pool at `bufAt`). */
  single(pass: number, a: PooledSection, ch: number, bufAt: number): void {
    const t = this.tables[pass]!;
    const n = this.counts[pass]!;
    const o = n * JOB_STRIDE;
    t[o] = bufAt;
    t[o + 1] = a.coef;
    t[o + 2] = a.state + 4 * ch;
    t[o + 3] = a.bank.glide.pos;
    t[o + 4] = a.len;
    t[o + 5] = -1;
    this.counts[pass] = n + 1;
  }

  /** `a` then `b` over channel `ch`, fused as BiquadBank.processWith does. */
  pair(pass: number, a: PooledSection, b: PooledSection, ch: number, bufAt: number): void {
    const t = this.tables[pass]!;
    const n = this.counts[pass]!;
    const o = n * JOB_STRIDE;
    t[o] = bufAt;
    t[o + 1] = a.coef;
    t[o + 2] = a.state + 4 * ch;
    t[o + 3] = a.bank.glide.pos;
    t[o + 4] = a.len;
    t[o + 5] = b.coef;
    t[o + 6] = b.state + 4 * ch;
    t[o + 7] = b.bank.glide.pos;
    t[o + 8] = b.len;
    this.counts[pass] = n + 1;
  }

  /**
   * Runs every pass's jobs over `frames` frames (a whole number up to the buffers' length: the engine
   * clamps it; anything else filters nothing rather than throw on the audio thread), then empties the table.
   */
  flush(frames: number): void {
    const { pool, tables, counts } = this;
    const ok = frames > 0 && frames === Math.floor(frames);
    for (let p = 0; p < tables.length; p++) {
      const n = counts[p]!;
      if (n === 0) continue;
      counts[p] = 0;
      if (!ok) continue;
      this.run(pool.f32, pool.f64, tables[p]!, n, frames);
      nativeCalls[0]!++;
    }
  }
}
