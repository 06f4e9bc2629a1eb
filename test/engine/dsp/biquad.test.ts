import { describe, expect, it } from 'vitest';
import { Biquad, BiquadBank, HighPass } from '../../../src/engine/dsp/biquad.ts';
import type { BiquadType } from '../../../src/engine/dsp/biquad.ts';
import { dftMagDb, heapGrowth, logFreqs, noise, sine, peakOf, db } from './helpers.ts';

/** The cookbook, written out again independently of the class: [b0,b1,b2,a0,a1,a2] un-normalized. */
function cookbook(type: BiquadType, fs: number, f0: number, Q: number, gainDb: number): number[] {
  const A = Math.pow(10, gainDb / 40);
  const w0 = (2 * Math.PI * f0) / fs;
  const cs = Math.cos(w0);
  const al = Math.sin(w0) / (2 * Q);
  const sq = 2 * Math.sqrt(A) * al;
  switch (type) {
    case 'lowpass': return [(1 - cs) / 2, 1 - cs, (1 - cs) / 2, 1 + al, -2 * cs, 1 - al];
    case 'highpass': return [(1 + cs) / 2, -(1 + cs), (1 + cs) / 2, 1 + al, -2 * cs, 1 - al];
    case 'bandpass': return [al, 0, -al, 1 + al, -2 * cs, 1 - al];
    case 'notch': return [1, -2 * cs, 1, 1 + al, -2 * cs, 1 - al];
    case 'allpass': return [1 - al, -2 * cs, 1 + al, 1 + al, -2 * cs, 1 - al];
    case 'peak': return [1 + al * A, -2 * cs, 1 - al * A, 1 + al / A, -2 * cs, 1 - al / A];
    case 'lowshelf': return [
      A * ((A + 1) - (A - 1) * cs + sq), 2 * A * ((A - 1) - (A + 1) * cs), A * ((A + 1) - (A - 1) * cs - sq),
      (A + 1) + (A - 1) * cs + sq, -2 * ((A - 1) + (A + 1) * cs), (A + 1) + (A - 1) * cs - sq];
    case 'highshelf': return [
      A * ((A + 1) + (A - 1) * cs + sq), -2 * A * ((A - 1) + (A + 1) * cs), A * ((A + 1) + (A - 1) * cs - sq),
      (A + 1) - (A - 1) * cs + sq, 2 * ((A - 1) - (A + 1) * cs), (A + 1) - (A - 1) * cs - sq];
  }
}

/** |H| in dB of un-normalized coefficients, by complex evaluation at z = e^{jw}. */
function analyticDb(c: number[], fs: number, f: number): number {
  const w = (2 * Math.PI * f) / fs;
  const ev = (x0: number, x1: number, x2: number): number => {
    const re = x0 + x1 * Math.cos(-w) + x2 * Math.cos(-2 * w);
    const im = x1 * Math.sin(-w) + x2 * Math.sin(-2 * w);
    return re * re + im * im;
  };
  return 10 * Math.log10(ev(c[0]!, c[1]!, c[2]!) / ev(c[3]!, c[4]!, c[5]!));
}

const IR_LEN = 1 << 16;
const FREQS = logFreqs(20, 20000, 40);

function impulseResponse(run: (buf: Float32Array) => void): Float32Array {
  const h = new Float32Array(IR_LEN);
  h[0] = 1;
  // Several blocks, as the graph would call it.
  const block = 4096;
  for (let at = 0; at < IR_LEN; at += block) run(h.subarray(at, at + block));
  return h;
}

