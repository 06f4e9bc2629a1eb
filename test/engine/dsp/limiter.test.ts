import { describe, expect, it } from 'vitest';
import { TruePeakLimiter } from '../../../src/engine/dsp/limiter.ts';
import { measureTruePeak } from '../../../src/engine/dsp/truepeak.ts';
import { heapGrowth, noise, sine } from './helpers.ts';
import { idealPeak } from './spectrum.ts';

const FS = 48000;
const BLOCK = 128;

function limit(chans: Float32Array[], ceilingDb: number, releaseMs = 100): { out: Float32Array[]; lim: TruePeakLimiter; gains: number[] } {
  const lim = new TruePeakLimiter(FS, BLOCK, chans.length);
  lim.configure({ ceilingDb, releaseMs });
  const out = chans.map((c) => Float32Array.from(c));
  const gains: number[] = [];
  for (let at = 0; at < out[0]!.length; at += BLOCK) {
    const n = Math.min(BLOCK, out[0]!.length - at);
    lim.process(out.map((c) => c.subarray(at, at + n)), n);
    gains.push(lim.currentGain);
  }
  return { out, lim, gains };
}

/** Programme-like material: low-passed noise, decaying kick-like bursts, a bright 15 kHz line, hard edges. */
function loudMaterial(seconds: number, gainDb: number, seed: number): Float32Array {
  const n = Math.round(seconds * FS);
  const w = noise(n, 1, seed);
  const out = new Float32Array(n);
  const g = Math.pow(10, gainDb / 20);
  let lp = 0;
  for (let i = 0; i < n; i++) {
    lp += 0.2 * (w[i]! - lp);
    const t = (i % 12000) / FS;
    const kick = Math.exp(-t * 30) * Math.sin(2 * Math.PI * 60 * t * (1 + 2 * Math.exp(-t * 40)));
    const hat = i % 6000 < 40 ? w[i]! : 0;
    const bright = 0.15 * Math.sin((2 * Math.PI * 15000 * i) / FS);
    out[i] = g * 0.35 * (lp * 1.5 + kick + hat + bright);
  }
  return out;
}

/**
 * Peak (dBTP) of an ideal reconstruction (sinc interpolation by DFT at 32 points per sample, see
 * spectrum.ts) of the limiter's output, its first `from` samples dropped and its end faded out over
 * 20 ms: the output stops mid-signal when the input runs out, and a cut edge would ring in any
 * reconstruction, limiter or not.
 */
function idealDbtp(out: Float32Array, from = 0): number {
  return 20 * Math.log10(idealPeak(fadedEnd(out.subarray(from)), 32));
}
function fadedEnd(out: Float32Array): Float32Array {
  const y = Float32Array.from(out);
  const fade = 960;
  for (let i = 0; i < fade; i++) y[y.length - 1 - i]! *= 0.5 - 0.5 * Math.cos((Math.PI * i) / fade);
  return y;
}
/** The meter's reading of the output, its end faded as idealDbtp's. */
const meterDbtp = (out: Float32Array[]): number => measureTruePeak(out.map(fadedEnd), FS);
/** What the ceiling may be exceeded by, by the ideal reconstruction: the 32× grid's own error is 0.01 dB. */
const TOL_DB = 0.02;

