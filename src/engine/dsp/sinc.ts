/**
 * The windowed-sinc pieces the band-limited kernels are built from: the true-peak reconstruction
 * (truepeak.ts) and the offline resampler (resample.ts).
 */

/** Modified Bessel function of the first kind, order 0 (power series; converges fast for β ≤ 20). */
export function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  const q = (x * x) / 4;
  for (let k = 1; k < 64; k++) {
    term *= q / (k * k);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return sum;
}

/** Kaiser window value at t ∈ [−1, 1] (0 outside). */
export function kaiser(t: number, beta: number): number {
  if (t <= -1 || t >= 1) return 0;
  return besselI0(beta * Math.sqrt(1 - t * t)) / besselI0(beta);
}

/** sin(πt)/(πt), 1 at 0. */
export const sinc = (t: number): number => (t === 0 ? 1 : Math.sin(Math.PI * t) / (Math.PI * t));
