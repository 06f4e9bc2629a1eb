import v8 from 'node:v8';
import vm from 'node:vm';

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

let gcFn: (() => void) | undefined;

/** A full GC, so no sweeping left over from earlier work shrinks the heap during a measurement. */
function forceGc(): void {
  if (!gcFn) {
    v8.setFlagsFromString('--expose-gc');
    gcFn = vm.runInNewContext('gc') as () => void;
  }
  gcFn();
}

function youngBytes(): number {
  for (const s of v8.getHeapSpaceStatistics()) if (s.space_name === 'new_space') return s.space_used_size;
  return 0;
}

/**
 * Runs `block` `blocks` times after a warm-up and returns the bytes it allocated in the young
 * generation, where every short-lived object lands first (compiled code and feedback metadata go
 * elsewhere, so they add no noise). After a forced GC the young generation is empty; an
 * allocation-free loop leaves it so. A kernel that allocates even one small object per block adds
 * ≥ 16 bytes × blocks; allocations big enough to trigger a collection empty it again, which shows as
 * shrinking: that returns Infinity.
 *
 * The smallest of up to three windows: on a busy machine V8 may still be (re)compiling the kernel
 * during the first one (a deoptimization after the earlier tests' inputs, then a compile on the
 * background thread), and code that is not optimized boxes doubles; an allocation in the kernel
 * itself shows in every window.
 */
export function heapGrowth(block: () => void, blocks = 10_000): number {
  // Long enough for the optimizing compiler to take over: interpreted code boxes doubles on the heap.
  for (let i = 0; i < 20_000; i++) block();
  let best = Infinity;
  for (let w = 0; w < 3 && best >= 1024; w++) {
    forceGc();
    const before = youngBytes();
    for (let i = 0; i < blocks; i++) block();
    const after = youngBytes();
    if (after >= before && after - before < best) best = after - before;
  }
  return best;
}
