import { describe, expect, it } from 'vitest';
import { LevelMeter } from '../../../src/engine/dsp/meter.ts';
import { heapGrowth, sine } from './helpers.ts';

const FS = 48000;
const BLOCK = 480;

function feed(m: LevelMeter, chans: Float32Array[], seconds: number): void {
  const n = Math.round(seconds * FS);
  const blk = chans.map(() => new Float32Array(BLOCK));
  for (let at = 0; at < n; at += BLOCK) {
    for (let c = 0; c < chans.length; c++) for (let i = 0; i < BLOCK; i++) blk[c]![i] = chans[c]![(at + i) % chans[c]!.length]!;
    m.process(blk, chans.length, BLOCK);
  }
}

// 1 kHz has a whole number of periods in 48 samples, so looping a 4800-sample buffer is seamless.
const fullScale = sine(1000, FS, 4800);
const silence = new Float32Array(4800);

describe('LevelMeter', () => {
  it('a 0 dBFS sine reads 0 dB peak and -3.01 dB RMS', () => {
    const m = new LevelMeter(FS);
    feed(m, [fullScale], 2);
    expect(m.peakDb).toBeCloseTo(0, 3);
    expect(m.rmsDb).toBeCloseTo(-3.01, 2);
  });

  it('holds the peak 1.5 s, then falls 20 dB/s', () => {
    const m = new LevelMeter(FS);
    feed(m, [fullScale], 0.5);
    feed(m, [silence], 1.4);
    expect(m.peakDb).toBeCloseTo(0, 3);
    feed(m, [silence], 0.1);
    expect(m.peakDb).toBeCloseTo(0, 1);
    feed(m, [silence], 1);
    expect(m.peakDb).toBeCloseTo(-20, 1);
    feed(m, [silence], 10);
    expect(m.peakDb).toBe(-Infinity);
  });

  it('attack is instant: a single sample spike shows at once', () => {
    const m = new LevelMeter(FS);
    const spike = new Float32Array(BLOCK);
    spike[100] = 0.5;
    m.process([spike], 1, BLOCK);
    expect(m.peakDb).toBeCloseTo(-6.0206, 3);
  });

  it('RMS integrates with the equivalent one-pole (τ 150 ms for a 300 ms window)', () => {
    const m = new LevelMeter(FS);
    feed(m, [fullScale], 0.15);
    // 1 - 1/e of the mean square after τ.
    expect(m.rmsDb).toBeCloseTo(-3.01 + 10 * Math.log10(1 - Math.exp(-1)), 1);
  });

  it('RMS and peak equal the one-pole run sample by sample, for every block length and NaN in any lane', () => {
    // process() runs the one-pole as four interleaved chains; this is the recursion it stands for.
    const a = Math.exp(-1 / ((150 * FS) / 1000));
    const b = 1 - a;
    let seed = 12345;
    const rand = (): number => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32) * 2 - 1;
    const m = new LevelMeter(FS);
    const ms = [0, 0];
    const lengths = [1, 2, 3, 4, 5, 7, 8, 64, 127, 128, 129, 480, 1023, 1024];
    for (let round = 0; round < 3; round++) {
      for (const frames of lengths) {
        const chans = [0, 1].map((c) => Float32Array.from({ length: frames }, () => rand() * (c === 0 ? 0.5 : 0.25)));
        let peak = 0;
        chans.forEach((buf, c) => {
          for (const x of buf) {
            ms[c] = a * ms[c]! + b * x * x;
            peak = Math.max(peak, Math.abs(x));
          }
        });
        m.process(chans, 2, frames);
        const want = 10 * Math.log10(Math.max(ms[0]!, ms[1]!));
        expect(Math.abs(m.rmsDb - want), `${frames} frames`).toBeLessThan(1e-9);
        // The block's peak shows at once only when it beats the held one: check on a fresh meter.
        const fresh = new LevelMeter(FS);
        fresh.process(chans, 2, frames);
        expect(fresh.peakDb, `${frames} frames`).toBeCloseTo(20 * Math.log10(peak), 9);
      }
    }
    // A NaN in any of the four lanes neither wins the peak nor hides the loudest sample beside it.
    for (let lane = 0; lane < 4; lane++) {
      const buf = new Float32Array(8).fill(0.1);
      buf[lane] = NaN;
      buf[(lane + 1) % 4] = 0.9;
      const fresh = new LevelMeter(FS);
      fresh.process([buf], 1, 8);
      expect(fresh.peakDb, `NaN in lane ${lane}`).toBeCloseTo(20 * Math.log10(0.9), 5);
    }
  });

  it('several channels: the loudest wins, and options change the ballistics', () => {
    const m = new LevelMeter(FS, { holdMs: 0, releaseDbPerS: 60 });
    const l = sine(1000, FS, 4800, 0.5), r = sine(1000, FS, 4800, 0.1);
    feed(m, [l, r], 2);
    expect(m.peakDb).toBeCloseTo(-6.02, 2);
    expect(m.rmsDb).toBeCloseTo(-9.03, 2);
    feed(m, [silence, silence], 0.5);
    expect(m.peakDb).toBeCloseTo(-36.02, 1);
    m.reset();
    expect(m.peakDb).toBe(-Infinity);
    expect(m.rmsDb).toBe(-Infinity);
  });

  it('process() does not allocate', () => {
    const m = new LevelMeter(FS);
    const l = sine(100, FS, 128), r = sine(200, FS, 128, 0.5);
    const quiet = new Float32Array(128);
    const loud = [l, r], still = [quiet, quiet];
    let k = 0;
    expect(heapGrowth(() => m.process((k++ & 1024) ? loud : still, 2, 128))).toBeLessThan(32 * 1024);
  });

  it('readings are computed in process(): reading them, or writeLevels(), allocates nothing and matches', () => {
    const m = new LevelMeter(FS);
    const l = sine(100, FS, 128), r = sine(200, FS, 128, 0.5);
    const out = new Float64Array(2);
    const chans = [l, r];
    const grown = heapGrowth(() => {
      m.process(chans, 2, 128);
      m.writeLevels(out, 0);
    });
    expect(grown).toBeLessThan(32 * 1024);
    expect(Number.isFinite(out[1]!)).toBe(true);
    expect(out[0]).toBe(m.peakDb);
    expect(out[1]).toBe(m.rmsDb);
    // The RMS reading is the one taken when the block ended, not recomputed from later state.
    const before = m.rmsDb;
    (m as unknown as { meanSquare: Float64Array }).meanSquare.fill(0.5);
    expect(m.rmsDb).toBe(before);
  });
});
