import { describe, expect, it } from 'vitest';
import { MasterChain, RIDE_DB_PER_S } from '../../../src/engine/graph/master.ts';
import { measureTruePeak } from '../../../src/engine/dsp/truepeak.ts';
import { ParamRegistry, toEngineValue } from '../../../src/params/registry.ts';
import { defaultSession } from '../../../src/params/session.ts';
import { db, dftMagDb, heapGrowth, noise, rmsOf, sine } from '../dsp/helpers.ts';
import { toneSegments } from '../dsp/ebu-signals.ts';
import { clickDb } from '../dsp/spectrum.ts';

const FS = 48000;
const BLOCK = 128;
const registry = ParamRegistry.fromSession(defaultSession());

interface Rig {
  chain: MasterChain;
  set: (address: string, value: number | boolean | string) => void;
  meters: Float64Array;
  meter: (name: string) => number;
  bound: Set<string>;
}

/** A chain bound like the graph binds it: registry defaults applied, meters at their registry indices. */
function rig(): Rig {
  const chain = new MasterChain(FS, BLOCK);
  const setters = new Map<string, (v: number) => void>();
  chain.bindParams((address, apply) => {
    const def = registry.get(address);
    if (!def) throw new Error(`bound an address the registry does not have: ${address}`);
    if (setters.has(address)) throw new Error(`bound twice: ${address}`);
    setters.set(address, (v: number) => apply(Float64Array.of(v)));
    apply(Float64Array.of(toEngineValue(def, def.default)));
  });
  const meters = new Float64Array(registry.defs.length).fill(NaN);
  chain.bindMeters((a) => registry.get(a)?.index ?? -1);
  const set = (address: string, value: number | boolean | string): void => {
    const def = registry.get(address)!;
    setters.get(address)!(toEngineValue(def, value));
  };
  return { chain, set, meters, meter: (name) => meters[registry.get(`/master/meter/${name}`)!.index]!, bound: new Set(setters.keys()) };
}

/** Runs the chain over whole channels in blocks, writing meters after each block; `each` sees every block. */
function run(r: Rig, l: Float32Array, rr: Float32Array, each?: (tEnd: number) => void): void {
  for (let at = 0; at < l.length; at += BLOCK) {
    const n = Math.min(BLOCK, l.length - at);
    r.chain.process(l.subarray(at, at + n), rr.subarray(at, at + n), n);
    r.chain.writeMeters(r.meters);
    each?.((at + n) / FS);
  }
}

