/**
 * The true-peak limiter's per-sample loop in C (native/dsp-kernels/src/limiter.c, `limiterRun`),
 * bit-identical to TruePeakLimiter's own loop in src/engine/dsp/limiter.ts, which stays the reference
 * and the fallback (test/engine/native/limiter-kernel.test.ts compares every output sample and every
 * state value).
 *
 * The limiter keeps its whole state in typed arrays both loops read and write: the running doubles and
 * settings in `st` (LIM_ST_*), the ring positions, geometry and bypass flag in `pos` (LIM_POS_*), the
 * detectors' peaks and the delay lines each in one array, a channel per stretch. One call per
 * process(), nothing allocated.
 *
 * Node only (it reaches the addon through dsp-kernels.ts): the web mixer's modules never import it.
 */
import { dspKernels, dspKernelsMissing } from './dsp-kernels.ts';

/** st: the running doubles, then the settings (limiter.c's ST_*). */
export const LIM_ST_COUNTER = 0;
export const LIM_ST_AVG_SUM = 1;
export const LIM_ST_RELEASE = 2;
export const LIM_ST_MIN_GAIN = 3;
export const LIM_ST_LAST_GAIN = 4;
export const LIM_ST_SLOW = 5;
export const LIM_ST_THRESHOLD = 6;
export const LIM_ST_FAST = 7;
export const LIM_ST_SLOW_ATTACK = 8;
export const LIM_ST_SLOW_RELEASE = 9;
export const LIM_ST_SIZE = 10;

/** pos: the ring positions, then the geometry and the bypass flag (limiter.c's POS_*). */
export const LIM_POS_DQ_HEAD = 0;
export const LIM_POS_DQ_TAIL = 1;
export const LIM_POS_AVG = 2;
export const LIM_POS_DELAY = 3;
export const LIM_POS_WINDOW = 4;
export const LIM_POS_LATENCY = 5;
export const LIM_POS_BYPASS = 6;
export const LIM_POS_CHANNELS = 7;
export const LIM_POS_SIZE = 8;

/** Channels the kernel takes in one call (limiter.c MAX_CH); a wider limiter runs the TypeScript loop. */
export const LIM_MAX_CHANNELS = 64;

/**
 * limiterRun(chans, det, delay, st, pos, dqVal, dqIdx, avg, frames): true when it ran; false (nothing
 * changed) for a channel that is not undefined or a Float32Array of `frames` samples, or frames past
 * the detectors' block: the TypeScript loop then runs.
 */
export type LimiterRunFn = (
  chans: ReadonlyArray<Float32Array | undefined>,
  det: Float64Array,
  delay: Float32Array,
  st: Float64Array,
  pos: Int32Array,
  dqVal: Float64Array,
  dqIdx: Float64Array,
  avg: Float64Array,
  frames: number,
) => boolean;

/** Why the native limiter loop is not in use, or undefined when it is. */
export function nativeLimiterMissing(): string | undefined {
  const missing = dspKernelsMissing();
  if (missing !== undefined) return missing;
  const k = dspKernels()!;
  const rebuild = '(rebuild: node scripts/build-native.mjs dsp-kernels --force)';
  if (typeof k.limiterRun !== 'function') return `the dsp-kernels addon has no limiterRun ${rebuild}`;
  if (k.limiterStateSize !== LIM_ST_SIZE || k.limiterPosSize !== LIM_POS_SIZE) {
    return `the dsp-kernels addon's limiter state is ${String(k.limiterStateSize)} doubles and ${String(k.limiterPosSize)} ints, this faderd keeps ${LIM_ST_SIZE} and ${LIM_POS_SIZE} ${rebuild}`;
  }
  return undefined;
}

/** The addon's limiterRun, or undefined (see nativeLimiterMissing; FADERD_KERNELS=ts included). */
export function nativeLimiterRun(): LimiterRunFn | undefined {
  return nativeLimiterMissing() === undefined ? (dspKernels()!.limiterRun as LimiterRunFn) : undefined;
}

/** Blocks the native loop has limited so far: tests check the native path really ran. */
export const nativeLimiterCalls = new Int32Array(1);
