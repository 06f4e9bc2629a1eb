/**
 * The mixing after the strips — fader copies, sends, pans into the stereo sums, the fold of mono
 * sends, the master gain — of a whole strip group in one native call (native/dsp-kernels/src/mix.c,
 * `mixJobs`): SIMD over frames, bit-identical to the TypeScript loops (send.ts, strip.ts, pan.ts,
 * graph.ts), which stay the reference and the fallback.
 *
 * Every buffer a job names lives in the graph's FilterPool (its f32), so one call reaches all of
 * them; a job names them by index (FilterPool.at32, taken once at construction). The callers write
 * jobs into a preallocated Int32Array and their gains into a Float64Array (MixBatch.job: a few stores,
 * no allocation; a gain is written into `params` by the caller, not passed: a double passed to a call
 * V8 does not inline is boxed). Jobs run in table order, so sums into one destination add up in the
 * order the TypeScript adds them. A ramp (GainRamp.fill) is written by the TypeScript when the job is
 * queued, into a buffer of its own that nothing else writes before the flush.
 *
 * Node only (it reaches the addon through dsp-kernels.ts): the web mixer's modules never import it.
 */
import { dspKernels, dspKernelsMissing } from './dsp-kernels.ts';
import type { FilterPool } from './biquad-batch.ts';

/** Int32 words per job: [op, a, b, c, d, ramp, rampN, flags]; doubles per job (mix.c). */
export const MIX_JOB_STRIDE = 8;
export const MIX_PARAM_STRIDE = 12;

/** Ops (mix.c): which fields each reads is documented there. */
export const OP_MONO = 1, OP_STEREO = 2, OP_ST2MONO = 3, OP_COPY = 4, OP_FOLD = 5, OP_PAN_MONO = 6, OP_PAN_STEREO = 7, OP_GAIN2 = 8, OP_ADD2_RAMP = 9;
/** The layout mix.c reports as mixJobLayout: the strides and the last op it knows. */
export const MIX_LAYOUT = MIX_JOB_STRIDE * 10000 + MIX_PARAM_STRIDE * 100 + OP_ADD2_RAMP;
/** Pan flags: add into the outputs (else overwrite); the ramp lands within this block. */
export const F_ADD = 1, F_LAND = 2;

export type MixJobsFn = (f32: Float32Array, jobs: Int32Array, params: Float64Array, nJobs: number, frames: number) => void;

/** The addon's mixJobs, or undefined (no addon, FADERD_KERNELS=ts, or an addon of another layout). */
export function nativeMixJobs(): MixJobsFn | undefined {
  return nativeMixMissing() === undefined ? (dspKernels()!.mixJobs as MixJobsFn) : undefined;
}

/** Why the native mix kernel is not in use, or undefined when it is. */
export function nativeMixMissing(): string | undefined {
  const missing = dspKernelsMissing();
  if (missing !== undefined) return missing;
  const k = dspKernels()!;
  if (typeof k.mixJobs !== 'function') return 'the dsp-kernels addon has no mixJobs (rebuild: node scripts/build-native.mjs dsp-kernels --force)';
  if (k.mixJobLayout !== MIX_LAYOUT) return `the dsp-kernels addon's mix jobs are laid out as ${String(k.mixJobLayout)}, this faderd writes ${MIX_LAYOUT} (rebuild: node scripts/build-native.mjs dsp-kernels --force)`;
  return undefined;
}

/** Calls into the native mix kernel so far: tests check the native path really ran. */
export const mixCalls = new Int32Array(1);

/** A table of mixing jobs over one pool's f32, run in order by flush(). */
export class MixBatch {
  readonly pool: FilterPool;
  /** The jobs' doubles: job() returns where the caller writes its gains. */
  readonly params: Float64Array;
  private readonly jobs: Int32Array;
  private readonly run: MixJobsFn;
  private readonly capacity: number;
  private count = 0;
  /** Frames of the block being queued (begin()); a full table is flushed early with it. */
  private frames = 0;

  constructor(pool: FilterPool, capacity: number, run: MixJobsFn) {
    this.pool = pool;
    this.run = run;
    this.capacity = Math.max(1, capacity);
    this.jobs = new Int32Array(this.capacity * MIX_JOB_STRIDE);
    this.params = new Float64Array(this.capacity * MIX_PARAM_STRIDE);
  }

  /** Audio thread: the block's frames, before any job of it (a whole number up to the buffers' length). */
  begin(frames: number): void {
    this.frames = frames;
  }

  /**
   * Audio thread: appends a job and returns the index of its first double in `params`. A full table
   * runs first (jobs run in order either way).
   */
  job(op: number, a: number, b: number, c: number, d: number, ramp: number, rampN: number, flags: number): number {
    if (this.count === this.capacity) this.flush();
    const n = this.count++;
    const t = this.jobs;
    const o = n * MIX_JOB_STRIDE;
    t[o] = op;
    t[o + 1] = a;
    t[o + 2] = b;
    t[o + 3] = c;
    t[o + 4] = d;
    t[o + 5] = ramp;
    t[o + 6] = rampN;
    t[o + 7] = flags;
    return n * MIX_PARAM_STRIDE;
  }

  /**
   * Audio thread: runs the queued jobs over the block's frames and empties the table. Frames that are
   * not a whole number mix nothing rather than throw on the audio thread (the engine clamps them).
   */
  flush(): void {
    const n = this.count;
    if (n === 0) return;
    this.count = 0;
    const frames = this.frames;
    if (!(frames > 0 && frames === Math.floor(frames))) return;
    this.run(this.pool.f32, this.jobs, this.params, n, frames);
    mixCalls[0]!++;
  }
}
