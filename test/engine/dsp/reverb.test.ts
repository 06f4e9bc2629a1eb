import { describe, expect, it } from 'vitest';
import { Reverb } from '../../../src/engine/dsp/reverb.ts';
import type { ReverbSettings } from '../../../src/engine/dsp/reverb.ts';
import { Biquad } from '../../../src/engine/dsp/biquad.ts';
import { heapGrowth, noise, peakOf } from './helpers.ts';

const FS = 48000;
const BLOCK = 256;

function impulseResponse(s: ReverbSettings, seconds: number): { l: Float32Array; r: Float32Array } {
  const rev = new Reverb(FS, BLOCK);
  rev.configure(s);
  const n = Math.ceil((seconds * FS) / BLOCK) * BLOCK;
  const inL = new Float32Array(n), inR = new Float32Array(n);
  inL[0] = 1;
  const l = new Float32Array(n), r = new Float32Array(n);
  for (let at = 0; at < n; at += BLOCK) {
    rev.process(inL.subarray(at, at + BLOCK), inR.subarray(at, at + BLOCK), l.subarray(at, at + BLOCK), r.subarray(at, at + BLOCK), BLOCK);
  }
  return { l, r };
}

/** RT60 from Schroeder backward integration, T20 method (fit -5..-25 dB, ×3). */
function rt60Ms(l: Float32Array, r: Float32Array): number {
  const n = l.length;
  const edc = new Float64Array(n);
  let acc = 0;
  for (let i = n - 1; i >= 0; i--) { acc += l[i]! * l[i]! + r[i]! * r[i]!; edc[i] = acc; }
  const at = (dbBelow: number): number => {
    const lim = edc[0]! * Math.pow(10, -dbBelow / 10);
    for (let i = 0; i < n; i++) if (edc[i]! <= lim) return i;
    return n;
  };
  return ((at(25) - at(5)) * 3 * 1000) / FS;
}

/** Energy of `x` in [from, to) after a 2nd-order filter (for band comparisons). */
function bandEnergy(x: Float32Array, type: 'lowpass' | 'highpass', freqHz: number, from: number, to: number): number {
  const f = new Biquad(FS);
  f.configure(type, freqHz, Math.SQRT1_2);
  const y = x.slice();
  f.process(y, y.length);
  let e = 0;
  for (let i = from; i < to; i++) e += y[i]! * y[i]!;
  return e;
}

describe('Reverb', () => {
  for (const decayMs of [400, 1500, 4000]) {
    for (const sizePct of [20, 80]) {
      it(`measured RT60 is within ±20 % of decayMs ${decayMs} (size ${sizePct} %)`, () => {
        const ir = impulseResponse({ sizePct, decayMs, dampingPct: 0, predelayMs: 0 }, (decayMs * 0.8) / 1000 + 0.3);
        const t60 = rt60Ms(ir.l, ir.r);
        expect(t60).toBeGreaterThan(decayMs * 0.8);
        expect(t60).toBeLessThan(decayMs * 1.2);
      });
    }
  }

  it('predelay shows in the onset of the impulse response', () => {
    const onset = (predelayMs: number): number => {
      const { l, r } = impulseResponse({ sizePct: 50, decayMs: 500, dampingPct: 0, predelayMs }, 0.5);
      for (let i = 0; i < l.length; i++) if (Math.abs(l[i]!) > 1e-6 || Math.abs(r[i]!) > 1e-6) return i;
      return -1;
    };
    const o0 = onset(0), o100 = onset(100), o250 = onset(250);
    expect(o100 - o0).toBe(4800);
    expect(o250 - o0).toBe(12000);
    expect(o0).toBeLessThan(FS * 0.05);
  });

  it('damping lowers the high-frequency decay but keeps the low end', () => {
    const s = { sizePct: 60, decayMs: 2000, predelayMs: 0 };
    const dry = impulseResponse({ ...s, dampingPct: 0 }, 1);
    const damped = impulseResponse({ ...s, dampingPct: 80 }, 1);
    const from = FS * 0.4, to = FS;
    const hf = (x: Float32Array): number => bandEnergy(x, 'highpass', 6000, from, to);
    const lf = (x: Float32Array): number => bandEnergy(x, 'lowpass', 300, from, to);
    const hfDropDb = 10 * Math.log10(hf(damped.l) / hf(dry.l));
    const lfDropDb = 10 * Math.log10(lf(damped.l) / lf(dry.l));
    expect(hfDropDb).toBeLessThan(-20);
    expect(Math.abs(lfDropDb)).toBeLessThan(6);
  });

  it('a mono impulse comes out on both sides, decorrelated', () => {
    const { l, r } = impulseResponse({ sizePct: 50, decayMs: 1500, dampingPct: 30, predelayMs: 0 }, 1);
    let ll = 0, rr = 0, lr = 0;
    for (let i = 0; i < l.length; i++) { ll += l[i]! * l[i]!; rr += r[i]! * r[i]!; lr += l[i]! * r[i]!; }
    expect(10 * Math.log10(rr / ll)).toBeGreaterThan(-3);
    expect(Math.abs(lr / Math.sqrt(ll * rr))).toBeLessThan(0.3);
  });

  it('stays bounded: 30 s of full-scale noise into a 20 s decay', () => {
    const rev = new Reverb(FS, BLOCK);
    rev.configure({ sizePct: 100, decayMs: 20000, dampingPct: 0, predelayMs: 50 });
    const x = noise(FS, 1, 7);
    const outL = new Float32Array(BLOCK), outR = new Float32Array(BLOCK);
    let peak = 0;
    let lastSecondPeak = 0;
    for (let sec = 0; sec < 30; sec++) {
      lastSecondPeak = 0;
      for (let at = 0; at < FS; at += BLOCK) {
        const n = Math.min(BLOCK, FS - at);
        const b = x.subarray(at, at + n);
        rev.process(b, b, outL, outR, n);
        lastSecondPeak = Math.max(lastSecondPeak, peakOf(outL, 0, n), peakOf(outR, 0, n));
      }
      peak = Math.max(peak, lastSecondPeak);
    }
    expect(Number.isFinite(peak)).toBe(true);
    expect(peak).toBeLessThan(30);
    expect(lastSecondPeak).toBeGreaterThan(0.1);
  });

  it('process() does not allocate', () => {
    const rev = new Reverb(FS, BLOCK);
    const x = noise(BLOCK, 0.5), l = new Float32Array(BLOCK), r = new Float32Array(BLOCK);
    expect(heapGrowth(() => rev.process(x, x, l, r, BLOCK))).toBeLessThan(32 * 1024);
  });
});

