/**
 * The gates of many strips in one native call (native/dsp-kernels/src/gate.c, `gateJobs`),
 * bit-identical to src/engine/dsp/gate.ts, which stays the reference and the fallback.
 *
 * Each pooled strip keeps its gate's derived settings (Gate.writeParams), the detector's fall over
 * this block's last span (Gate.writeSpanFall: Math.pow's, which C has no copy of) and the running
 * state (the Gate's `state` array) in a block of GATE_BLOCK doubles of the FilterPool, next to its
 * channel buffers, so one call reaches every strip of a group; each block the strips whose gate is
 * on write a job (four int stores) and the graph runs the batch between the HPF batch and the EQ batch.
 *
 * The kernel's one exp per span is V8's fdlibm (fdlibm.h), checked at load against Math.exp as the
 * compressor's is (comp-batch.ts): on a difference the TypeScript gate runs (nativeGateMissing() says why).
 *
 * Node only (it reaches the addon through dsp-kernels.ts): the web mixer's modules never import it.
 */
import { dspKernels, dspKernelsMissing } from './dsp-kernels.ts';
import { fdlibmDiffers, type MapFn } from './comp-batch.ts';
import type { FilterPool } from './biquad-batch.ts';
import { STRIP_JOB_STRIDE, StripJobBatch, type StripJobsFn } from './strip-jobs.ts';
import { GATE_PARAMS_SIZE, GATE_STATE_SIZE } from '../dsp/gate.ts';

/** Int32 words per job: [buf0, buf1, nch, block] (gate.c). */
export const GATE_JOB_STRIDE = STRIP_JOB_STRIDE;
/** Doubles per gate in the pool (gate.h): settings at 0, span fall at GATE_FALL_AT, state at GATE_STATE_AT. */
export const GATE_BLOCK = 24;
/** Where Gate.writeSpanFall writes (the frames, then the fall). */
export const GATE_FALL_AT = GATE_PARAMS_SIZE;
/** Where the state starts in a block. */
export const GATE_STATE_AT = 16;
if (GATE_FALL_AT + 2 > GATE_STATE_AT || GATE_STATE_AT + GATE_STATE_SIZE > GATE_BLOCK) throw new Error('gate-batch: the gate block layout does not fit');

export type GateJobsFn = StripJobsFn;

let checked: string | undefined | null = null;

/** Why the native gate is not in use, or undefined when it is. */
export function nativeGateMissing(): string | undefined {
  const missing = dspKernelsMissing();
  if (missing !== undefined) return missing;
  const k = dspKernels()!;
  const rebuild = '(rebuild: node scripts/build-native.mjs dsp-kernels --force)';
  if (typeof k.gateJobs !== 'function' || typeof k.fdlibmLog !== 'function' || typeof k.fdlibmExp !== 'function') return `the dsp-kernels addon has no gateJobs ${rebuild}`;
  if (k.gateJobStride !== GATE_JOB_STRIDE || k.gateBlock !== GATE_BLOCK) return `the dsp-kernels addon's gate jobs are ${String(k.gateJobStride)} words and ${String(k.gateBlock)} doubles, this faderd writes ${GATE_JOB_STRIDE} and ${GATE_BLOCK} ${rebuild}`;
  if (checked === null) checked = fdlibmDiffers(k.fdlibmLog as MapFn, k.fdlibmExp as MapFn);
  return checked;
}

/** The addon's gateJobs, or undefined (see nativeGateMissing). */
export function nativeGateJobs(): GateJobsFn | undefined {
  return nativeGateMissing() === undefined ? (dspKernels()!.gateJobs as GateJobsFn) : undefined;
}

/** Calls into the native kernel so far: tests check the native path really ran. */
export const nativeGateCalls = new Int32Array(1);

/** A job table: the gates queued this block, run one after another in one call. */
export class GateBatch extends StripJobBatch {
  /** `capacity`: strips. */
  constructor(pool: FilterPool, capacity: number, run: GateJobsFn) {
    super(pool, capacity, run, nativeGateCalls);
  }
}
