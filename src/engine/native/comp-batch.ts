/**
 * The compressors of many strips in one native call (native/dsp-kernels/src/comp.c, `compJobs`),
 * bit-identical to src/engine/dsp/compressor.ts, which stays the reference and the fallback.
 *
 * Each pooled strip keeps its compressor's derived settings (Compressor.writeParams) and running
 * state in a block of COMP_BLOCK doubles of the FilterPool, next to its channel buffers, so one call
 * reaches every strip of a group; each block the strips whose compressor is on write a job (four int
 * stores) and the graph runs the batch between the EQ batch and saturation.
 *
 * With AVX2 the kernel runs four jobs at a time as the lanes of a vector (comp-lanes.h); four that
 * share a buffer or a block run one after another in table order instead (the kernel checks), so a
 * table means what it would mean run job by job.
 *
 * The kernel's logs and exps are a C port of V8's fdlibm (fdlibm.h). Node releases whose V8 computes
 * Math.log or Math.exp otherwise (newer V8 takes log from LLVM's libc) would hear a different
 * compressor, so at load the port is checked against Math.log/Math.exp on a spread of values, and
 * on any difference the TypeScript compressor runs (nativeCompMissing() says why).
 *
 * Node only (it reaches the addon through dsp-kernels.ts): the web mixer's modules never import it.
 */
import { dspKernels, dspKernelsMissing } from './dsp-kernels.ts';
import type { FilterPool } from './biquad-batch.ts';
import { STRIP_JOB_STRIDE, StripJobBatch, type StripJobsFn } from './strip-jobs.ts';

/** Int32 words per job: [buf0, buf1, nch, block] (comp.c). */
export const COMP_JOB_STRIDE = STRIP_JOB_STRIDE;
/** Doubles per compressor in the pool: 12 settings (writeParams), then y1, yL, gain (its state). */
export const COMP_BLOCK = 16;
/** Where the state starts in a block. */
export const COMP_STATE_AT = 12;

export type CompJobsFn = StripJobsFn;
export type MapFn = (input: Float64Array, out: Float64Array) => void;

let checked: string | undefined | null = null;

/** Whether the addon's fdlibm log/exp give this V8's Math.log/Math.exp on a spread of values. */
export function fdlibmDiffers(log: MapFn, exp: MapFn): string | undefined {
  const n = 4096;
  const xs = new Float64Array(n), out = new Float64Array(n);
  let s = 0x9e3779b9;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    // Levels from -300 dB to +60 dB and gains from -40 to +40 in ln units: what the compressor takes.
    xs[i] = Math.exp(-35 + 42 * ((s >>> 0) / 4294967296));
  }
  log(xs, out);
  for (let i = 0; i < n; i++) if (!Object.is(out[i], Math.log(xs[i]!))) return `Math.log(${xs[i]}) is not fdlibm's here`;
  for (let i = 0; i < n; i++) xs[i] = Math.log(xs[i]!) * 1.1;
  exp(xs, out);
  for (let i = 0; i < n; i++) if (!Object.is(out[i], Math.exp(xs[i]!))) return `Math.exp(${xs[i]}) is not fdlibm's here`;
  return undefined;
}

/** Why the native compressor is not in use, or undefined when it is. */
export function nativeCompMissing(): string | undefined {
  const missing = dspKernelsMissing();
  if (missing !== undefined) return missing;
  const k = dspKernels()!;
  if (typeof k.compJobs !== 'function' || typeof k.fdlibmLog !== 'function' || typeof k.fdlibmExp !== 'function') return 'the dsp-kernels addon has no compJobs (rebuild: node scripts/build-native.mjs dsp-kernels --force)';
  if (k.compJobStride !== COMP_JOB_STRIDE) return `the dsp-kernels addon's compressor jobs are ${String(k.compJobStride)} words, this faderd writes ${COMP_JOB_STRIDE} (rebuild: node scripts/build-native.mjs dsp-kernels --force)`;
  if (checked === null) checked = fdlibmDiffers(k.fdlibmLog as MapFn, k.fdlibmExp as MapFn);
  return checked;
}

/** The addon's compJobs, or undefined (see nativeCompMissing). */
export function nativeCompJobs(): CompJobsFn | undefined {
  return nativeCompMissing() === undefined ? (dspKernels()!.compJobs as CompJobsFn) : undefined;
}

/** Calls into the native kernel so far: tests check the native path really ran. */
export const nativeCompCalls = new Int32Array(1);

/** A job table: the compressors queued this block, run side by side in one call. */
export class CompBatch extends StripJobBatch {
  /** `capacity`: strips. */
  constructor(pool: FilterPool, capacity: number, run: CompJobsFn) {
    super(pool, capacity, run, nativeCompCalls);
  }
}
