import { describe, expect, it } from 'vitest';
import { MAX_GLIDE_RATE, StereoDelay } from '../../../src/engine/dsp/delay.ts';
import { heapGrowth, noise, peakOf, sine } from './helpers.ts';

const FS = 48000;
const BLOCK = 128;

function render(d: StereoDelay, inL: Float32Array, inR: Float32Array, each?: (at: number) => void): { l: Float32Array; r: Float32Array } {
  const n = inL.length;
  const l = new Float32Array(n), r = new Float32Array(n);
  for (let at = 0; at < n; at += BLOCK) {
    each?.(at);
    const f = Math.min(BLOCK, n - at);
    d.process(inL.subarray(at, at + f), inR.subarray(at, at + f), l.subarray(at, at + f), r.subarray(at, at + f), f);
  }
  return { l, r };
}

describe('StereoDelay', () => {
  it('echoes an impulse at timeMs with feedback^k amplitude, each side on its own', () => {
    const d = new StereoDelay(FS, BLOCK);
    d.configure({ timeMs: 125, feedbackPct: 50, dampingPct: 0 });
    d.settle();
    const inL = new Float32Array(FS), inR = new Float32Array(FS);
    inL[0] = 1;
    const { l, r } = render(d, inL, inR);
    const t = 6000;
    expect(l[t]).toBeCloseTo(1, 6);
    expect(l[2 * t]).toBeCloseTo(0.5, 6);
    expect(l[3 * t]).toBeCloseTo(0.25, 6);
    expect(peakOf(l, 0, t)).toBe(0);
    expect(peakOf(l, t + 1, 2 * t)).toBeLessThan(1e-9);
    expect(peakOf(r)).toBe(0);
  });

  it('damping low-passes the repeats: DC gain kept, highs lost', () => {
    const d = new StereoDelay(FS, BLOCK);
    d.configure({ timeMs: 100, feedbackPct: 80, dampingPct: 60 });
    d.settle();
    const inL = new Float32Array(FS), inR = new Float32Array(FS);
    inL[0] = 1;
    const { l } = render(d, inL, inR);
    const t = 4800;
    let sum = 0;
    for (let i = 2 * t - 10; i < 3 * t - 10; i++) sum += l[i]!;
    expect(sum).toBeCloseTo(0.8, 3); // one trip through the loop: feedback × unit-DC low-pass
    expect(peakOf(l, 2 * t - 10, 3 * t - 10)).toBeLessThan(0.5);
  });

  it('a time change glides: no click on a sine, speed limited, target reached', () => {
    const d = new StereoDelay(FS, BLOCK);
    d.configure({ timeMs: 100, feedbackPct: 0, dampingPct: 0 });
    d.settle();
    const x = sine(440, FS, 3 * FS);
    const { l } = render(d, x, x, (at) => {
      if (at === FS / 2 - (FS / 2) % BLOCK) d.configure({ timeMs: 500, feedbackPct: 0, dampingPct: 0 });
    });
    const slope = (2 * Math.PI * 440) / FS;
    let maxStep = 0;
    for (let i = FS * 0.1 + 1; i < l.length; i++) maxStep = Math.max(maxStep, Math.abs(l[i]! - l[i - 1]!));
    // Pitch moves by at most MAX_GLIDE_RATE, so the slope grows by at most that factor.
    expect(maxStep).toBeLessThan(slope * (1 + MAX_GLIDE_RATE) * 1.02);
    expect(d.currentTimeMs).toBeCloseTo(500, 3);
  });

  it('stays bounded at 95 % feedback on 10 s of full-scale noise, and recovers from NaN', () => {
    const d = new StereoDelay(FS, BLOCK);
    d.configure({ timeMs: 10, feedbackPct: 95, dampingPct: 0 });
    const x = noise(10 * FS, 1, 3);
    const { l } = render(d, x, x);
    expect(Number.isFinite(peakOf(l))).toBe(true);
    expect(peakOf(l)).toBeLessThan(20);
    const bad = new Float32Array(BLOCK).fill(NaN);
    render(d, bad, bad);
    const after = render(d, x.subarray(0, FS), x.subarray(0, FS));
    expect(Number.isFinite(peakOf(after.l))).toBe(true);
  });

  it('process() does not allocate, also while gliding', () => {
    const d = new StereoDelay(FS, BLOCK);
    d.configure({ timeMs: 2000, feedbackPct: 60, dampingPct: 40 });
    const x = noise(BLOCK, 0.5), l = new Float32Array(BLOCK), r = new Float32Array(BLOCK);
    let k = 0;
    const block = (): void => {
      if ((k++ & 255) === 0) d.configure({ timeMs: (k & 256) ? 300 : 1200, feedbackPct: 60, dampingPct: 40 });
      d.process(x, x, l, r, BLOCK);
    };
    // A first round only to warm up: a block takes ~1 µs, and on a loaded machine the optimizing
    // compiler may not be done within heapGrowth's own warm-up (unoptimized code boxes doubles).
    heapGrowth(block);
    expect(heapGrowth(block)).toBeLessThan(32 * 1024);
  });
});
