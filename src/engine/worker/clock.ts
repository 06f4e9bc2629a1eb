/**
 * The clock the block runner times each block with (DSP load). It writes milliseconds into a slot of
 * a Float64Array rather than returning them: on Node 20, performance.now() builds its value from an
 * hrtime array and returns a boxed double, 48 bytes of garbage per block pair on the audio path. The
 * native clock (CLOCK_MONOTONIC, in faderd's own addon) allocates nothing; without the addon,
 * performance.now() stands in.
 */
import { performance } from 'node:perf_hooks';
import { loadNativeClock } from '../../audio/jack/addon.ts';

/** Writes the current time in ms into out[index]. */
export type BlockClock = (out: Float64Array, index: number) => void;

export function blockClock(): BlockClock {
  return loadNativeClock() ?? ((out, index) => void (out[index] = performance.now()));
}
