import { describe, expect, it } from 'vitest';
import { faderLaw, linearTaper, logTaper, tableTaper, dbToGain, gainToDb } from '../../src/params/taper.ts';

describe('fader law', () => {
  it('puts -inf at the bottom, unity at 3/4 of travel and +10 dB at the top', () => {
    expect(faderLaw.fromNormalized(0)).toBe(-Infinity);
    expect(faderLaw.fromNormalized(0.75)).toBe(0);
    expect(faderLaw.fromNormalized(1)).toBe(10);
    expect(faderLaw.toNormalized(-Infinity)).toBe(0);
    expect(faderLaw.toNormalized(0)).toBe(0.75);
    expect(faderLaw.toNormalized(10)).toBe(1);
  });

  it('passes through its documented curve points', () => {
    const points: Array<[number, number]> = [
      [0.5, -10],
      [0.25, -30],
      [0.0625, -60],
      [0.875, 5],
      [0.375, -20],
      [0.125, -50],
      [1 / 480, -89],
    ];
    for (const [n, db] of points) {
      expect(faderLaw.fromNormalized(n)).toBeCloseTo(db, 9);
      expect(faderLaw.toNormalized(db)).toBeCloseTo(n, 12);
    }
  });

  it('round-trips exactly value → normalized → value over the whole travel', () => {
    for (let i = 1; i <= 10000; i++) {
      const n = i / 10000;
      const db = faderLaw.fromNormalized(n);
      expect(Math.abs(faderLaw.toNormalized(db) - n)).toBeLessThan(1e-12);
    }
    for (let db = -89.95; db <= 10; db += 0.05) {
      expect(Math.abs(faderLaw.fromNormalized(faderLaw.toNormalized(db)) - db)).toBeLessThan(1e-9);
    }
  });

  it('is monotonic and continuous at segment joins', () => {
    let prev = -Infinity;
    for (let i = 1; i <= 1000; i++) {
      const v = faderLaw.fromNormalized(i / 1000);
      expect(v).toBeGreaterThan(prev);
      prev = v;
    }
    for (const join of [0.0625, 0.25, 0.5]) {
      expect(faderLaw.fromNormalized(join - 1e-12)).toBeCloseTo(faderLaw.fromNormalized(join), 6);
    }
  });

  it('clamps out-of-travel positions and levels', () => {
    expect(faderLaw.fromNormalized(1.5)).toBe(10);
    expect(faderLaw.fromNormalized(-1)).toBe(-Infinity);
    expect(faderLaw.toNormalized(20)).toBe(1);
    expect(faderLaw.toNormalized(-200)).toBe(0);
  });
});

describe('other tapers', () => {
  it('linear maps ends and middle', () => {
    const t = linearTaper(-1, 1);
    expect(t.fromNormalized(0.5)).toBe(0);
    expect(t.toNormalized(1)).toBe(1);
    expect(t.toNormalized(-1)).toBe(0);
  });
  it('log gives equal ratios per travel and round-trips', () => {
    const t = logTaper(20, 20000);
    expect(t.fromNormalized(0.5)).toBeCloseTo(Math.sqrt(20 * 20000), 6);
    for (let i = 0; i <= 100; i++) expect(t.toNormalized(t.fromNormalized(i / 100))).toBeCloseTo(i / 100, 12);
    expect(() => logTaper(0, 10)).toThrow(/0 < min < max/);
  });
  it('table interpolates and round-trips', () => {
    const t = tableTaper([
      [0, 0],
      [0.5, 10],
      [1, 100],
    ]);
    expect(t.fromNormalized(0.25)).toBe(5);
    expect(t.fromNormalized(0.75)).toBe(55);
    expect(t.toNormalized(55)).toBeCloseTo(0.75, 12);
    expect(() => tableTaper([[0, 1]])).toThrow(/two points/);
  });
  it('converts dB and gain', () => {
    expect(dbToGain(-Infinity)).toBe(0);
    expect(dbToGain(-6.0206)).toBeCloseTo(0.5, 4);
    expect(gainToDb(0)).toBe(-Infinity);
    expect(gainToDb(10)).toBeCloseTo(20, 12);
  });
});

describe('fader law bottom', () => {
  it('treats -90 dB and below as off', () => {
    expect(faderLaw.toNormalized(-90)).toBe(0);
    expect(faderLaw.fromNormalized(faderLaw.toNormalized(-90))).toBe(-Infinity);
  });
});