/** The limiter's gain every 16 samples (1/3 ms) over `x`. */
function gainTrace(x: Float32Array, releaseMs: number): Float64Array {
  const B = 16;
  const lim = new TruePeakLimiter(FS, B, 1);
  lim.configure({ ceilingDb: -1, releaseMs });
  const w = Float32Array.from(x);
  const g = new Float64Array(Math.floor(w.length / B));
  for (let b = 0; b < g.length; b++) {
    lim.process([w.subarray(b * B, b * B + B)], B);
    g[b] = lim.currentGain;
  }
  return g;
}
const MS_PER_POINT = 16 / 48;
const ONE_DB = Math.pow(10, -1 / 20);
/** Milliseconds from the first point of `g` at or after `from` to the last with 1 dB or more of gain reduction. */
function msAtOneDb(g: Float64Array, from: number): number {
  let last = from;
  for (let i = from; i < g.length; i++) if (g[i]! < ONE_DB) last = i;
  return (last - from) * MS_PER_POINT;
}
/** Dense programme: low-passed noise, a kick every 250 ms and a 45 Hz bass, `overDb` into the limiter. */
function dense(seconds: number, overDb: number, seed: number): Float32Array {
  const n = Math.round(seconds * FS);
  const w = noise(n, 1, seed);
  const g = 0.3 * Math.pow(10, overDb / 20);
  let lp = 0;
  return Float32Array.from(w, (v, i) => {
    lp += 0.2 * (v - lp);
    const t = (i % 12000) / FS;
    const kick = Math.exp(-t * 30) * Math.sin(2 * Math.PI * 60 * t * (1 + 2 * Math.exp(-t * 40)));
    return g * (1.5 * lp + kick + 0.5 * Math.sin((2 * Math.PI * 45 * i) / FS));
  });
}
/** A 1 kHz tone at -14 dBFS with a 5 ms burst 8 dB over the ceiling at `at`. */
function transient(n: number, at: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => (i >= at && i < at + 240 ? 2.2 : 0.2) * Math.sin((2 * Math.PI * 1000 * i) / FS));
}

describe('TruePeakLimiter release (program-dependent)', () => {
  it('dense material 6 dB over spends less time 1 dB down than a fixed release would (35 %)', () => {
    const g = gainTrace(dense(6, 6, 3), 100);
    const settled = g.subarray(g.length / 2);
    const frac = settled.filter((v) => v < ONE_DB).length / settled.length;
    expect(frac).toBeLessThan(0.22);
    // And it limits: the gain does go down.
    expect(Math.min(...settled)).toBeLessThan(Math.pow(10, -3 / 20));
  });

  it('recovers fast after a transient (1 dB down for < 100 ms; a fixed 100 ms release: 190 ms)', () => {
    const at = FS / 2;
    const g = gainTrace(transient(FS, at), 100);
    expect(Math.min(...g)).toBeLessThan(Math.pow(10, -7 / 20));
    expect(msAtOneDb(g, Math.floor(at / 16))).toBeLessThan(100);
  });

  it('after a sustained over, releases at the release setting: slower than after a transient', () => {
    // 2 s of dense material 12 dB over, then the same material 20 dB lower (no more overs).
    const x = dense(3, 12, 5);
    const end = 2 * FS;
    for (let i = end; i < x.length; i++) x[i]! *= Math.pow(10, -20 / 20);
    const g = gainTrace(x, 100);
    const afterSustained = msAtOneDb(g, Math.floor(end / 16));
    const at = FS / 2;
    const afterTransient = msAtOneDb(gainTrace(transient(FS, at), 100), Math.floor(at / 16)) - 5;
    expect(afterSustained, `${afterSustained} ms vs ${afterTransient} ms`).toBeGreaterThan(1.5 * afterTransient);
  });

  it("honours the release setting: 400 ms recovers more slowly than 100 ms", () => {
    const at = FS / 2;
    const x = transient(2 * FS, at);
    const fast = msAtOneDb(gainTrace(x, 100), Math.floor(at / 16));
    const slow = msAtOneDb(gainTrace(x, 400), Math.floor(at / 16));
    expect(slow).toBeGreaterThan(2.5 * fast);
  });
});

