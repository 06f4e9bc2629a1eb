import { describe, expect, it } from 'vitest';
import { LoudnessMeter } from '../../../src/engine/dsp/loudness.ts';
import { heapGrowth, noise } from './helpers.ts';

/**
 * In its own file on purpose: code run only every 100 ms (the gating-block step) stays cold in a
 * fresh process, and cold code boxes every double it touches. loudness.test.ts warms those paths
 * with whole programmes first, which would hide the problem.
 */
describe('LoudnessMeter, cold', () => {
  it('does not allocate in silence (the master chain runs two of these in every block)', () => {
    const m = new LoudnessMeter(48000, 2);
    const chans = [new Float32Array(128), new Float32Array(128)];
    heapGrowth(() => m.process(chans, 128), 20000);
    // ~1,000 gating-block steps in 40,000 blocks: one boxed double per step would add ≥ 16 KB.
    expect(heapGrowth(() => m.process(chans, 128), 40000)).toBeLessThan(8 * 1024);
  });

  it('does not allocate on programme either', () => {
    const m = new LoudnessMeter(48000, 2);
    const a = noise(128, 0.5, 9);
    const chans = [a, Float32Array.from(a)];
    heapGrowth(() => m.process(chans, 128), 20000);
    expect(heapGrowth(() => m.process(chans, 128), 40000)).toBeLessThan(8 * 1024);
  });
});
