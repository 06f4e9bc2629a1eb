import { describe, expect, it } from 'vitest';
import { TiltEq } from '../../../src/engine/dsp/tilt.ts';
import { db, rmsOf, sine } from './helpers.ts';

const FS = 48000;

function measuredGainDb(tiltDb: number, f: number): number {
  const t = new TiltEq(FS, 1);
  t.configure(tiltDb);
  const x = sine(f, FS, FS, 0.5);
  const y = Float32Array.from(x);
  t.process([y], y.length);
  return db(rmsOf(y, FS / 2) / rmsOf(x, FS / 2));
}

describe('TiltEq', () => {
  it('pivots on 1 kHz and reaches ±tilt/2 at the band edges', () => {
    for (const tilt of [6, -6, 3]) {
      const t = new TiltEq(FS, 1);
      t.configure(tilt);
      expect(Math.abs(t.magnitudeDb(1000))).toBeLessThan(1e-9);
      expect(Math.abs(t.magnitudeDb(20) + tilt / 2)).toBeLessThan(0.05);
      expect(Math.abs(t.magnitudeDb(20000) - tilt / 2)).toBeLessThan(0.15);
    }
  });

  it('the processed signal follows the analytic response', () => {
    const t = new TiltEq(FS, 1);
    t.configure(4);
    for (const f of [50, 300, 1000, 3000, 12000]) expect(measuredGainDb(4, f)).toBeCloseTo(t.magnitudeDb(f), 1);
    expect(measuredGainDb(4, 100)).toBeLessThan(-1.5);
    expect(measuredGainDb(4, 10000)).toBeGreaterThan(1.5);
  });

  it('0 dB passes audio untouched', () => {
    const t = new TiltEq(FS, 2);
    t.configure(0);
    const x = sine(440, FS, 512, 0.3);
    const y = Float32Array.from(x);
    t.process([y, y], 512);
    expect(Array.from(y)).toEqual(Array.from(x));
  });
});