const cases: Array<[BiquadType, number, number, number]> = [
  ['lowpass', 1000, 0.7071, 0], ['lowpass', 8000, 2, 0], ['lowpass', 100, 0.5, 0],
  ['highpass', 80, 0.7071, 0], ['highpass', 2000, 4, 0],
  ['lowshelf', 100, 0.7071, 6], ['lowshelf', 300, 1, -12],
  ['highshelf', 8000, 0.7071, 9], ['highshelf', 3000, 0.5, -15],
  ['peak', 400, 1, 12], ['peak', 2500, 4, -15], ['peak', 60, 0.3, 6],
  ['notch', 1000, 2, 0], ['bandpass', 500, 1, 0], ['bandpass', 5000, 8, 0],
  ['allpass', 1000, 0.7071, 0], ['allpass', 200, 3, 0],
];

describe('Biquad', () => {
  for (const fs of [48000, 44100]) {
    for (const [type, f0, q, g] of cases) {
      it(`${type} ${f0} Hz Q ${q} ${g} dB at ${fs} Hz: measured response matches the cookbook within 0.1 dB`, () => {
        const bq = new Biquad(fs);
        bq.configure(type, f0, q, g);
        const h = impulseResponse((b) => bq.process(b, b.length));
        const ref = cookbook(type, fs, f0, q, g);
        let checked = 0;
        for (const f of FREQS) {
          if (f >= fs / 2) continue;
          const want = analyticDb(ref, fs, f);
          if (want < -60) continue;
          expect(Math.abs(dftMagDb(h, f, fs) - want), `${f.toFixed(1)} Hz`).toBeLessThan(0.1);
          expect(Math.abs(bq.magnitudeDb(f) - want), `analytic ${f.toFixed(1)} Hz`).toBeLessThan(0.01);
          checked++;
        }
        expect(checked).toBeGreaterThan(10);
      });
    }
  }

  it('peaking gain at f0 equals the gain and HPF Q 0.7071 is -3.01 dB at f0', () => {
    const bq = new Biquad(48000);
    bq.configure('peak', 1000, 2, 7.5);
    expect(bq.magnitudeDb(1000)).toBeCloseTo(7.5, 6);
    bq.configure('highpass', 1000, Math.SQRT1_2);
    expect(bq.magnitudeDb(1000)).toBeCloseTo(-3.0103, 3);
  });

  it('keeps running after NaN input, and clamps silly parameters instead of blowing up', () => {
    const bq = new Biquad(48000);
    bq.configure('lowpass', 1e9, NaN);
    const buf = sine(1000, 48000, 256);
    buf[3] = NaN;
    bq.process(buf, 256);
    const next = sine(1000, 48000, 256);
    bq.process(next, 256);
    expect(Number.isFinite(peakOf(next))).toBe(true);
    expect(peakOf(next)).toBeGreaterThan(0.5);
  });

  it('a coefficient change between blocks on a running filter does not click', () => {
    const fs = 48000;
    const bq = new Biquad(fs);
    bq.configure('peak', 1000, 1, 0);
    const x = sine(200, fs, 48000, 0.5);
    let maxStep = 0;
    let prev = 0;
    for (let at = 0, k = 0; at < x.length; at += 128, k++) {
      // A gain sweep of 0.5 dB per block, as an encoder turned fast would make.
      bq.configure('peak', 1000, 1, Math.min(12, k * 0.5));
      const b = x.subarray(at, at + 128);
      bq.process(b, 128);
      for (let i = 0; i < b.length; i++) { maxStep = Math.max(maxStep, Math.abs(b[i]! - prev)); prev = b[i]!; }
    }
    // The 200 Hz sine at 0.5 moves at most 0.013 per sample; a click would jump far above that.
    expect(maxStep).toBeLessThan(0.02);
  });

  it('process() does not allocate', () => {
    const bq = new Biquad(48000);
    bq.configure('peak', 1000, 1, 6);
    const buf = sine(100, 48000, 128);
    expect(heapGrowth(() => bq.process(buf, 128))).toBeLessThan(32 * 1024);
  });
});

