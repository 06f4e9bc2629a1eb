import { describe, expect, it } from 'vitest';
import { Oversampler } from '../../../src/engine/dsp/oversampler.ts';
import { sine } from './helpers.ts';

const FS = 48000;

/** Amplitude of the upsampled output of a sine, fitted against the ideal 4× sine (least squares). */
function upsampledGainDb(freqHz: number): { gainDb: number; residualDb: number } {
  const os = new Oversampler(4);
  const n = 4800;
  const x = sine(freqHz, FS, n, 0.5);
  const y = new Float64Array(4 * n);
  os.upsample(x, n, y);
  // Ideal output: the sine at 4·fs, delayed by the latency.
  let ss = 0, sc = 0, cc = 0, sy = 0, cy = 0;
  const w = (2 * Math.PI * freqHz) / (4 * FS);
  for (let j = 4 * 200; j < 4 * n; j++) {
    const t = j - 4 * os.latency;
    const s = Math.sin(w * t), c = Math.cos(w * t);
    ss += s * s; sc += s * c; cc += c * c; sy += s * y[j]!; cy += c * y[j]!;
  }
  const det = ss * cc - sc * sc;
  const a = (sy * cc - cy * sc) / det;
  const b = (cy * ss - sy * sc) / det;
  let res = 0, sig = 0;
  for (let j = 4 * 200; j < 4 * n; j++) {
    const t = j - 4 * os.latency;
    const fit = a * Math.sin(w * t) + b * Math.cos(w * t);
    res += (y[j]! - fit) ** 2;
    sig += fit * fit;
  }
  return { gainDb: 20 * Math.log10(Math.hypot(a, b) / 0.5), residualDb: 10 * Math.log10(res / sig) };
}

describe('Oversampler', () => {
  it('is flat within ±0.05 dB up to 20 kHz at 48 kHz and lands on the ideal waveform', () => {
    for (const f of [100, 1000, 5000, 10000, 15000, 18000, 20000]) {
      const { gainDb, residualDb } = upsampledGainDb(f);
      expect(Math.abs(gainDb), `${f} Hz`).toBeLessThan(0.05);
      expect(residualDb, `${f} Hz`).toBeLessThan(-40);
    }
    expect(upsampledGainDb(1000).residualDb).toBeLessThan(-70);
  });

  it('phase 0 is the input itself, delayed by the latency', () => {
    const os = new Oversampler(4);
    const x = sine(1234, FS, 256, 0.7);
    const y = new Float32Array(4 * 256);
    os.upsample(x, 256, y);
    for (let i = os.latency; i < 256; i++) expect(y[4 * i]).toBe(x[i - os.latency]);
  });

  it('finds the intersample peak of an fs/4 tone sampled at ±45°', () => {
    const os = new Oversampler(4);
    const x = sine(FS / 4, FS, 4800, 1, Math.PI / 4);
    const p = new Float64Array(4800);
    os.peaks(x, 4800, p);
    let sample = 0, inter = 0;
    for (let i = 100; i < 4800; i++) {
      sample = Math.max(sample, Math.abs(x[i]!));
      inter = Math.max(inter, p[i]!);
    }
    expect(sample).toBeCloseTo(Math.SQRT1_2, 3);
    expect(Math.abs(20 * Math.log10(inter))).toBeLessThan(0.05);
  });

  it('gives the same peaks whatever the block size', () => {
    const x = sine(3000, FS, 3000, 0.9, 0.3);
    const a = new Float64Array(3000);
    new Oversampler(4).peaks(x, 3000, a);
    const os = new Oversampler(4);
    const b = new Float64Array(3000);
    for (let at = 0; at < 3000; at += 128) {
      const n = Math.min(128, 3000 - at);
      const part = new Float64Array(n);
      os.peaks(x.subarray(at, at + n), n, part);
      b.set(part, at);
    }
    expect(Array.from(b)).toEqual(Array.from(a));
  });
});
