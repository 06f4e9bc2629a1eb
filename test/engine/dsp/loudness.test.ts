import { describe, expect, it } from 'vitest';
import { designKWeighting, kWeightingCoefficients, LoudnessMeter, measureLoudness } from '../../../src/engine/dsp/loudness.ts';
import { feed, toneSegments } from './ebu-signals.ts';
import { heapGrowth, noise } from './helpers.ts';

const FS = 48000;

function cascadeDb(c: Float64Array, fs: number, f: number): number {
  let total = 0;
  for (const s of [0, 5]) {
    const w = (2 * Math.PI * f) / fs;
    const nr = c[s]! + c[s + 1]! * Math.cos(w) + c[s + 2]! * Math.cos(2 * w);
    const ni = -(c[s + 1]! * Math.sin(w) + c[s + 2]! * Math.sin(2 * w));
    const dr = 1 + c[s + 3]! * Math.cos(w) + c[s + 4]! * Math.cos(2 * w);
    const di = -(c[s + 3]! * Math.sin(w) + c[s + 4]! * Math.sin(2 * w));
    total += 10 * Math.log10((nr * nr + ni * ni) / (dr * dr + di * di));
  }
  return total;
}

const stereo = (x: Float32Array): Float32Array[] => [x, x];
const integrated = (x: Float32Array): number => measureLoudness(stereo(x), FS).integratedLufs;
const lra = (x: Float32Array): number => measureLoudness(stereo(x), FS).lra;

describe('K-weighting', () => {
  it('matches the BS.1770 response at 48 kHz', () => {
    const c = kWeightingCoefficients(FS);
    const expected: Array<[number, number]> = [[997, 0.691], [1000, 0.698], [38, -6.0], [100, -1.13], [1500, 2.04], [2000, 3.07], [5000, 4.01], [20000, 4.04]];
    for (const [f, dbv] of expected) expect(cascadeDb(c, FS, f)).toBeCloseTo(dbv, 1);
    expect(Math.abs(cascadeDb(c, FS, 997) - 0.691)).toBeLessThan(0.01);
  });

  it('the rate-independent design reproduces the printed 48 kHz tables', () => {
    const table = kWeightingCoefficients(FS);
    const designed = designKWeighting(FS);
    for (let i = 0; i < 10; i++) expect(Math.abs(designed[i]! - table[i]!)).toBeLessThan(1e-6);
  });

  it('gives the same response at 44.1 kHz below 16 kHz', () => {
    const a = kWeightingCoefficients(FS);
    const b = kWeightingCoefficients(44100);
    for (const f of [20, 50, 100, 500, 1000, 2000, 5000, 10000, 16000]) {
      expect(Math.abs(cascadeDb(a, FS, f) - cascadeDb(b, 44100, f))).toBeLessThan(0.02);
    }
  });
});

