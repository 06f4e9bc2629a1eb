import { describe, expect, it } from 'vitest';
import { Strip } from '../../../src/engine/graph/strip.ts';
import { BiquadBank } from '../../../src/engine/dsp/biquad.ts';
import { EQ_TYPES } from '../../../src/params/registry.ts';
import { noise } from '../dsp/helpers.ts';
import { clickDb } from '../dsp/spectrum.ts';

const SR = 48000;
const B = 128;
/** Smallest positive normal float32: anything nonzero below it is subnormal. */
const F32_MIN_NORMAL = 1.1754943508222875e-38;

function strip(params: Record<string, number>): Strip {
  const s = new Strip(SR, B, 1);
  const setters = new Map<string, (v: number) => void>();
  s.bindParams((a, f) => setters.set(a, (v: number) => f(Float64Array.of(v))), '/ch/1');
  for (const [a, v] of Object.entries(params)) setters.get(`/ch/1/${a}`)!(v);
  s.snap = false;
  return s;
}

const meters = new Float64Array(4);

function block(s: Strip, amp: number, n: number): void {
  for (let i = 0; i < B; i++) s.bufs[0]![i] = amp * Math.sin((2 * Math.PI * 100 * (n * B + i)) / SR);
  s.processPre(B);
  s.processPost(B);
  s.finishBlock(meters, 0, 1, 2);
}

function subnormalIn(buf: Float32Array): boolean {
  return buf.some((v) => v !== 0 && Math.abs(v) < F32_MIN_NORMAL);
}

describe('strip in silence after music (the kernels flush their decayed states)', () => {
  it('HPF and EQ ring out, never through subnormal samples, then give exactly 0', () => {
    const s = strip({ 'hpf/on': 1, 'hpf/freq': 80, 'hpf/slope': 1, 'eq/1/gain': 6, 'eq/2/gain': -4 });
    for (let n = 0; n < 200; n++) block(s, 0.5, n);
    block(s, 0, 200);
    // Right after the signal stops the filters still ring: nothing is cut off.
    expect(s.bufs[0]!.some((v) => Math.abs(v) > 1e-6)).toBe(true);
    for (let n = 201; n < 201 + 375 * 4; n++) {
      block(s, 0, n);
      expect(subnormalIn(s.bufs[0]!) || subnormalIn(s.post[0]!), `block ${n}`).toBe(false);
    }
    expect(s.bufs[0]!.every((v) => v === 0)).toBe(true);
  });

  it('a compressor envelope decays to exactly no gain reduction', () => {
    const s = strip({ 'comp/on': 1, 'comp/threshold': -30, 'comp/release': 50 });
    for (let n = 0; n < 100; n++) block(s, 0.5, n);
    expect(meters[2]).toBeGreaterThan(5);
    for (let n = 100; n < 100 + 375 * 3; n++) block(s, 0, n);
    expect(meters[2]).toBe(0);
  });
});