describe('MasterChain', () => {
  it('binds every writable /master param except fader and mute, and only registry addresses', () => {
    const r = rig();
    const expected = registry.defs.filter((d) => d.address.startsWith('/master/') && !d.readOnly && d.address !== '/master/fader' && d.address !== '/master/mute');
    expect([...r.bound].sort()).toEqual(expected.map((d) => d.address).sort());
  });

  it('with the defaults (mono bass off) a programme under the ceiling passes unchanged, delayed by latencyFrames', () => {
    const r = rig();
    // Mono bass shifts the phase of everything (its crossover's all-pass); tested on its own below.
    r.set('/master/monobass', false);
    const x = sine(440, FS, FS / 2, 0.3);
    const l = Float32Array.from(x), rr = Float32Array.from(x);
    run(r, l, rr);
    const d = r.chain.latencyFrames;
    expect(d).toBeGreaterThan(0);
    for (let i = d + 1000; i < x.length; i++) expect(Math.abs(l[i]! - x[i - d]!)).toBeLessThan(1e-6);
  });

  it('meters M, S, I, LRA and true peak of the output (EBU -23 tone)', () => {
    const r = rig();
    // The crossover's all-pass overshoots at the tone's abrupt onset, which the true-peak meter would hold.
    r.set('/master/monobass', false);
    const x = toneSegments([[10, -23]]);
    run(r, Float32Array.from(x), Float32Array.from(x));
    expect(Math.abs(r.meter('momentary') + 23)).toBeLessThan(0.1);
    expect(Math.abs(r.meter('shortterm') + 23)).toBeLessThan(0.1);
    expect(Math.abs(r.meter('integrated') + 23)).toBeLessThan(0.1);
    expect(r.meter('lra')).toBeLessThan(0.1);
    expect(Math.abs(r.meter('truepeak') + 23)).toBeLessThan(0.1);
    expect(r.meter('autogain')).toBe(0);
    expect(r.meter('gr')).toBe(0);
    r.chain.resetLoudness();
    r.chain.writeMeters(r.meters);
    expect(r.meter('integrated')).toBe(-Infinity);
    expect(r.meter('truepeak')).toBe(-Infinity);
  });

  it('the limiter holds its ceiling on material 12 dB too hot, and reports the reduction', () => {
    const r = rig();
    r.set('/master/limiter/ceiling', -2);
    const l = noise(FS, 2, 1), rr = noise(FS, 2, 2);
    run(r, l, rr);
    expect(measureTruePeak([l, rr], FS)).toBeLessThanOrEqual(-2);
    expect(r.meter('truepeak')).toBeLessThanOrEqual(-2);
    expect(r.meter('gr')).toBeGreaterThan(3);
  });

  it('limiter off passes overs through, with no look-ahead delay', () => {
    const r = rig();
    r.set('/master/limiter/on', false);
    r.set('/master/monobass', false);
    const x = sine(440, FS, FS / 4, 1.5);
    const l = Float32Array.from(x), rr = Float32Array.from(x);
    run(r, l, rr);
    const d = r.chain.latencyFrames;
    for (let i = d + 1000; i < x.length; i++) expect(Math.abs(l[i]! - x[i - d]!)).toBeLessThan(1e-6);
  });

  it('loudness auto rides toward the target at ≤ 1 dB/s, holds in silence, and glides back when off', () => {
    const r = rig();
    r.set('/master/loudness/target', -20);
    r.set('/master/loudness/auto', true);
    const x = toneSegments([[16, -30], [4, null]]);
    const gains: number[] = [];
    run(r, Float32Array.from(x), Float32Array.from(x), () => gains.push(r.meter('autogain')));
    const perBlockMax = (RIDE_DB_PER_S * BLOCK) / FS + 1e-9;
    for (let i = 1; i < gains.length; i++) expect(Math.abs(gains[i]! - gains[i - 1]!)).toBeLessThanOrEqual(perBlockMax);
    const at = (t: number): number => gains[Math.floor((t * FS) / BLOCK) - 1]!;
    expect(at(5)).toBeCloseTo(5, 1);
    expect(at(14)).toBeGreaterThan(9.9);
    expect(at(14)).toBeLessThan(10.05);
    // Four seconds of silence: the gain stays where the music left it.
    expect(Math.abs(at(20) - at(16))).toBeLessThan(0.1);
    r.set('/master/loudness/auto', false);
    const z = new Float32Array(2 * FS);
    run(r, z, Float32Array.from(z));
    expect(r.meter('autogain')).toBeCloseTo(at(20) - 2, 1);
  });

  it('the output integrated loudness lands on the target with auto on', () => {
    const r = rig();
    r.set('/master/loudness/target', -18);
    r.set('/master/loudness/auto', true);
    const x = toneSegments([[12, -24]]);
    run(r, Float32Array.from(x), Float32Array.from(x));
    r.chain.resetLoudness();
    const y = toneSegments([[6, -24]]);
    run(r, Float32Array.from(y), Float32Array.from(y));
    expect(Math.abs(r.meter('shortterm') + 18)).toBeLessThan(0.2);
  });

  it('width 0 makes the output mono; EQ and tilt shape it', () => {
    const r = rig();
    r.set('/master/width', 0);
    const l = sine(440, FS, FS / 4, 0.2), rr = sine(660, FS, FS / 4, 0.2);
    run(r, l, rr);
    for (let i = 2000; i < l.length; i++) expect(l[i]).toBeCloseTo(rr[i]!, 6);

    const e = rig();
    e.set('/master/monobass', false);
    e.set('/master/eq/2/freq', 1000);
    e.set('/master/eq/2/gain', 6);
    const a = sine(1000, FS, FS / 2, 0.1);
    const b = Float32Array.from(a);
    run(e, a, b);
    expect(measureTruePeak([a.subarray(FS / 4)], FS) - 20 * Math.log10(0.1)).toBeCloseTo(6, 1);
  });

  it.each([
    ['tilt and band 2 at 0 dB', (rg: Rig, on: boolean) => { rg.set('/master/eq/tilt', on ? 6 : 0); rg.set('/master/eq/2/gain', on ? 6 : 0); }],
    ['the EQ switched off', (rg: Rig, on: boolean) => { rg.set('/master/eq/tilt', 6); rg.set('/master/eq/2/gain', 6); rg.set('/master/eq/on', on); }],
  ] as const)('tilt and EQ bands brought back after a spell with %s start from the present, not from stale state', (_what, set) => {
    // A: tilt and band 2 work, stop working for a while, then come back. B: not working until A comes
    // back. From that moment both must produce the same output: a filter resuming from the state it
    // froze in half a second earlier would differ (a click).
    const a = rig(), b = rig();
    set(b, false);
    const l = sine(90, FS, FS, 0.1), r = sine(150, FS, FS, 0.1);
    const la = Float32Array.from(l), ra = Float32Array.from(r), lb = Float32Array.from(l), rb = Float32Array.from(r);
    const seg = (rg: Rig, x: Float32Array, y: Float32Array, from: number, to: number) => run(rg, x.subarray(from, to), y.subarray(from, to));
    set(a, true);
    seg(a, la, ra, 0, 12800);
    seg(b, lb, rb, 0, 12800);
    set(a, false);
    seg(a, la, ra, 12800, 38400);
    seg(b, lb, rb, 12800, 38400);
    set(a, true);
    set(b, true);
    seg(a, la, ra, 38400, FS);
    seg(b, lb, rb, 38400, FS);
    for (let i = 38400; i < FS; i++) {
      expect(la[i]).toBeCloseTo(lb[i]!, 6);
      expect(ra[i]).toBeCloseTo(rb[i]!, 6);
    }
  });

  it('dither on requantizes the output to 16 bits', () => {
    const r = rig();
    r.set('/master/dither/on', true);
    r.set('/master/dither/bits', '16');
    const l = sine(440, FS, 4800, 0.3), rr = sine(440, FS, 4800, 0.3);
    run(r, l, rr);
    for (const v of l) expect(Number.isInteger(v * 32768)).toBe(true);
  });

  it('drive and exciter add harmonics only when turned up: none at 0, measured at each harmonic', () => {
    // A 3 kHz tone (in the exciter's 2.5–7.5 kHz band) through the whole chain; each harmonic's level
    // relative to the fundamental, on the second half (filters settled). Everything else is at its default.
    const harmonics = (drive: number, exciter: number): { h2: number; h3: number } => {
      const r = rig();
      r.set('/master/drive', drive);
      r.set('/master/exciter', exciter);
      const l = sine(3000, FS, FS, 0.25), rr = Float32Array.from(l);
      run(r, l, rr);
      const y = l.subarray(FS / 2);
      const ref = dftMagDb(y, 3000, FS);
      return { h2: dftMagDb(y, 6000, FS) - ref, h3: dftMagDb(y, 9000, FS) - ref };
    };
    const off = harmonics(0, 0);
    expect(off.h2, 'no 2nd harmonic with both off').toBeLessThan(-100);
    expect(off.h3, 'no 3rd harmonic with both off').toBeLessThan(-100);
    // The exciter's curve has b² and b³ terms: both harmonics appear.
    const excited = harmonics(0, 50);
    expect(excited.h2).toBeGreaterThan(-60);
    expect(excited.h3).toBeGreaterThan(-80);
    // Drive is a tanh (odd-symmetric): a 3rd harmonic, and no 2nd.
    const driven = harmonics(6, 0);
    expect(driven.h3).toBeGreaterThan(-60);
    expect(driven.h2).toBeLessThan(-100);
  });

  it('does not allocate in process() and writeMeters()', () => {
    const r = rig();
    r.set('/master/comp/on', true);
    r.set('/master/loudness/auto', true);
    r.set('/master/dither/on', true);
    r.set('/master/eq/1/gain', 3);
    r.set('/master/width', 140);
    r.set('/master/exciter', 20);
    r.set('/master/drive', 3);
    const l = noise(BLOCK, 0.5, 5), rr = noise(BLOCK, 0.5, 6);
    heapGrowth(() => { r.chain.process(l, rr, BLOCK); r.chain.writeMeters(r.meters); }, 4000);
    expect(heapGrowth(() => { r.chain.process(l, rr, BLOCK); r.chain.writeMeters(r.meters); }, 8000)).toBeLessThan(64 * 1024);
    // 52,000 blocks of the whole chain (heapGrowth warms up for 20,000 each time): minutes on a loaded machine.
  }, 300_000);

  it('mono bass (default, 120 Hz) keeps a hard-left source left above the crossover', () => {
    for (const f of [440, 2000]) {
      const r = rig();
      const l = sine(f, FS, FS / 2, 0.3), rr = new Float32Array(FS / 2);
      run(r, l, rr);
      const from = FS / 4;
      expect(db(rmsOf(rr, from) / rmsOf(l, from)), `${f} Hz leaks into R`).toBeLessThan(-40);
      expect(Math.abs(db(rmsOf(l, from) / (0.3 * Math.SQRT1_2)))).toBeLessThan(0.1);
    }
  });

  it('mono bass removes a side-only 40 Hz tone and leaves centred tones at their level', () => {
    const r = rig();
    r.set('/master/monobass', true);
    const l = sine(40, FS, FS, 0.3), rr = Float32Array.from(l, (v) => -v);
    run(r, l, rr);
    expect(db(rmsOf(l, FS / 2) / (0.3 * Math.SQRT1_2))).toBeLessThan(-20);
    for (const f of [30, 120, 1000, 10000]) {
      const c = rig();
      c.set('/master/monobass', true);
      const a = sine(f, FS, FS / 2, 0.3), b = Float32Array.from(a);
      run(c, a, b);
      expect(Math.abs(db(rmsOf(a, FS / 4) / (0.3 * Math.SQRT1_2))), `${f} Hz centred`).toBeLessThan(0.1);
    }
  });

  it('params set before the first block hold from the first sample (no glide from the defaults)', () => {
    const r = rig();
    r.set('/master/monobass', false);
    r.set('/master/width', 150);
    const l = new Float32Array(4 * BLOCK).fill(0.25), rr = new Float32Array(4 * BLOCK);
    run(r, l, rr);
    const d = r.chain.latencyFrames;
    // M = S = 0.125; width 150 %: L = 0.125 + 0.1875, R = 0.125 - 0.1875, exactly, from the first sample.
    for (let i = d; i < l.length; i++) {
      expect(l[i]).toBe(0.3125);
      expect(rr[i]).toBe(-0.0625);
    }
  });
});

