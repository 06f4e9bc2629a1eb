/**
 * The native true-peak search (native/dsp-kernels/src/truepeak.c): scan() of
 * src/engine/dsp/truepeak.ts, vectorised across sample intervals, giving the reference's doubles bit
 * for bit (test/engine/native/truepeak-kernel.test.ts compares them value by value).
 *
 * truepeak.ts passes its own tables in, so both paths multiply by the same numbers and this file
 * does not import it (no import cycle).
 */
import { dspKernels, dspKernelsMissing } from './dsp-kernels.ts';

/**
 * scan(w, h, n, io, out, at): the interval peaks of the n intervals TP_LAG samples before
 * w[h .. h + n) into out[at .. at + n), exact above the floor io[0] (truepeak.ts's scan()). The
 * floor travels in a typed array and nothing is returned: a double crossing the call would be boxed.
 */
export type TruePeakScan = (w: Float64Array, h: number, n: number, io: Float64Array, out: Float64Array, at: number) => void;

/** The addon's scan, with the instruction set it runs: AVX2, or the x86-64 baseline (SSE2). */
export type NativeTruePeakScan = TruePeakScan & { readonly isa: 'avx2' | 'baseline' };

type Scanner = (coef: Float64Array, halfCoef: Float64Array, consts: Float64Array, isa: 'auto' | 'baseline') => NativeTruePeakScan;

let refused: string | undefined;

/**
 * The addon's scan bound to the reference's tables (consts: TP_FACTOR, TP_HALF, SPAN, TP_LAG,
 * MAX_L1, STAGE2, STAGE3), AVX2 where the CPU has it unless `isa` asks for the baseline build (the
 * tests and the bench run both), or undefined when the addon is not in use (missing, or FADERD_KERNELS=ts),
 * or refuses the tables (built for another structure: the reference then runs, and
 * nativeTruePeakMissing() says why; a show must not stop over a stale build).
 */
export function nativeTruePeakScan(
  coef: Float64Array,
  halfCoef: Float64Array,
  consts: Float64Array,
  isa: 'auto' | 'baseline' = 'auto',
): NativeTruePeakScan | undefined {
  const scanner = dspKernels()?.truePeakScanner as Scanner | undefined;
  if (typeof scanner !== 'function') return undefined;
  try {
    const bound = scanner(coef, halfCoef, consts, isa);
    refused = undefined;
    return bound;
  } catch (e) {
    refused = (e as Error).message;
    return undefined;
  }
}

/** Why the native scan is not in use (or the last binding failed), or undefined when it is. */
export function nativeTruePeakMissing(): string | undefined {
  const why = dspKernelsMissing();
  if (why !== undefined) return why;
  if (typeof dspKernels()?.truePeakScanner !== 'function') return 'the dsp-kernels addon has no truePeakScanner (rebuild it: node scripts/build-native.mjs dsp-kernels)';
  return refused;
}