describe('strip EQ (active bands run in pairs)', () => {
  const BANDS = [
    { type: 'lowshelf', freqHz: 100, q: 0.707, gainDb: 3 },
    { type: 'peak', freqHz: 400, q: 1.2, gainDb: -4 },
    { type: 'peak', freqHz: 2500, q: 0.8, gainDb: 5 },
    { type: 'highshelf', freqHz: 8000, q: 0.707, gainDb: -2 },
  ] as const;

  /** Noise through the strip with only `on` bands at their gains (the others at 0 dB: skipped). */
  function viaStrip(on: readonly number[], nch: 1 | 2): Float32Array[] {
    const s = new Strip(SR, B, nch);
    const setters = new Map<string, (v: number) => void>();
    s.bindParams((a, f) => setters.set(a, (v: number) => f(Float64Array.of(v))), '/ch/1');
    BANDS.forEach((b, k) => {
      setters.get(`/ch/1/eq/${k + 1}/type`)!(EQ_TYPES.indexOf(b.type));
      setters.get(`/ch/1/eq/${k + 1}/freq`)!(b.freqHz);
      setters.get(`/ch/1/eq/${k + 1}/q`)!(b.q);
      setters.get(`/ch/1/eq/${k + 1}/gain`)!(on.includes(k) ? b.gainDb : 0);
    });
    s.snap = false;
    const out = Array.from({ length: nch }, () => new Float32Array(B * 20));
    for (let n = 0; n < 20; n++) {
      for (let c = 0; c < nch; c++) s.bufs[c]!.set(noise(B, 0.5, 1 + c + n * 7));
      s.processPre(B);
      for (let c = 0; c < nch; c++) out[c]!.set(s.bufs[c]!, n * B);
    }
    return out;
  }

  /** The same bands one after another, each a bank of its own. */
  function reference(on: readonly number[], nch: 1 | 2): Float32Array[] {
    const banks = on.map((k) => {
      const bank = new BiquadBank(SR, nch);
      const b = BANDS[k]!;
      bank.configure(b.type, b.freqHz, b.q, b.gainDb);
      return bank;
    });
    const out = Array.from({ length: nch }, () => new Float32Array(B * 20));
    const bufs = Array.from({ length: nch }, () => new Float32Array(B));
    for (let n = 0; n < 20; n++) {
      for (let c = 0; c < nch; c++) bufs[c]!.set(noise(B, 0.5, 1 + c + n * 7));
      for (const bank of banks) bank.process(bufs, nch, B);
      for (let c = 0; c < nch; c++) out[c]!.set(bufs[c]!, n * B);
    }
    return out;
  }

  for (const on of [[0], [1, 3], [0, 1, 2], [0, 1, 2, 3], [2]]) {
    for (const nch of [1, 2] as const) {
      it(`bands ${on.map((k) => k + 1).join('+')}, ${nch === 1 ? 'mono' : 'stereo'}: the cascade of those bands`, () => {
        const got = viaStrip(on, nch);
        const want = reference(on, nch);
        for (let c = 0; c < nch; c++) for (let i = 0; i < got[c]!.length; i++) expect(Math.abs(got[c]![i]! - want[c]![i]!)).toBeLessThan(1e-6);
      });
    }
  }

  it('a band switched off mid-stream glides to a wire, then the others run on alone (pairs re-formed)', () => {
    const s = new Strip(SR, B, 1);
    const setters = new Map<string, (v: number) => void>();
    s.bindParams((a, f) => setters.set(a, (v: number) => f(Float64Array.of(v))), '/ch/1');
    setters.get('/ch/1/eq/1/gain')!(6);
    setters.get('/ch/1/eq/2/gain')!(6);
    setters.get('/ch/1/eq/3/gain')!(6);
    s.snap = false;
    // The strip's bands before any type/freq/q is set: EQ_TYPES[1] at 1 kHz, Q 1.
    const banks = [0, 1, 2].map(() => new BiquadBank(SR, 1));
    for (const bank of banks) bank.configure(EQ_TYPES[1]!, 1000, 1, 6);
    for (let n = 0; n < 40; n++) {
      if (n === 1) {
        setters.get('/ch/1/eq/1/gain')!(0);
        setters.get('/ch/1/eq/3/gain')!(0);
        banks[0]!.bypass(true);
        banks[2]!.bypass(true);
      }
      const ref = [noise(B, 0.5, 3 + n)];
      s.bufs[0]!.set(ref[0]!);
      s.processPre(B);
      // Bands 1 and 3 glide out over 20 ms (8 blocks), then are wires and skipped: band 2 alone.
      if (n < 10) for (const bank of banks) bank.process(ref, 1, B);
      else banks[1]!.process(ref, 1, B);
      if (n >= 10) expect(banks[0]!.idle && banks[2]!.idle).toBe(true);
      // Three bands while two glide out, then band 2 alone (the wires are dropped once they are there).
      expect({ n, running: s.eqBandsRunning }).toEqual({ n, running: n <= 8 ? 3 : 1 });
      for (let i = 0; i < B; i++) expect(Math.abs(s.bufs[0]![i]! - ref[0]![i]!), `block ${n}`).toBeLessThan(1e-6);
    }
  });

  it('the EQ switched back on starts from the present, not from the state it froze in', () => {
    const rig = () => {
      const st = new Strip(SR, B, 1);
      const set = new Map<string, (v: number) => void>();
      st.bindParams((a, f) => set.set(a, (v: number) => f(Float64Array.of(v))), '/ch/1');
      set.get('/ch/1/eq/2/gain')!(6);
      st.snap = false;
      return { st, eqOn: (on: boolean) => set.get('/ch/1/eq/on')!(on ? 1 : 0) };
    };
    // A runs its EQ, has it off for a while, then on again; B has it off until then. From that
    // moment both must agree: a band resuming from its frozen state would differ (a click).
    const a = rig(), b = rig();
    b.eqOn(false);
    for (let n = 0; n < 300; n++) {
      if (n === 100) a.eqOn(false);
      if (n === 250) {
        a.eqOn(true);
        b.eqOn(true);
      }
      block(a.st, 0.5, n);
      block(b.st, 0.5, n);
      if (n >= 250) for (let i = 0; i < B; i++) expect(a.st.bufs[0]![i]).toBeCloseTo(b.st.bufs[0]![i]!, 6);
    }
  });
});

