/**
 * Windowed spectrum for the click tests (not a test file itself): a 4-term Blackman-Harris window
 * (side lobes −92 dB, so the tone's own leakage stays far below the −80 dB being checked) and a
 * radix-2 DFT (the FFT: the same sums as the direct DFT, in N·log N).
 */

/** |X[k]|, k = 0..n/2, of `x[from..from+n)` under a Blackman-Harris window; n a power of two. */
export function windowedSpectrum(x: ArrayLike<number>, from: number, n: number): Float64Array {
  const re = new Float64Array(n), im = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const p = (2 * Math.PI * i) / (n - 1);
    const w = 0.35875 - 0.48829 * Math.cos(p) + 0.14128 * Math.cos(2 * p) - 0.01168 * Math.cos(3 * p);
    re[i] = (x[from + i] ?? 0) * w;
  }
  fft(re, im);
  const mag = new Float64Array(n / 2 + 1);
  for (let k = 0; k <= n / 2; k++) mag[k] = Math.hypot(re[k]!, im[k]!);
  return mag;
}

/** In-place iterative radix-2 DFT. */
export function fft(re: Float64Array, im: Float64Array): void {
  const n = re.length;
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      [re[i], re[j]] = [re[j]!, re[i]!];
      [im[i], im[j]] = [im[j]!, im[i]!];
    }
  }
  for (let len = 2; len <= n; len <<= 1) {
    const ang = (-2 * Math.PI) / len;
    for (let i = 0; i < n; i += len) {
      for (let k = 0; k < len / 2; k++) {
        const c = Math.cos(ang * k), s = Math.sin(ang * k);
        const a = i + k, b = a + len / 2;
        const tr = re[b]! * c - im[b]! * s, ti = re[b]! * s + im[b]! * c;
        re[b] = re[a]! - tr;
        im[b] = im[a]! - ti;
        re[a] = re[a]! + tr;
        im[a] = im[a]! + ti;
      }
    }
  }
}

/**
 * Highest spectral line at or above `aboveHz`, in dB relative to the strongest line within ±50 Hz of
 * `toneHz`, over `n` samples of `x` centred on `centre` (the moment of the change).
 */
export function clickDb(x: ArrayLike<number>, centre: number, sampleRate: number, toneHz: number, aboveHz: number, n = 16384): number {
  const mag = windowedSpectrum(x, centre - n / 2, n);
  const bin = sampleRate / n;
  let tone = 0, worst = 0;
  for (let k = 0; k < mag.length; k++) {
    const f = k * bin;
    if (Math.abs(f - toneHz) <= 50) tone = Math.max(tone, mag[k]!);
    if (f >= aboveHz) worst = Math.max(worst, mag[k]!);
  }
  return 20 * Math.log10(worst / tone);
}

/**
 * Ideal (band-limited, Whittaker-Shannon) reconstruction's peak of a finite signal (zero outside it),
 * evaluated at `factor` points per sample: the DFT of the zero-padded signal, zero-extended between
 * its halves, transformed back. Exact for the signal's sinc interpolation up to the circular wrap,
 * which the 2× zero padding keeps out.
 */
export function idealPeak(x: ArrayLike<number>, factor = 16): number {
  return idealPeakIn(x, factor, 0, x.length);
}

/** idealPeak() of the points from sample `from` up to sample `to` only (the rest is context). */
export function idealPeakIn(x: ArrayLike<number>, factor: number, from: number, to: number): number {
  let m = 1;
  while (m < 2 * x.length) m <<= 1;
  const re = new Float64Array(m), im = new Float64Array(m);
  for (let i = 0; i < x.length; i++) re[i] = x[i]!;
  fft(re, im);
  const big = m * factor;
  const R = new Float64Array(big), I = new Float64Array(big);
  for (let k = 0; k < m / 2; k++) {
    R[k] = re[k]!;
    I[k] = -im[k]!; // conjugated: the forward transform of the conjugate is the inverse, conjugated
  }
  for (let k = m / 2 + 1; k < m; k++) {
    R[big - m + k] = re[k]!;
    I[big - m + k] = -im[k]!;
  }
  R[m / 2] = re[m / 2]! / 2;
  I[m / 2] = -im[m / 2]! / 2;
  R[big - m / 2] = re[m / 2]! / 2;
  I[big - m / 2] = -im[m / 2]! / 2;
  fft(R, I);
  let peak = 0;
  const end = Math.min(big, to * factor);
  for (let i = Math.max(0, from * factor); i < end; i++) peak = Math.max(peak, Math.hypot(R[i]!, I[i]!) / m);
  return peak;
}

/**
 * idealPeak() of a long signal, in segments of `seg` samples each reconstructed with `context` samples
 * of the signal either side: the sinc tails beyond the context add at most ~rms/(π·context) there.
 */
export function idealPeakLong(x: Float32Array, factor = 16, seg = 4096, context = 2048): number {
  let peak = 0;
  for (let a = 0; a < x.length; a += seg) {
    const lo = Math.max(0, a - context);
    const part = x.subarray(lo, Math.min(x.length, a + seg + context));
    peak = Math.max(peak, idealPeakIn(part, factor, a - lo, a - lo + seg));
  }
  return peak;
}
