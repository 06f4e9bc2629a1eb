import { describe, expect, it } from 'vitest';
import { StereoWidth } from '../../../src/engine/dsp/width.ts';
import { db, heapGrowth, rmsOf, sine } from './helpers.ts';

const FS = 48000;
const BLOCK = 128;

function run(w: StereoWidth, l: Float32Array, r: Float32Array): void {
  for (let at = 0; at < l.length; at += BLOCK) {
    const n = Math.min(BLOCK, l.length - at);
    w.process(l.subarray(at, at + n), r.subarray(at, at + n), n);
  }
}

/** Side-signal gain (dB) for a pure side tone at freqHz. */
function sideGainDb(widthPct: number, monoBass: boolean, freqHz: number): number {
  const w = new StereoWidth(FS, BLOCK);
  w.configure({ widthPct, monoBass, monoFreqHz: 120 });
  const s = sine(freqHz, FS, FS, 0.25);
  const l = Float32Array.from(s);
  const r = Float32Array.from(s, (v) => -v);
  run(w, l, r);
  const side = Float32Array.from(l, (v, i) => 0.5 * (v - r[i]!));
  return 20 * Math.log10(rmsOf(side, FS / 2) / rmsOf(s, FS / 2));
}

describe('StereoWidth', () => {
  it('scales the side and leaves the mid alone', () => {
    expect(sideGainDb(200, false, 1000)).toBeCloseTo(6.02, 1);
    expect(sideGainDb(50, false, 1000)).toBeCloseTo(-6.02, 1);
    const w = new StereoWidth(FS, BLOCK);
    w.configure({ widthPct: 200, monoBass: false, monoFreqHz: 120 });
    w.settle();
    const m = sine(60, FS, FS, 0.5);
    const l = Float32Array.from(m), r = Float32Array.from(m);
    run(w, l, r);
    for (let i = 0; i < FS; i++) expect(Math.abs(l[i]! - m[i]!)).toBeLessThan(1e-6);
  });

  /** Level (dB re the input) of each output side for a steady tone on the given input sides. */
  function levelsDb(freqHz: number, inL: number, inR: number, monoFreqHz = 120, widthPct = 100): { l: number; r: number } {
    const w = new StereoWidth(FS, BLOCK);
    w.configure({ widthPct, monoBass: true, monoFreqHz });
    const x = sine(freqHz, FS, FS, 0.5);
    const l = Float32Array.from(x, (v) => v * inL), r = Float32Array.from(x, (v) => v * inR);
    run(w, l, r);
    const ref = rmsOf(x, FS / 2);
    return { l: db(rmsOf(l, FS / 2) / ref), r: db(rmsOf(r, FS / 2) / ref) };
  }

  it('mono bass keeps hard-panned content above the crossover on its side', () => {
    for (const f of [440, 2000, 8000]) {
      const left = levelsDb(f, 1, 0);
      expect(left.r, `${f} Hz leaks into R`).toBeLessThan(-40);
      expect(Math.abs(left.l), `${f} Hz level on L`).toBeLessThan(0.1);
      const right = levelsDb(f, 0, 1);
      expect(right.l, `${f} Hz leaks into L`).toBeLessThan(-40);
    }
    // Also at 150 % width: the high side is widened, still nothing crosses over.
    expect(levelsDb(2000, 1, 0, 120, 150).r).toBeLessThan(-12);
  });

  it('mono bass removes a side-only low tone, and leaves a centred tone at its level at every frequency', () => {
    expect(levelsDb(40, 1, -1).l).toBeLessThan(-20);
    expect(levelsDb(40, 1, -1).r).toBeLessThan(-20);
    for (const f of [20, 40, 80, 120, 200, 440, 1000, 5000, 15000]) {
      const c = levelsDb(f, 1, 1);
      expect(Math.abs(c.l), `${f} Hz centred`).toBeLessThan(0.1);
      expect(Math.abs(c.r), `${f} Hz centred`).toBeLessThan(0.1);
    }
  });

  it('settle() applies settings at once: mono bass off is exact from the first sample', () => {
    const w = new StereoWidth(FS, BLOCK);
    w.configure({ widthPct: 100, monoBass: false, monoFreqHz: 120 });
    w.settle();
    const l = new Float32Array(BLOCK).fill(0.5), r = new Float32Array(BLOCK);
    w.process(l, r, BLOCK);
    expect(l.every((v) => v === 0.5)).toBe(true);
    expect(r.every((v) => v === 0)).toBe(true);
  });

  it('0 % is mono', () => {
    const w = new StereoWidth(FS, BLOCK);
    w.configure({ widthPct: 0, monoBass: false, monoFreqHz: 120 });
    const l = sine(440, FS, 4800, 0.5), r = sine(660, FS, 4800, 0.3);
    run(w, l, r);
    for (let i = BLOCK; i < 4800; i++) expect(l[i]).toBe(r[i]);
  });

  it('mono-bass keeps lows mono at any width, highs still widen', () => {
    expect(sideGainDb(200, true, 30)).toBeLessThan(-24);
    expect(sideGainDb(200, true, 5000)).toBeCloseTo(6.02, 1);
    expect(sideGainDb(100, true, 40)).toBeLessThan(-20);
  });

  it('100 % without mono-bass is bit-exact', () => {
    const w = new StereoWidth(FS, BLOCK);
    w.configure({ widthPct: 100, monoBass: false, monoFreqHz: 120 });
    const l = sine(440, FS, 4800, 0.5), r = sine(660, FS, 4800, 0.3);
    const l0 = Float32Array.from(l), r0 = Float32Array.from(r);
    // One block to finish the glide from the constructor's defaults (mono-bass on).
    w.process(new Float32Array(BLOCK), new Float32Array(BLOCK), BLOCK);
    run(w, l, r);
    expect(Array.from(l)).toEqual(Array.from(l0));
    expect(Array.from(r)).toEqual(Array.from(r0));
  });

  it('does not allocate in process()', () => {
    const w = new StereoWidth(FS, BLOCK);
    w.configure({ widthPct: 150, monoBass: true, monoFreqHz: 100 });
    const l = sine(440, FS, BLOCK, 0.5), r = sine(660, FS, BLOCK, 0.3);
    expect(heapGrowth(() => w.process(l, r, BLOCK), 10000)).toBeLessThan(64 * 1024);
  });
});
