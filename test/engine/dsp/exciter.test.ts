import { describe, expect, it } from 'vitest';
import { Exciter } from '../../../src/engine/dsp/exciter.ts';
import { dftMagDb, heapGrowth, sine } from './helpers.ts';

const FS = 48000;
const BLOCK = 128;

function excite(amountPct: number, x: Float32Array): Float32Array {
  const e = new Exciter(FS, BLOCK, 1);
  e.configure(amountPct);
  const y = Float32Array.from(x);
  for (let at = 0; at < y.length; at += BLOCK) e.process([y.subarray(at, at + BLOCK)], Math.min(BLOCK, y.length - at));
  return y;
}

describe('Exciter', () => {
  it('0 % is an exact bypass', () => {
    const x = sine(5000, FS, 4800, 0.5);
    expect(Array.from(excite(0, x))).toEqual(Array.from(x));
  });

  it('adds 2nd and 3rd harmonics of the presence band and nothing that folds back', () => {
    const x = sine(4000, FS, FS, 0.3);
    const y = excite(100, x).subarray(FS / 2);
    const ref = dftMagDb(x.subarray(FS / 2), 4000, FS);
    const h2 = dftMagDb(y, 8000, FS) - ref;
    const h3 = dftMagDb(y, 12000, FS) - ref;
    expect(h2).toBeGreaterThan(-40);
    expect(h2).toBeLessThan(-6);
    expect(h3).toBeGreaterThan(-60);
    // 4th harmonic (16 kHz) would only come from a higher-order curve: absent.
    expect(dftMagDb(y, 16000, FS) - ref).toBeLessThan(-100);
  });

  it('leaves the lows alone', () => {
    const x = sine(200, FS, FS, 0.5);
    const y = excite(100, x);
    let d = 0;
    for (let i = FS / 2; i < FS; i++) d = Math.max(d, Math.abs(y[i]! - x[i]!));
    expect(d).toBeLessThan(0.001);
  });

  it('does not allocate in process()', () => {
    const e = new Exciter(FS, BLOCK, 2);
    e.configure(50);
    const a = sine(4000, FS, BLOCK, 0.5);
    const chans = [a, Float32Array.from(a)];
    expect(heapGrowth(() => e.process(chans, BLOCK), 10000)).toBeLessThan(64 * 1024);
  });
});
