import { describe, expect, it } from 'vitest';
import { SATURATION_REFERENCE_DB, Saturator } from '../../../src/engine/dsp/saturation.ts';
import { db, dftMagDb, heapGrowth, peakOf, rmsOf, sine } from './helpers.ts';

const FS = 48000;
const REF = Math.pow(10, SATURATION_REFERENCE_DB / 20);

function through(driveDb: number, mixPct: number, x: Float32Array): Float32Array {
  const s = new Saturator(FS);
  s.configure({ driveDb, mixPct });
  s.settle();
  const y = x.slice();
  s.process(y, y.length);
  return y;
}

/** Level of the 3rd harmonic relative to the fundamental (dB). */
function thirdHarmonicDbc(y: Float32Array, f0: number): number {
  return dftMagDb(y, 3 * f0, FS) - dftMagDb(y, f0, FS);
}

describe('Saturator', () => {
  it('keeps the reference-level sine at the same RMS whatever the drive (peak only ever lower)', () => {
    // 1 kHz × 4800 samples = 100 whole periods, so the DFT bins are exact.
    const x = sine(1000, FS, 4800, REF);
    for (const drive of [0, 6, 12, 18, 24]) {
      const y = through(drive, 100, x);
      expect(Math.abs(db(rmsOf(y) / rmsOf(x))), `drive ${drive}`).toBeLessThan(0.05);
      expect(db(peakOf(y) / REF), `drive ${drive}`).toBeLessThan(0.01);
      expect(db(peakOf(y) / REF), `drive ${drive}`).toBeGreaterThan(-2);
    }
  });

  it('more drive means more harmonics', () => {
    const x = sine(1000, FS, 4800, REF);
    const h = [0, 6, 12, 24].map((d) => thirdHarmonicDbc(through(d, 100, x), 1000));
    for (let k = 1; k < h.length; k++) expect(h[k]!).toBeGreaterThan(h[k - 1]! + 3);
    expect(h[0]!).toBeLessThan(-50);
    expect(h[3]!).toBeGreaterThan(-20);
  });

  it('mix 0 % is the dry signal, 50 % is the average of dry and wet', () => {
    const x = sine(500, FS, 960, 0.8);
    expect(Array.from(through(12, 0, x))).toEqual(Array.from(x));
    const wet = through(12, 100, x), half = through(12, 50, x);
    for (let i = 0; i < x.length; i += 7) expect(half[i]).toBeCloseTo((x[i]! + wet[i]!) / 2, 6);
  });

  it('drive changes glide without a step', () => {
    const s = new Saturator(FS);
    s.configure({ driveDb: 0, mixPct: 100 });
    s.settle();
    const x = sine(200, FS, 9600, 0.5);
    let prev = 0, maxStep = 0;
    for (let at = 0; at < x.length; at += 128) {
      if (at === 4096) s.configure({ driveDb: 24, mixPct: 100 });
      const b = x.subarray(at, at + 128);
      s.process(b, 128);
      for (let i = 0; i < 128; i++) { maxStep = Math.max(maxStep, Math.abs(b[i]! - prev)); prev = b[i]!; }
    }
    // The 200 Hz sine at 0.5 moves ≤ 0.013 per sample; an instant 24 dB drive change would jump far more.
    expect(maxStep).toBeLessThan(0.03);
  });

  it('process() does not allocate, steady or gliding', () => {
    const s = new Saturator(FS);
    const x = sine(100, FS, 128, 0.7);
    let k = 0;
    expect(heapGrowth(() => {
      if ((k++ & 63) === 0) s.configure({ driveDb: (k & 64) ? 3 : 18, mixPct: 80 });
      s.process(x, 128);
    })).toBeLessThan(32 * 1024);
  });
});
