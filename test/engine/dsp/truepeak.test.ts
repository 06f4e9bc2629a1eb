import { describe, expect, it } from 'vitest';
import { measureTruePeak, TruePeakMeter } from '../../../src/engine/dsp/truepeak.ts';
import { heapGrowth, noise } from './helpers.ts';
import { idealPeak } from './spectrum.ts';
import { Biquad } from '../../../src/engine/dsp/biquad.ts';

const FS = 48000;

/** Tech 3341 cases 15-19: a sine with 10 ms linear fades, 1 s long. */
function fadedSine(freqHz: number, amp: number, phaseDeg: number): Float32Array {
  const n = FS;
  const fade = Math.round(0.01 * FS);
  const out = new Float32Array(n);
  const ph = (phaseDeg * Math.PI) / 180;
  for (let i = 0; i < n; i++) {
    const env = Math.min(1, i / fade, (n - 1 - i) / fade);
    out[i] = amp * env * Math.sin((2 * Math.PI * freqHz * i) / FS + ph);
  }
  return out;
}

/**
 * Tech 3341 cases 20-23: fs/6 at 0.5 FFS with one phase-continuous period of fs/4 at 1.0 FFS,
 * synthesized at 4·fs, low-passed, and decimated by 4 starting at `offset`.
 */
function burst(offset: number): Float32Array {
  const up = 4 * FS;
  const n = up; // 1 s at 4·fs
  const x = new Float64Array(n);
  let phase = 0;
  const start = Math.round(0.5 * up);
  // Switch at a zero crossing of the fs/6 tone so the waveform stays continuous.
  const periodLow = up / (FS / 6);
  const switchAt = Math.ceil(start / periodLow) * periodLow;
  const burstLen = up / (FS / 4);
  for (let i = 0; i < n; i++) {
    const inBurst = i >= switchAt && i < switchAt + burstLen;
    const f = inBurst ? FS / 4 : FS / 6;
    x[i] = (inBurst ? 1 : 0.5) * Math.sin(phase);
    phase += (2 * Math.PI * f) / up;
  }
  // Anti-alias low-pass: Blackman-windowed sinc, cutoff 22 kHz at 4·fs, 511 taps.
  const taps = 511;
  const half = (taps - 1) / 2;
  const fc = 22000 / up;
  const h = new Float64Array(taps);
  let sum = 0;
  for (let k = 0; k < taps; k++) {
    const t = k - half;
    const s = t === 0 ? 2 * fc : Math.sin(2 * Math.PI * fc * t) / (Math.PI * t);
    const w = 0.42 - 0.5 * Math.cos((2 * Math.PI * k) / (taps - 1)) + 0.08 * Math.cos((4 * Math.PI * k) / (taps - 1));
    h[k] = s * w;
    sum += h[k]!;
  }
  const out = new Float32Array(Math.floor((n - offset) / 4));
  for (let j = 0; j < out.length; j++) {
    const c = offset + 4 * j;
    let y = 0;
    for (let k = 0; k < taps; k++) {
      const i = c + half - k;
      if (i >= 0 && i < n) y += h[k]! * x[i]!;
    }
    out[j] = y / sum;
  }
  return out;
}

const tp = (x: Float32Array): number => measureTruePeak([x, x], FS);
/** Tech 3341 true-peak tolerance: +0.2 / −0.4 dB. */
const within = (got: number, expected: number): boolean => got <= expected + 0.2 && got >= expected - 0.4;

describe('TruePeakMeter: EBU Tech 3341 cases 15-23', () => {
  it('cases 15-19', () => {
    const cases: Array<[number, number, number, number]> = [
      [FS / 4, 0.5, 0, -6],
      [FS / 4, 0.5, 45, -6],
      [FS / 6, 0.5, 60, -6],
      [FS / 8, 0.5, 67.5, -6],
      [FS / 4, 1.41, 45, 3],
    ];
    for (const [f, a, ph, expected] of cases) {
      const got = tp(fadedSine(f, a, ph));
      expect(within(got, expected), `${f} Hz ${a} FFS ${ph}°: ${got}`).toBe(true);
    }
  });

  it('cases 20-23 (all four decimation offsets)', () => {
    for (let offset = 0; offset < 4; offset++) {
      const x = burst(offset);
      const got = tp(x);
      expect(within(got, 0), `offset ${offset}: ${got}`).toBe(true);
    }
  });

  it('reads above the sample peak where a sample meter under-reads', () => {
    const x = fadedSine(FS / 4, 1.41, 45);
    let sp = 0;
    for (const v of x) sp = Math.max(sp, Math.abs(v));
    expect(20 * Math.log10(sp)).toBeLessThan(0.1);
    expect(tp(x)).toBeGreaterThan(2.8);
  });
});