describe('BiquadBank', () => {
  it('filters each channel with its own state', () => {
    const bank = new BiquadBank(48000, 2);
    const mono = new Biquad(48000);
    bank.configure('highshelf', 4000, 0.7071, 6);
    mono.configure('highshelf', 4000, 0.7071, 6);
    const l = sine(6000, 48000, 512), r = sine(300, 48000, 512);
    const lRef = l.slice(), rRef = r.slice();
    bank.process([l, r], 2, 512);
    mono.process(lRef, 512);
    mono.reset();
    mono.process(rRef, 512);
    expect(Array.from(l)).toEqual(Array.from(lRef));
    expect(Array.from(r)).toEqual(Array.from(rRef));
  });
});

describe('HighPass', () => {
  const fs = 48000;
  for (const slope of [12, 24] as const) {
    it(`${slope} dB/oct: measured response is Butterworth (-3.01 dB at the corner, ${slope} dB/oct below)`, () => {
      const hp = new HighPass(fs, 1);
      hp.configure(100, slope);
      const h = impulseResponse((b) => hp.process([b], 1, b.length));
      const order = slope / 6;
      for (const f of FREQS) {
        // Butterworth: |H|² = 1 / (1 + (fc/f)^(2n)) with the bilinear prewarp.
        const r = Math.tan((Math.PI * 100) / fs) / Math.tan((Math.PI * f) / fs);
        const want = -10 * Math.log10(1 + Math.pow(r, 2 * order));
        if (want < -60) continue;
        expect(Math.abs(dftMagDb(h, f, fs) - want), `${f.toFixed(1)} Hz`).toBeLessThan(0.1);
        expect(Math.abs(hp.magnitudeDb(f) - want)).toBeLessThan(0.01);
      }
      expect(hp.magnitudeDb(100)).toBeCloseTo(-3.0103, 3);
      // An octave further below the corner: slope per octave in the stop band.
      expect(hp.magnitudeDb(12.5) - hp.magnitudeDb(25)).toBeCloseTo(-slope, 0);
    });
  }

  it('passes the top of the band untouched and switching slope on the fly stays bounded', () => {
    const hp = new HighPass(fs, 2);
    const l = sine(1000, fs, 9600), r = sine(1000, fs, 9600);
    for (let at = 0, k = 0; at < 9600; at += 480, k++) {
      hp.configure(120, k < 5 || k >= 10 ? 12 : 24);
      hp.process([l.subarray(at, at + 480), r.subarray(at, at + 480)], 2, 480);
    }
    expect(db(peakOf(l, 7200))).toBeCloseTo(0, 1);
    expect(peakOf(r)).toBeLessThan(1.15);
  });
});

describe('BiquadBank.processWith', () => {
  it('matches two passes (within float32 rounding of the intermediate) and keeps state across blocks', () => {
    const fs = 48000;
    const mk = (type: 'highpass' | 'peak', f: number, g: number): BiquadBank => {
      const b = new BiquadBank(fs, 2);
      b.configure(type, f, 0.9, g);
      return b;
    };
    const a1 = mk('highpass', 90, 0), b1 = mk('peak', 2000, 6), a2 = mk('highpass', 90, 0), b2 = mk('peak', 2000, 6);
    const x = [noise(4096, 0.5, 1), noise(4096, 0.5, 2)];
    const twoPass = x.map((c) => c.slice()), fused = x.map((c) => c.slice());
    for (let at = 0; at < 4096; at += 128) {
      const tp = twoPass.map((c) => c.subarray(at, at + 128)), fu = fused.map((c) => c.subarray(at, at + 128));
      a1.process(tp, 2, 128);
      b1.process(tp, 2, 128);
      a2.processWith(b2, fu, 2, 128);
    }
    let worst = 0;
    for (let c = 0; c < 2; c++) for (let i = 0; i < 4096; i++) worst = Math.max(worst, Math.abs(twoPass[c]![i]! - fused[c]![i]!));
    expect(worst).toBeLessThan(1e-6);
    expect(peakOf(fused[1]!)).toBeGreaterThan(0.1);
  });
});