describe('EBU Tech 3341 (48 kHz, synthesized)', () => {
  it('case 1 and 2: M, S, I of a steady tone', () => {
    for (const level of [-23, -33]) {
      const x = toneSegments([[20, level]]);
      const m = new LoudnessMeter(FS, 2);
      m.process(stereo(x), x.length);
      expect(Math.abs(m.momentaryLufs - level)).toBeLessThanOrEqual(0.1);
      expect(Math.abs(m.shortTermLufs - level)).toBeLessThanOrEqual(0.1);
      expect(Math.abs(m.integratedLufs - level)).toBeLessThanOrEqual(0.1);
    }
  });

  it('cases 3, 4, 5: gating', () => {
    expect(Math.abs(integrated(toneSegments([[10, -36], [60, -23], [10, -36]])) + 23)).toBeLessThanOrEqual(0.1);
    expect(Math.abs(integrated(toneSegments([[10, -72], [10, -36], [60, -23], [10, -36], [10, -72]])) + 23)).toBeLessThanOrEqual(0.1);
    expect(Math.abs(integrated(toneSegments([[20, -26], [20.1, -20], [20, -26]])) + 23)).toBeLessThanOrEqual(0.1);
  });

  it('case 6: 5.0 channels with surround weights', () => {
    const lr = toneSegments([[20, -28]]);
    const c = toneSegments([[20, -24]]);
    const s = toneSegments([[20, -30]]);
    const r = measureLoudness([lr, lr, c, s, s], FS);
    expect(Math.abs(r.integratedLufs + 23)).toBeLessThanOrEqual(0.1);
  });

  it('case 9: short-term constant at -23 after 3 s', () => {
    const seg: Array<[number, number]> = [];
    for (let i = 0; i < 5; i++) seg.push([1.34, -20], [1.66, -30]);
    const x = toneSegments(seg);
    const m = new LoudnessMeter(FS, 2);
    let checked = 0;
    feed(stereo(x), 480, (c, f, o) => m.process(c, f, o), (t) => {
      if (t >= 3) {
        expect(Math.abs(m.shortTermLufs + 23)).toBeLessThanOrEqual(0.1);
        checked++;
      }
    });
    expect(checked).toBeGreaterThan(1000);
  });

  it('case 10 (file-based): max short-term -23 for every offset', () => {
    for (let i = 0; i < 20; i++) {
      const x = toneSegments([[i * 0.15, null], [3, -23], [1, null]]);
      expect(Math.abs(measureLoudness(stereo(x), FS).maxShortTermLufs + 23), `file ${i}`).toBeLessThanOrEqual(0.1);
    }
  });

  it('case 11 (live): successive max short-term -38 ... -19', () => {
    const seg: Array<[number, number | null]> = [];
    for (let i = 0; i < 20; i++) seg.push([i * 0.15, null], [3, -38 + i], [3 - i * 0.15, null]);
    const x = toneSegments(seg);
    const m = new LoudnessMeter(FS, 2);
    let at = 0;
    for (let i = 0; i < 20; i++) {
      const n = Math.round(6 * FS);
      m.resetMax();
      feed([x.subarray(at, at + n), x.subarray(at, at + n)], 128, (c, f, o) => m.process(c, f, o), () => {});
      at += n;
      expect(Math.abs(m.maxShortTermLufs - (-38 + i)), `segment ${i}`).toBeLessThanOrEqual(0.1);
    }
  });

  it('case 12: momentary constant at -23 after 1 s', () => {
    const seg: Array<[number, number]> = [];
    for (let i = 0; i < 25; i++) seg.push([0.18, -20], [0.22, -30]);
    const x = toneSegments(seg);
    const m = new LoudnessMeter(FS, 2);
    let checked = 0;
    feed(stereo(x), 96, (c, f, o) => m.process(c, f, o), (t) => {
      if (t >= 1) {
        expect(Math.abs(m.momentaryLufs + 23)).toBeLessThanOrEqual(0.1);
        checked++;
      }
    });
    expect(checked).toBeGreaterThan(4000);
  });

  it('case 13 (file-based): max momentary -23 for every 20 ms offset', () => {
    for (let i = 0; i < 20; i++) {
      const x = toneSegments([[i * 0.02, null], [0.4, -23], [1, null]]);
      expect(Math.abs(measureLoudness(stereo(x), FS).maxMomentaryLufs + 23), `file ${i}`).toBeLessThanOrEqual(0.1);
    }
  });

  it('case 14 (live): successive max momentary -38 ... -19', () => {
    const m = new LoudnessMeter(FS, 2);
    for (let i = 0; i < 20; i++) {
      const x = toneSegments([[i * 0.02, null], [0.4, -38 + i], [0.4 - i * 0.02, null]]);
      m.resetMax();
      feed(stereo(x), 64, (c, f, o) => m.process(c, f, o), () => {});
      expect(Math.abs(m.maxMomentaryLufs - (-38 + i)), `segment ${i}`).toBeLessThanOrEqual(0.1);
    }
  });

  it('calibration: -18 dBFS tone reads -18 LUFS at 44.1 kHz too', () => {
    const x = toneSegments([[10, -18]], 44100);
    expect(Math.abs(measureLoudness(stereo(x), 44100).integratedLufs + 18)).toBeLessThanOrEqual(0.1);
  });
});

describe('EBU Tech 3342 loudness range', () => {
  it('cases 1-4', () => {
    const cases: Array<[Array<[number, number]>, number]> = [
      [[[20, -20], [20, -30]], 10],
      [[[20, -20], [20, -15]], 5],
      [[[20, -40], [20, -20]], 20],
      [[[20, -50], [20, -35], [20, -20], [20, -35], [20, -50]], 15],
    ];
    for (const [seg, expected] of cases) expect(Math.abs(lra(toneSegments(seg)) - expected), JSON.stringify(seg)).toBeLessThanOrEqual(1);
  });
});

describe('LoudnessMeter', () => {
  it('reads -Infinity on silence and reset clears the integration', () => {
    const m = new LoudnessMeter(FS, 2);
    const x = toneSegments([[2, -20]]);
    m.process(stereo(x), x.length);
    expect(m.integratedLufs).toBeGreaterThan(-21);
    m.reset();
    const z = new Float32Array(FS);
    m.process([z, z], z.length);
    expect(m.integratedLufs).toBe(-Infinity);
    expect(m.momentaryLufs).toBe(-Infinity);
  });

  it('gives the same answer whatever the block size', () => {
    const x = toneSegments([[3, -20], [2, -30], [3, -25]]);
    const whole = measureLoudness(stereo(x), FS);
    const m = new LoudnessMeter(FS, 2);
    feed(stereo(x), 37, (c, f, o) => m.process(c, f, o), () => {});
    expect(m.integratedLufs).toBeCloseTo(whole.integratedLufs, 9);
    expect(m.loudnessRange).toBeCloseTo(whole.lra, 9);
  });

  it('does not allocate in process() once warm (hours of integration stay in fixed histograms)', () => {
    const m = new LoudnessMeter(FS, 2);
    const a = noise(128, 0.5, 3);
    const chans = [a, Float32Array.from(a)];
    heapGrowth(() => m.process(chans, 128), 20000);
    // 40,000 blocks hold ~1,000 gating-block steps: one boxed double per step would add ≥ 16 KB.
    expect(heapGrowth(() => m.process(chans, 128), 40000)).toBeLessThan(8 * 1024);
  });

  it('refuses weights that do not match the channel count', () => {
    expect(() => new LoudnessMeter(FS, 2, { weights: [1] })).toThrow(/weights/);
  });
});