describe('TruePeakMeter', () => {
  it('every phase has unity DC gain', () => {
    // Raised-cosine rise to 0.5 and fall over 50 ms each: no step, so no Gibbs overshoot; the hold reads 0.5.
    const x = new Float32Array(9600);
    for (let i = 0; i < x.length; i++) x[i] = 0.25 * (1 - Math.cos(Math.PI * Math.min(1, i / 2400, (x.length - 1 - i) / 2400)));
    expect(Math.abs(tp(x) - 20 * Math.log10(0.5))).toBeLessThan(0.001);
  });

  it('is independent of block size and resets', () => {
    const x = fadedSine(997, 0.8, 10);
    const m = new TruePeakMeter(FS, 1);
    for (let at = 0; at < x.length; at += 100) m.process([x], Math.min(100, x.length - at), at);
    expect(m.truePeakDbtp).toBeCloseTo(measureTruePeak([x], FS), 9);
    m.reset();
    expect(m.truePeakDbtp).toBe(-Infinity);
  });

  it('does not allocate in process()', () => {
    const m = new TruePeakMeter(FS, 2);
    const a = noise(128, 0.5, 4);
    const chans = [a, Float32Array.from(a)];
    expect(heapGrowth(() => m.process(chans, 128), 20000)).toBeLessThan(64 * 1024);
  });

  it('finish() counts the ringing after a programme that ends at full scale', () => {
    // A smooth rise to 0.5, held, then cut: the reconstruction rings past the last sample, above it.
    const x = Float32Array.from({ length: 2000 }, (_, i) => 0.25 * (1 - Math.cos(Math.PI * Math.min(1, i / 1000))));
    const m = new TruePeakMeter(FS, 1);
    m.process([x], x.length);
    const before = m.truePeakDbtp;
    m.finish();
    const padded = new Float32Array(2200);
    padded.set(x);
    expect(before).toBeCloseTo(20 * Math.log10(0.5), 3);
    expect(m.truePeakDbtp).toBeGreaterThan(before + 0.5);
    expect(m.truePeakDbtp).toBeCloseTo(20 * Math.log10(idealPeak(padded, 32)), 1);
    expect(measureTruePeak([x], FS)).toBeCloseTo(m.truePeakDbtp, 9);
  });

    it('reports per channel and the maximum over channels', () => {
    const a = fadedSine(1000, 0.25, 0);
    const b = fadedSine(1000, 0.5, 0);
    const m = new TruePeakMeter(FS, 2);
    m.process([a, b], a.length);
    expect(m.channelPeakDbtp(0)).toBeCloseTo(-12.04, 1);
    expect(m.truePeakDbtp).toBeCloseTo(-6.02, 1);
  });
});