describe('master EQ and tilt changes on a running tone do not click (coefficient glides)', () => {
  const AT = BLOCK * 187;
  const changes: ReadonlyArray<readonly [string, Record<string, number | boolean>, Record<string, number | boolean>]> = [
    ['band 2 at 1 kHz 0 → −15 dB', { '/master/eq/2/freq': 1000 }, { '/master/eq/2/gain': -15 }],
    ['band 1 low shelf at 1 kHz 0 → −15 dB', { '/master/eq/1/freq': 1000 }, { '/master/eq/1/gain': -15 }],
    ['tilt 0 → +6 dB', {}, { '/master/eq/tilt': 6 }],
    ['tilt −6 → +6 dB', { '/master/eq/tilt': -6 }, { '/master/eq/tilt': 6 }],
    ['EQ switched off (band 2 at −15 dB, tilt +6)', { '/master/eq/2/freq': 1000, '/master/eq/2/gain': -15, '/master/eq/tilt': 6 }, { '/master/eq/on': false }],
  ];
  for (const [name, before, after] of changes) {
    it(`${name}: nothing above 4 kHz within 80 dB of the tone`, () => {
      const r = rig();
      for (const [a, v] of Object.entries(before)) r.set(a, v);
      const l = sine(1000, FS, FS, 0.3), rr = sine(1000, FS, FS, 0.3);
      for (let at = 0; at < l.length; at += BLOCK) {
        if (at === AT) for (const [a, v] of Object.entries(after)) r.set(a, v);
        r.chain.process(l.subarray(at, at + BLOCK), rr.subarray(at, at + BLOCK), BLOCK);
      }
      const d = r.chain.latencyFrames;
      expect(clickDb(l, AT + d, FS, 1000, 4000, 2048)).toBeLessThan(-80);
      expect(clickDb(rr, AT + d, FS, 1000, 4000, 2048)).toBeLessThan(-80);
    });
  }
});
