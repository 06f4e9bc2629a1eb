/**
 * The job table the per-strip native kernels share (the compressors' comp.c and the gates' gate.c):
 * each block the strips whose stage is on add a job, and one call runs them all. A job names the
 * strip's channel buffers in the pool's floats and its block of settings and state in the pool's
 * doubles.
 */
import type { FilterPool } from './biquad-batch.ts';

/** Int32 words per job: [buf0, buf1 (or -1), nch, block]. */
export const STRIP_JOB_STRIDE = 4;

export type StripJobsFn = (f32: Float32Array, f64: Float64Array, jobs: Int32Array, nJobs: number, frames: number) => void;

export class StripJobBatch {
  private readonly pool: FilterPool;
  private readonly run: StripJobsFn;
  private readonly calls: Int32Array;
  private readonly table: Int32Array;
  private n = 0;

  /** `capacity`: strips; `calls[0]` counts the calls into the kernel (tests check it ran). */
  constructor(pool: FilterPool, capacity: number, run: StripJobsFn, calls: Int32Array) {
    this.pool = pool;
    this.run = run;
    this.calls = calls;
    this.table = new Int32Array(capacity * STRIP_JOB_STRIDE);
  }

  /** A strip's job: its channels at buf0 (and buf1 when nch is 2), its block at `block` in pool.f64. */
  add(buf0: number, buf1: number, nch: number, block: number): void {
    const t = this.table, o = this.n * STRIP_JOB_STRIDE;
    t[o] = buf0;
    t[o + 1] = nch === 2 ? buf1 : -1;
    t[o + 2] = nch;
    t[o + 3] = block;
    this.n++;
  }

  /** Runs the queued jobs over `frames` frames (a whole number up to the buffers' length), then empties the table. */
  flush(frames: number): void {
    const n = this.n;
    if (n === 0) return;
    this.n = 0;
    if (!(frames > 0 && frames === Math.floor(frames))) return;
    this.run(this.pool.f32, this.pool.f64, this.table, n, frames);
    this.calls[0]!++;
  }
}