describe('TruePeakMeter against an ideal reconstruction (32× sinc interpolation by DFT, in the test)', () => {
  const dbOf = (v: number): number => 20 * Math.log10(v);
  /** The meter's reading and the ideal one, both in dB, for a signal with silent edges. */
  function compare(x: Float32Array, fs: number): { got: number; ideal: number; sample: number } {
    let sp = 0;
    for (const v of x) sp = Math.max(sp, Math.abs(v));
    return { got: measureTruePeak([x], fs), ideal: dbOf(idealPeak(x, 32)), sample: dbOf(sp) };
  }
  /** `x` with 5 ms linear fades and 100 silent samples at both ends. */
  function framed(x: ArrayLike<number>, fs: number): Float32Array {
    const out = new Float32Array(x.length + 200);
    const fade = Math.round(0.005 * fs);
    for (let i = 0; i < x.length; i++) out[100 + i] = x[i]! * Math.min(1, (i + 1) / fade, (x.length - i) / fade);
    return out;
  }
  const check = (name: string, x: Float32Array, fs: number, tol = 0.1): void => {
    const { got, ideal, sample } = compare(x, fs);
    expect(got, `${name}: not below the sample peak`).toBeGreaterThanOrEqual(sample - 1e-9);
    expect(Math.abs(got - ideal), `${name}: ${got.toFixed(3)} vs ideal ${ideal.toFixed(3)}`).toBeLessThan(tol);
  };

  it('Tech 3341 cases 15-19', () => {
    for (const [f, a, ph] of [[FS / 4, 0.5, 0], [FS / 4, 0.5, 45], [FS / 6, 0.5, 60], [FS / 8, 0.5, 67.5], [FS / 4, 1.41, 45]] as const) {
      check(`${f} Hz ${a} FFS ${ph}°`, framed(fadedSine(f, a, ph).subarray(FS / 2, FS / 2 + 6000), FS), FS);
    }
  });

  it('Tech 3341 cases 20-23 (the burst and its surroundings)', () => {
    for (let offset = 0; offset < 4; offset++) {
      const x = burst(offset);
      let at = 0;
      for (let i = 0; i < x.length; i++) if (Math.abs(x[i]!) > Math.abs(x[at]!)) at = i;
      check(`offset ${offset}`, framed(x.subarray(at - 3000, at + 3000), FS), FS);
    }
  });

  it('a single impulse reads its sample peak (the Annex filter read −6.27 for −6.02)', () => {
    const x = new Float32Array(1001);
    x[500] = 0.5;
    const { got } = compare(x, FS);
    expect(got).toBeGreaterThanOrEqual(dbOf(0.5) - 1e-9);
    expect(got - dbOf(0.5)).toBeLessThan(0.1);
    check('impulse', x, FS);
  });

  it('sines from 100 Hz to 93 % of Nyquist, at 44.1 and 48 kHz, at several phases', () => {
    for (const fs of [44100, 48000]) {
      for (let f = 100; f < 0.465 * fs; f *= 1.25) {
        for (const ph of [0, 0.7, 1.9]) {
          const x = Float32Array.from({ length: 4000 }, (_, i) => 0.5 * Math.sin((2 * Math.PI * f * i) / fs + ph));
          check(`${f.toFixed(0)} Hz at ${fs}, phase ${ph}`, framed(x, fs), fs);
        }
      }
    }
  });

  it('a lone crest wherever it falls between two samples (every 1/32 of a sample), to 0.02 dB', () => {
    // A tone burst near Nyquist under a Gaussian envelope: one crest, its neighbours lower. A search
    // that skips an interval whose crest falls between its grid points, or stops at the 16× grid
    // (up to 0.03 dB low here), reads under the ideal.
    for (const f of [0.3, 0.45]) {
      for (let k = 0; k < 32; k++) {
        const d = 500 + k / 32;
        const x = Float32Array.from({ length: 1000 }, (_, i) => 0.5 * Math.exp(-(((i - d) / 12) ** 2)) * Math.cos(2 * Math.PI * f * (i - d)));
        check(`${f} fs, crest at +${k}/32`, x, FS, 0.02);
      }
    }
  });

  it('square waves at 44.1 kHz', () => {
    for (const period of [100, 37, 8]) {
      const sq = Float32Array.from({ length: 6000 }, (_, i) => ((i % period) < period / 2 ? 0.5 : -0.5));
      check(`square, period ${period}`, framed(sq, 44100), 44100);
    }
  });

  it('clipped 44.1 kHz material', () => {
    for (const seed of [1, 2, 3]) {
      // Programme-like noise (band-limited to 16 kHz, as a 44.1 kHz master is before it is clipped)
      // driven about 12 dB into a hard clip at 0.5: the clip itself puts energy up to Nyquist.
      const n = noise(6000, 1, seed);
      const lp = new Biquad(44100);
      lp.configure('lowpass', 16000, 0.7071);
      lp.process(n, n.length);
      lp.process(n, n.length);
      const x = Float32Array.from(n, (v) => Math.max(-0.5, Math.min(0.5, 2 * v)));
      check(`clipped noise ${seed}`, framed(x, 44100), 44100);
      const tone = Float32Array.from({ length: 6000 }, (_, i) => Math.max(-0.5, Math.min(0.5, 2 * Math.sin((2 * Math.PI * (997 + 3000 * seed) * i) / 44100 + seed))));
      check(`clipped ${997 + 3000 * seed} Hz tone`, framed(tone, 44100), 44100);
    }
  });
});
