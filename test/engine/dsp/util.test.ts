import { describe, expect, it } from 'vitest';
import { fastTanh, nextPow2 } from '../../../src/engine/dsp/util.ts';

describe('fastTanh', () => {
  it('is within 1.2e-8 of Math.tanh everywhere (denser near the switch at |x| = 2)', () => {
    let worst = 0;
    const check = (x: number): void => {
      worst = Math.max(worst, Math.abs(fastTanh(x) - Math.tanh(x)), Math.abs(fastTanh(-x) + Math.tanh(x)));
    };
    for (let k = 0; k <= 200_000; k++) check(k * 5e-5); // 0 .. 10
    for (let k = 0; k <= 20_000; k++) check(1.99 + k * 1e-6);
    for (const x of [1e-300, 1e-12, 1e-6, 20, 400, 1e6, Number.MAX_VALUE]) check(x);
    expect(worst).toBeLessThan(1.2e-8);
  });

  it('is odd, exact at 0, ±1 at infinity, never above 1 in magnitude, NaN for NaN', () => {
    expect(fastTanh(0)).toBe(0);
    expect(fastTanh(Infinity)).toBe(1);
    expect(fastTanh(-Infinity)).toBe(-1);
    for (let x = 0; x < 50; x += 0.01) {
      expect(fastTanh(-x)).toBe(-fastTanh(x));
      expect(Math.abs(fastTanh(x))).toBeLessThanOrEqual(1);
    }
    expect(fastTanh(NaN)).toBeNaN();
  });
});

describe('nextPow2', () => {
  it('is the smallest power of two at or above n, and 1 for n ≤ 1', () => {
    expect([0, 1, 2, 3, 4, 5, 1023, 1024, 1025, 96_001].map(nextPow2)).toEqual([1, 1, 2, 4, 4, 8, 1024, 1024, 2048, 131_072]);
    expect(nextPow2(2.5)).toBe(4);
  });
});
