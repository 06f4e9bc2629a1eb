/** Shared signal helpers for the DSP kernel tests (not a test file itself). */

export function sine(freqHz: number, sampleRate: number, frames: number, amp = 1, phase = 0): Float32Array {
  const out = new Float32Array(frames);
  const w = (2 * Math.PI * freqHz) / sampleRate;
  for (let i = 0; i < frames; i++) out[i] = amp * Math.sin(w * i + phase);
  return out;
}

/** Deterministic uniform white noise in [-amp, amp) (xorshift32), so failures reproduce. */
export function noise(frames: number, amp = 1, seed = 12345): Float32Array {
  const out = new Float32Array(frames);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < frames; i++) {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    out[i] = amp * (s / 2147483648 - 1);
  }
  return out;
}

export function peakOf(buf: Float32Array, from = 0, to = buf.length): number {
  let p = 0;
  for (let i = from; i < to; i++) p = Math.max(p, Math.abs(buf[i]!));
  return p;
}

export function rmsOf(buf: Float32Array, from = 0, to = buf.length): number {
  let s = 0;
  for (let i = from; i < to; i++) s += buf[i]! * buf[i]!;
  return Math.sqrt(s / (to - from));
}

export const db = (g: number): number => 20 * Math.log10(g);

/** |DFT| of `h` at freqHz, in dB (single-bin Goertzel-free direct sum). */
export function dftMagDb(h: Float32Array, freqHz: number, sampleRate: number): number {
  const w = (2 * Math.PI * freqHz) / sampleRate;
  let re = 0, im = 0;
  // Rotating phasor instead of cos/sin per tap; re-normalized to limit drift.
  let c = 1, s = 0;
  const cw = Math.cos(w), sw = Math.sin(w);
  for (let n = 0; n < h.length; n++) {
    const x = h[n]!;
    re += x * c;
    im -= x * s;
    const nc = c * cw - s * sw;
    s = s * cw + c * sw;
    c = nc;
    if ((n & 1023) === 1023) {
      const k = 1 / Math.hypot(c, s);
      c *= k; s *= k;
    }
  }
  return 10 * Math.log10(re * re + im * im);
}

/** Log-spaced frequencies from lo to hi inclusive. */
export function logFreqs(lo: number, hi: number, count: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < count; i++) out.push(lo * Math.pow(hi / lo, i / (count - 1)));
  return out;
}

/**
 * Runs `block` `blocks` times after a warm-up and returns heap growth in bytes. A kernel that allocates
 * even one small object per block grows the heap by ≥ 16 bytes × blocks, far above what this returns
 * for an allocation-free loop. Allocations big enough to trigger a GC show up as the heap shrinking
 * within a chunk, which an allocation-free loop never causes: that returns Infinity.
 */
export function heapGrowth(block: () => void, blocks = 10_000): number {
  for (let i = 0; i < 2000; i++) block();
  const chunks = 10;
  const start = process.memoryUsage().heapUsed;
  let last = start;
  for (let c = 0; c < chunks; c++) {
    for (let i = 0; i < blocks / chunks; i++) block();
    const now = process.memoryUsage().heapUsed;
    if (now < last) return Infinity;
    last = now;
  }
  return last - start;
}