describe('TruePeakLimiter', () => {
  it('holds its ceiling by an ideal reconstruction: programme material and the Tech 3341 tones pushed 12 dB over', () => {
    for (const seed of [1, 2]) {
      const l = loudMaterial(1.5, 12, seed);
      const { out } = limit([l], -1);
      expect(idealDbtp(out[0]!), `programme ${seed}`).toBeLessThanOrEqual(-1 + TOL_DB);
    }
    for (const [f, ph] of [[FS / 4, 45], [FS / 6, 60], [FS / 8, 67.5], [FS / 4, 0], [19000, 10]] as const) {
      const x = sine(f, FS, FS / 4, Math.pow(10, 6 / 20), (ph * Math.PI) / 180);
      for (const ceiling of [-1, -0.1]) {
        const { out } = limit([x], ceiling);
        expect(idealDbtp(out[0]!), `${f} Hz ${ph}° into ${ceiling}`).toBeLessThanOrEqual(ceiling + TOL_DB);
      }
    }
  });

  it('holds -1 dBTP on loud material pushed 12 dB over, measured by the independent BS.1770 meter', () => {
    const l = loudMaterial(4, 12, 1);
    const r = loudMaterial(4, 12, 2);
    expect(measureTruePeak([l, r], FS)).toBeGreaterThan(8);
    const { out } = limit([l, r], -1);
    expect(meterDbtp(out)).toBeLessThanOrEqual(-1);
  });

  it('holds the ceiling on full-band white noise, where 4x interpolators disagree most', () => {
    for (const seed of [7, 8, 9]) {
      const x = noise(FS, 2, seed);
      const { out } = limit([x], -1);
      expect(meterDbtp(out)).toBeLessThanOrEqual(-1);
    }
  });

  it('holds the ceiling on the Tech 3341 intersample-peak tones pushed 12 dB over', () => {
    for (const [f, ph] of [[FS / 4, 45], [FS / 6, 60], [FS / 8, 67.5], [FS / 4, 0]] as const) {
      const x = sine(f, FS, FS / 2, Math.pow(10, 6 / 20), (ph * Math.PI) / 180);
      for (const ceiling of [-1, -0.1, -6]) {
        const { out } = limit([x, x], ceiling);
        expect(meterDbtp(out), `${f} Hz ${ph}° into ${ceiling}`).toBeLessThanOrEqual(ceiling);
      }
    }
  });

  it('does not pump on a steady sine (1 kHz and 50 Hz)', () => {
    for (const f of [1000, 50]) {
      const x = sine(f, FS, 2 * FS, Math.pow(10, 11 / 20));
      const { gains, out } = limit([x, x], -1, 50);
      const settled = gains.slice(Math.ceil((0.3 * FS) / BLOCK));
      const spreadDb = 20 * Math.log10(Math.max(...settled) / Math.min(...settled));
      expect(spreadDb, `${f} Hz`).toBeLessThan(0.01);
      // And the settled gain is the one that puts the crest on the ceiling (−0.1 dB detector margin).
      expect(20 * Math.log10(settled[0]!)).toBeCloseTo(-12 - 0.1, 1);
      expect(meterDbtp([out[0]!.subarray(FS / 2)])).toBeLessThanOrEqual(-1);
    }
  });

  it('passes material under the ceiling untouched, delayed by latencyFrames', () => {
    const x = sine(440, FS, 4096, 0.5);
    const { out, lim } = limit([x], -1);
    const d = lim.latencyFrames;
    expect(d).toBeGreaterThan(0);
    for (let i = 0; i < d; i++) expect(out[0]![i]).toBe(0);
    for (let i = d; i < 4096; i++) expect(out[0]![i]).toBe(x[i - d]);
    expect(lim.gainReductionDb).toBe(0);
  });

  it('recovers after a transient at the release rate', () => {
    const x = new Float32Array(FS);
    for (let i = 0; i < FS; i++) x[i] = (i > 1000 && i < 1100 ? 4 : 0.1) * Math.sin((2 * Math.PI * 1000 * i) / FS);
    const { gains } = limit([x], -1, 20);
    const atBurst = Math.min(...gains);
    expect(atBurst).toBeLessThan(0.3);
    expect(gains[gains.length - 1]).toBeGreaterThan(0.999);
  });

  it('does not allocate in process()', () => {
    const lim = new TruePeakLimiter(FS, BLOCK, 2);
    const a = loudMaterial(0.1, 12, 3).subarray(0, BLOCK);
    const chans = [a, Float32Array.from(a)];
    expect(heapGrowth(() => lim.process(chans, BLOCK), 5000)).toBeLessThan(64 * 1024);
  });
});