describe('strip filter changes on a running tone do not click (coefficient glides)', () => {
  // 1 kHz at −6 dBFS; the change lands on the block at AT. Spectrum: see test/engine/dsp/glide.test.ts.
  const AT = B * 187;
  const changes: ReadonlyArray<readonly [string, Record<string, number>, Record<string, number>]> = [
    ['EQ band 2 at 1 kHz 0 → −15 dB', { 'eq/2/freq': 1000 }, { 'eq/2/gain': -15 }],
    ['EQ band 2 at 1 kHz −15 → 0 dB (band glides out to a wire)', { 'eq/2/freq': 1000, 'eq/2/gain': -15 }, { 'eq/2/gain': 0 }],
    ['EQ band 1 notch moved onto 1 kHz', { 'eq/1/type': 5, 'eq/1/freq': 4000 }, { 'eq/1/freq': 1000 }],
    ['EQ switched off with two bands at −15 dB', { 'eq/2/freq': 1000, 'eq/2/gain': -15, 'eq/3/freq': 800, 'eq/3/gain': -15 }, { 'eq/on': 0 }],
    ['HPF switched on at 400 Hz, 24 dB/oct', { 'hpf/freq': 400, 'hpf/slope': 1 }, { 'hpf/on': 1 }],
    ['HPF corner 20 → 400 Hz', { 'hpf/on': 1, 'hpf/freq': 20 }, { 'hpf/freq': 400 }],
  ];
  for (const [name, before, after] of changes) {
    it(`${name}: nothing above 4 kHz within 80 dB of the tone`, () => {
      const s = new Strip(SR, B, 1);
      const setters = new Map<string, (v: number) => void>();
      s.bindParams((a, f) => setters.set(a, (v: number) => f(Float64Array.of(v))), '/ch/1');
      for (const [a, v] of Object.entries(before)) setters.get(`/ch/1/${a}`)!(v);
      s.snap = false;
      const out = new Float32Array(SR);
      for (let at = 0; at < SR; at += B) {
        if (at === AT) for (const [a, v] of Object.entries(after)) setters.get(`/ch/1/${a}`)!(v);
        for (let i = 0; i < B; i++) s.bufs[0]![i] = 0.5 * Math.sin((2 * Math.PI * 1000 * (at + i)) / SR);
        s.processPre(B);
        out.set(s.bufs[0]!.subarray(0, B), at);
      }
      expect(clickDb(out, AT, SR, 1000, 4000, 2048)).toBeLessThan(-80);
    });
  }
});
