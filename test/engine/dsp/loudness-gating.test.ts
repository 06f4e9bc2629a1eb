/**
 * BS.1770's gating blocks are 400 ms long and start every 100 ms (75 % overlap). On a steady tone any
 * block spacing gives the same answer; on bursts it does not, so the integrated loudness of a burst
 * signal is worked out here by hand from the standard and the meter held to it.
 */
import { describe, expect, it } from 'vitest';
import { measureLoudness } from '../../../src/engine/dsp/loudness.ts';

const FS = 48000;
const AMP = 0.25;

/** A 997 Hz sine, on in [on, off) seconds of every `period` seconds, silent (digital zero) otherwise. */
function bursts(seconds: number, period: number, on: number, off: number): Float32Array {
  const x = new Float32Array(seconds * FS);
  for (let i = 0; i < x.length; i++) {
    const t = (i / FS) % period;
    if (t >= on - 1e-9 && t < off - 1e-9) x[i] = AMP * Math.sin((2 * Math.PI * 997 * i) / FS);
  }
  return x;
}

describe('integrated loudness gating blocks', () => {
  it('overlap by 75 %: a 200 ms burst every 2 s reads 10·log10(0.4) below the tone', () => {
    const tone = measureLoudness([bursts(20, 2, 0, 2), bursts(20, 2, 0, 2)], FS).integratedLufs;
    // The burst sits at 300..500 ms of each 2 s. Blocks start every 100 ms; the five that touch it
    // (starting 0, 100, 200, 300, 400 ms) hold 100, 200, 200, 200, 100 ms of it: energy fractions
    // 0.25, 0.5, 0.5, 0.5, 0.25 of the tone's. Silent blocks fall under the absolute gate, and all five
    // are within 10 LU of their mean, so I = L_tone + 10·log10(2/5) = L_tone − 3.98 LU.
    // Blocks every 400 ms (no overlap) would see two blocks of 0.25 each: L_tone − 6.02 LU.
    const x = bursts(20, 2, 0.3, 0.5);
    const burst = measureLoudness([x, x], FS).integratedLufs;
    expect(tone).toBeCloseTo(-0.691 + 10 * Math.log10(2 * (AMP * AMP) / 2) + 0.691, 1);
    expect(Math.abs(burst - (tone + 10 * Math.log10(0.4)))).toBeLessThan(0.1);
  });
});
