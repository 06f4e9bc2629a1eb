/**
 * Small numeric helpers shared by the mixing kernels. Everything here is allocation-free so it may be
 * called from `configure()` on the audio thread.
 */

/** ln(10)/20: `exp(db * DB_TO_LN)` is `10^(db/20)` without Math.pow. */
export const DB_TO_LN = Math.LN10 / 20;
/** 20/ln(10): `log(g) * LN_TO_DB` is `20·log10(g)`. */
export const LN_TO_DB = 20 / Math.LN10;

export function dbToGain(db: number): number {
  return db === -Infinity ? 0 : Math.exp(db * DB_TO_LN);
}

/** 20·log10(g); 0 → -Infinity. */
export function gainToDb(g: number): number {
  return g > 0 ? Math.log(g) * LN_TO_DB : -Infinity;
}

/**
 * Recursive states below this are flushed to 0 at block end. Left alone they decay into subnormal
 * numbers, which x86 CPUs process many times slower (a silent HPF ran ~10x dearer than a playing one);
 * 1e-30 is -600 dBFS, far below any audible or measurable level and far above the subnormal range.
 */
export const FLUSH_BELOW = 1e-30;

/** `v` limited to [lo, hi]; NaN becomes `fallback` so a bad param never poisons filter state. */
export function clampNum(v: number, lo: number, hi: number, fallback: number): number {
  if (Number.isNaN(v)) return fallback;
  return v < lo ? lo : v > hi ? hi : v;
}

/** Coefficient of a one-pole smoother `y += (1 - a)(x - y)` reaching 1 - 1/e after `timeMs`. */
export function onePoleCoeff(timeMs: number, sampleRate: number): number {
  const samples = (timeMs * sampleRate) / 1000;
  return samples <= 0 ? 0 : Math.exp(-1 / samples);
}

/** Smallest power of two ≥ n (at least 1): the size of a ring buffer indexed with a mask. */
export function nextPow2(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/** Throws a RangeError at construction (never on the audio path) for a nonsensical rate or size. */
export function checkPositive(name: string, v: number): void {
  if (!Number.isFinite(v) || v <= 0) throw new RangeError(`"${name}" must be a positive finite number, got ${v}`);
}

/** Throws for a block size that is not a positive integer. */
export function checkBlock(name: string, v: number): void {
  if (!Number.isInteger(v) || v <= 0) throw new RangeError(`"${name}" must be a positive integer, got ${v}`);
}

/**
 * tanh(x) for waveshapers, where Math.tanh (a library call) was the largest cost: below |x| = 2 the
 * [7/6] Padé approximant (a few multiplies and one division), above it 1 − 2/(e^2|x| + 1) with one
 * Math.exp (never overflows: e^2|x| = Infinity gives exactly ±1). Max error against Math.tanh 1.2e-8
 * (-158 dB), at |x| = 2; checked in test/engine/dsp/util.test.ts.
 */
export function fastTanh(x: number): number {
  if (x < 2 && x > -2) {
    const x2 = x * x;
    return (x * (135135 + x2 * (17325 + x2 * (378 + x2)))) / (135135 + x2 * (62370 + x2 * (3150 + 28 * x2)));
  }
  const t = 1 - 2 / (Math.exp(x < 0 ? -2 * x : 2 * x) + 1);
  return x < 0 ? -t : t;
}