describe('Reverb robustness', () => {
  it('recovers from a NaN block', () => {
    const rev = new Reverb(FS, BLOCK);
    const bad = new Float32Array(BLOCK).fill(NaN), l = new Float32Array(BLOCK), r = new Float32Array(BLOCK);
    rev.process(bad, bad, l, r, BLOCK);
    const x = noise(BLOCK, 0.5);
    let peak = 0;
    for (let k = 0; k < 200; k++) {
      rev.process(x, x, l, r, BLOCK);
      peak = Math.max(peak, peakOf(l), peakOf(r));
    }
    expect(Number.isFinite(peak)).toBe(true);
    expect(peak).toBeGreaterThan(0);
  });
});

describe('Reverb size changes', () => {
  /** Largest sample-to-sample step of the tail in the 0.4 s after a size change at 50 ms into it. */
  function tailStep(sizeTo: number | null): number {
    const rev = new Reverb(FS, BLOCK);
    rev.configure({ sizePct: 30, decayMs: 3000, dampingPct: 60, predelayMs: 0 });
    // Low-passed noise, so the tail's own steps are small and a click stands out.
    const x = noise(BLOCK * 94, 0.5, 3);
    const lp = new Biquad(FS);
    lp.configure('lowpass', 400, Math.SQRT1_2);
    lp.process(x, x.length);
    const silent = new Float32Array(BLOCK), l = new Float32Array(BLOCK), r = new Float32Array(BLOCK);
    for (let at = 0; at < x.length; at += BLOCK) rev.process(x.subarray(at, at + BLOCK), x.subarray(at, at + BLOCK), l, r, BLOCK);
    let prev = l[BLOCK - 1]!, maxStep = 0;
    const changeAt = Math.round((0.05 * FS) / BLOCK), blocks = Math.round((0.45 * FS) / BLOCK);
    for (let b = 0; b < blocks; b++) {
      if (b === changeAt && sizeTo !== null) rev.configure({ sizePct: sizeTo, decayMs: 3000, dampingPct: 60, predelayMs: 0 });
      rev.process(silent, silent, l, r, BLOCK);
      if (b >= changeAt) for (let i = 0; i < BLOCK; i++) maxStep = Math.max(maxStep, Math.abs(l[i]! - prev)), (prev = l[i]!);
      else prev = l[BLOCK - 1]!;
    }
    return maxStep;
  }

  it('a size change on a ringing tail glides: no larger steps than the tail makes anyway', () => {
    const still = tailStep(null);
    expect(still).toBeGreaterThan(1e-4);
    for (const to of [100, 60, 0]) expect(tailStep(to) / still).toBeLessThan(1.5);
  });

  it('the glide reaches the new size: the decay time then follows it', () => {
    const rev = new Reverb(FS, BLOCK);
    rev.configure({ sizePct: 0, decayMs: 1000, dampingPct: 0, predelayMs: 0 });
    const x = noise(BLOCK, 0.5), l = new Float32Array(BLOCK), r = new Float32Array(BLOCK);
    rev.process(x, x, l, r, BLOCK);
    rev.configure({ sizePct: 100, decayMs: 1000, dampingPct: 0, predelayMs: 0 });
    // 70 % of 89.7 ms at 48 kHz is ~3000 samples of travel at 0.05 per sample: 1.3 s.
    for (let b = 0; b < (1.5 * FS) / BLOCK; b++) rev.process(x, x, l, r, BLOCK);
    const lengths = (rev as unknown as { lengths: Float64Array; lengthTargets: Float64Array });
    expect(Array.from(lengths.lengths)).toEqual(Array.from(lengths.lengthTargets));
    expect(lengths.lengths[7]).toBe(Math.round(89.7 * 48));
  });

  it('process() does not allocate while gliding', () => {
    const rev = new Reverb(FS, BLOCK);
    const x = noise(BLOCK, 0.5), l = new Float32Array(BLOCK), r = new Float32Array(BLOCK);
    let k = 0;
    const s = { sizePct: 0, decayMs: 1500, dampingPct: 30, predelayMs: 10 };
    expect(heapGrowth(() => {
      // Every 512 blocks: a full-range glide takes ~230 of them, so about half the blocks glide.
      if ((k++ & 511) === 0) {
        s.sizePct = 100 - s.sizePct;
        rev.configure(s);
      }
      rev.process(x, x, l, r, BLOCK);
    })).toBeLessThan(32 * 1024);
  });
});
