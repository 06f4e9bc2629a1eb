import { describe, expect, it } from 'vitest';
import { Dither } from '../../../src/engine/dsp/dither.ts';
import { heapGrowth, sine } from './helpers.ts';

const LSB16 = 1 / 32768;

function dithered(x: Float32Array, bits: number, shaping = false): Float32Array {
  const d = new Dither(1);
  d.configure({ bits, shaping });
  const y = Float32Array.from(x);
  for (let at = 0; at < y.length; at += 128) d.process([y.subarray(at, Math.min(y.length, at + 128))], Math.min(128, y.length - at));
  return y;
}

function errorStats(x: Float32Array, y: Float32Array, lsb: number): { mean: number; power: number } {
  let s = 0, p = 0;
  for (let i = 0; i < x.length; i++) {
    const e = (y[i]! - x[i]!) / lsb;
    s += e;
    p += e * e;
  }
  return { mean: s / x.length, power: p / x.length };
}

/** Power of `e` in the band below ~1.5 kHz at 44.1 kHz: two passes of a 16-sample moving average. */
function lowBandPower(e: Float64Array): number {
  let p = 0;
  for (let i = 32; i < e.length; i++) {
    let s = 0;
    for (let k = 0; k < 16; k++) for (let j = 0; j < 16; j++) s += e[i - k - j]!;
    p += (s / 256) ** 2;
  }
  return p / (e.length - 32);
}

describe('Dither', () => {
  it('puts every sample on the 16-bit grid', () => {
    const y = dithered(sine(997, 44100, 10000, 0.5), 16);
    for (const v of y) expect(Number.isInteger(v * 32768)).toBe(true);
  });

  it('TPDF: total error has zero mean and 1/4 LSB² power, whatever the signal (no noise modulation)', () => {
    const n = 200_000;
    for (const offset of [0, 0.5 * LSB16, 0.25 * LSB16]) {
      const x = new Float32Array(n).fill(0.1 + offset);
      const { mean, power } = errorStats(x, dithered(x, 16), LSB16);
      expect(Math.abs(mean), `offset ${offset / LSB16} LSB`).toBeLessThan(0.01);
      expect(power, `offset ${offset / LSB16} LSB`).toBeGreaterThan(0.25 * 0.97);
      expect(power, `offset ${offset / LSB16} LSB`).toBeLessThan(0.25 * 1.03);
    }
  });

  it('keeps a tone a third of an LSB tall that plain rounding erases', () => {
    const n = 88200;
    const x = sine(1000, 44100, n, LSB16 / 3);
    const y = dithered(x, 16);
    let corr = 0, ref = 0, rounded = 0;
    for (let i = 0; i < n; i++) {
      corr += y[i]! * x[i]!;
      ref += x[i]! * x[i]!;
      rounded += Math.abs(Math.round(x[i]! * 32768));
    }
    expect(rounded).toBe(0);
    expect(corr / ref).toBeGreaterThan(0.9);
    expect(corr / ref).toBeLessThan(1.1);
  });

  it('noise shaping moves the error out of the low band', () => {
    const n = 60_000;
    const x = sine(440, 44100, n, 0.3);
    const flat = dithered(x, 16, false);
    const shaped = dithered(x, 16, true);
    const e = (y: Float32Array): Float64Array => Float64Array.from(y, (v, i) => (v - x[i]!) / LSB16);
    const ratioDb = 10 * Math.log10(lowBandPower(e(shaped)) / lowBandPower(e(flat)));
    expect(ratioDb).toBeLessThan(-10);
    for (const v of shaped) expect(Number.isInteger(v * 32768)).toBe(true);
  });

  it('24 bits is a much finer grid', () => {
    const x = sine(997, 48000, 48000, 0.5);
    const { power } = errorStats(x, dithered(x, 24), 1 / 8388608);
    expect(power).toBeGreaterThan(0.2);
    expect(power).toBeLessThan(0.3);
  });

  it('clips at full scale without the shaping loop running away', () => {
    const x = new Float32Array(4800).fill(1.2);
    const y = dithered(x, 16, true);
    expect(Math.max(...y)).toBeLessThanOrEqual(32767 / 32768);
    const after = dithered(Float32Array.from({ length: 4800 }, (_, i) => (i < 2400 ? 1.2 : 0)), 16, true);
    for (let i = 2500; i < 4800; i++) expect(Math.abs(after[i]!)).toBeLessThan(8 * LSB16);
  });

  it('does not allocate in process()', () => {
    const d = new Dither(2);
    d.configure({ bits: 16, shaping: true });
    const a = sine(1000, 48000, 128, 0.5);
    const chans = [a, Float32Array.from(a)];
    expect(heapGrowth(() => d.process(chans, 128), 10000)).toBeLessThan(64 * 1024);
  });
});
