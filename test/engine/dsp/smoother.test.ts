import { describe, expect, it } from 'vitest';
import { SmoothedGain } from '../../../src/engine/dsp/smoother.ts';
import { heapGrowth, sine } from './helpers.ts';

const FS = 48000;

/** Largest |y[n] - y[n-1]| over a run of blocks, counting across block edges. */
function maxStep(blocks: Float32Array[], first: number): number {
  let prev = first, m = 0;
  for (const b of blocks) for (const y of b) { m = Math.max(m, Math.abs(y - prev)); prev = y; }
  return m;
}

describe('SmoothedGain', () => {
  it('a 70 dB jump within one block makes no step larger than the documented bound on full-scale DC', () => {
    const g = new SmoothedGain(FS);
    g.setImmediateGain(Math.pow(10, -60 / 20));
    const before = g.current;
    g.setTargetDb(10);
    const bound = Math.abs(g.target - before) / g.rampSamples;
    expect(g.maxStep()).toBeCloseTo(bound, 12);
    const blocks: Float32Array[] = [];
    for (let k = 0; k < 12; k++) {
      const b = new Float32Array(128).fill(1);
      g.process(b, 128);
      blocks.push(b);
    }
    // Float32 rounding of the output adds at most a few ulps at 3.16.
    expect(maxStep(blocks, before)).toBeLessThanOrEqual(bound + 1e-6);
    expect(bound).toBeLessThan(0.0034); // 3.16 / 960: about -50 dBFS per sample
  });

  it('-inf → +10 dB on a full-scale sine: step ≤ gain bound + the sine slope, target reached in 20 ms', () => {
    const g = new SmoothedGain(FS);
    g.setImmediateGain(0);
    g.setTargetDb(10);
    const bound = g.target / g.rampSamples;
    const x = sine(1000, FS, 2048);
    const sineSlope = (2 * Math.PI * 1000) / FS;
    const blocks: Float32Array[] = [];
    for (let at = 0; at < 2048; at += 256) {
      const b = x.slice(at, at + 256);
      g.process(b, 256);
      blocks.push(b);
    }
    expect(maxStep(blocks, 0)).toBeLessThanOrEqual(bound + g.target * sineSlope + 1e-6);
    expect(g.rampSamples).toBe(960);
    expect(g.current).toBe(g.target); // 2048 samples > 960: landed exactly
  });

  it('lands exactly on the target after rampSamples and not before', () => {
    const g = new SmoothedGain(FS, 10);
    g.setImmediateGain(1);
    g.setTargetGain(0.5);
    const gains = new Float32Array(480);
    g.fill(gains, 479);
    expect(g.current).not.toBe(0.5);
    g.fill(gains, 1);
    expect(g.current).toBe(0.5);
    expect(g.target).toBe(0.5);
  });

  it('a target changed mid-ramp restarts from the current gain without a jump', () => {
    const g = new SmoothedGain(FS);
    g.setImmediateGain(0);
    g.setTargetGain(1);
    const a = new Float32Array(300);
    g.fill(a, 300);
    const mid = g.current;
    g.setTargetGain(0);
    const b = new Float32Array(300);
    g.fill(b, 300);
    expect(Math.abs(b[0]! - mid)).toBeLessThanOrEqual(mid / g.rampSamples + 1e-7);
    expect(maxStep([a, b], 0)).toBeLessThanOrEqual(1 / g.rampSamples + 1e-7);
  });

  it('processTo adds or overwrites with the same ramp, and fill shares it across channels', () => {
    const a = new SmoothedGain(FS), b = new SmoothedGain(FS), c = new SmoothedGain(FS);
    for (const s of [a, b, c]) { s.setImmediateGain(0.25); s.setTargetGain(2); }
    const input = sine(440, FS, 512);
    const out = new Float32Array(512).fill(0.5);
    const over = new Float32Array(512).fill(7);
    a.processTo(input, out, 512, true);
    b.processTo(input, over, 512, false);
    const gains = new Float32Array(512);
    c.fill(gains, 512);
    for (let i = 0; i < 512; i++) {
      expect(out[i]).toBeCloseTo(0.5 + input[i]! * gains[i]!, 5);
      expect(over[i]).toBeCloseTo(input[i]! * gains[i]!, 5);
    }
  });

  it('steady unity and zero gains are exact', () => {
    const g = new SmoothedGain(FS);
    g.setImmediateGain(1);
    const x = sine(100, FS, 64);
    const y = x.slice();
    g.process(y, 64);
    expect(Array.from(y)).toEqual(Array.from(x));
    g.setImmediateGain(0);
    g.process(y, 64);
    expect(y.every((v) => v === 0)).toBe(true);
  });

  it('process, processTo and fill do not allocate', () => {
    const g = new SmoothedGain(FS, 1);
    const buf = sine(100, FS, 128), out = new Float32Array(128);
    let k = 0;
    expect(heapGrowth(() => {
      g.setTargetGain((k++ & 1) ? 0.5 : 1);
      g.process(buf, 128);
      g.processTo(buf, out, 128, true);
      g.fill(out, 128);
    })).toBeLessThan(32 * 1024);
  });
});
