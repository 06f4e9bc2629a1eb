import { describe, expect, it } from 'vitest';
import { Resampler, resampleChannels } from '../../../src/engine/dsp/resample.ts';
import { sine } from './helpers.ts';

/** Least-squares fit of a sine at freqHz to `y` (rate fs) over its middle: amplitude and residual power. */
function fit(y: Float32Array, freqHz: number, fs: number): { amp: number; residual: number } {
  const from = Math.floor(y.length * 0.25), to = Math.floor(y.length * 0.75);
  const w = (2 * Math.PI * freqHz) / fs;
  let ss = 0, sc = 0, cc = 0, sy = 0, cy = 0;
  for (let j = from; j < to; j++) {
    const s = Math.sin(w * j), c = Math.cos(w * j);
    ss += s * s; sc += s * c; cc += c * c; sy += s * y[j]!; cy += c * y[j]!;
  }
  const det = ss * cc - sc * sc;
  const a = (sy * cc - cy * sc) / det, b = (cy * ss - sy * sc) / det;
  let res = 0;
  for (let j = from; j < to; j++) res += (y[j]! - a * Math.sin(w * j) - b * Math.cos(w * j)) ** 2;
  return { amp: Math.hypot(a, b), residual: res / (to - from) };
}

/** Passband ripple (dB, peak to peak) and worst stopband leakage (dB re input) for one conversion. */
function measure(from: number, to: number): { rippleDb: number; rejectionDb: number } {
  const r = new Resampler(from, to);
  const n = Math.round(from * 0.25);
  const gains: number[] = [];
  for (let f = 20; f <= 19800; f *= 1.5) {
    const { amp } = fit(r.process(sine(f, from, n, 0.5)), f, to);
    gains.push(20 * Math.log10(amp / 0.5));
  }
  gains.push(20 * Math.log10(fit(r.process(sine(19800, from, n, 0.5)), 19800, to).amp / 0.5));
  const rippleDb = Math.max(...gains) - Math.min(...gains);
  let worst = -Infinity;
  const nyqLow = Math.min(from, to) / 2;
  if (to < from) {
    // Input above the output Nyquist must vanish (it would alias).
    for (let f = nyqLow + 50; f < from / 2; f += 311) {
      const y = r.process(sine(f, from, n, 0.5));
      let p = 0;
      const a = Math.floor(y.length / 4), b = Math.floor((3 * y.length) / 4);
      for (let j = a; j < b; j++) p += y[j]! ** 2;
      worst = Math.max(worst, 10 * Math.log10(p / (b - a) / 0.125));
    }
  } else {
    // Upsampling: everything but the tone itself is an image.
    for (let f = 1000; f < nyqLow * 0.9; f += 1733) {
      const { residual } = fit(r.process(sine(f, from, n, 0.5)), f, to);
      worst = Math.max(worst, 10 * Math.log10(residual / 0.125));
    }
  }
  if (process.env.FADERD_PRINT) console.log(`${from} -> ${to}: ripple ${rippleDb.toExponential(2)} dB, rejection ${(-worst).toFixed(1)} dB`);
  return { rippleDb, rejectionDb: -worst };
}

// Figures printed for the doc comment of resample.ts when FADERD_PRINT is set.
describe('Resampler (polyphase Kaiser-windowed sinc)', () => {
  it('48 k → 44.1 k: passband ripple ≤ 0.001 dB, stopband rejection ≥ 95 dB', () => {
    const { rippleDb, rejectionDb } = measure(48000, 44100);
    expect(rippleDb).toBeLessThanOrEqual(0.001);
    expect(rejectionDb).toBeGreaterThanOrEqual(95);
  });

  it('44.1 k → 48 k: passband ripple ≤ 0.001 dB, image rejection ≥ 95 dB', () => {
    const { rippleDb, rejectionDb } = measure(44100, 48000);
    expect(rippleDb).toBeLessThanOrEqual(0.001);
    expect(rejectionDb).toBeGreaterThanOrEqual(95);
  });

  it('keeps time: a tone keeps its frequency and phase, length is scaled', () => {
    const r = new Resampler(96000, 44100);
    const x = sine(1000, 96000, 96000, 0.5);
    const y = r.process(x);
    expect(y.length).toBe(44100);
    for (let j = 1000; j < 43000; j += 997) expect(y[j]).toBeCloseTo(0.5 * Math.sin((2 * Math.PI * 1000 * j) / 44100), 4);
  });

  it('handles a ratio with more phases than the table holds (interpolated rows)', () => {
    const r = new Resampler(44100, 47999);
    expect(r.up).toBeGreaterThan(4096);
    const { amp, residual } = fit(r.process(sine(997, 44100, 22050, 0.5)), 997, 47999);
    expect(Math.abs(20 * Math.log10(amp / 0.5))).toBeLessThan(0.001);
    expect(10 * Math.log10(residual / 0.125)).toBeLessThan(-90);
  });

  it('equal rates pass through; bad rates are refused clearly', () => {
    const a = new Float32Array(10);
    expect(resampleChannels([a], 48000, 48000)[0]).toBe(a);
    expect(() => new Resampler(48000, 0)).toThrow(/toRate/);
    expect(() => new Resampler(44100.5, 48000)).toThrow(/fromRate/);
  });
});
