/**
 * The compressor's lanes take their logs and exps four at a time (fdlibm-vec.h): on every variant
 * (compIsa) each lane must give fdlibm.h's scalar result, which comp-fdlibm.test.ts holds to
 * Math.log/Math.exp. Checked by Object.is on millions of values, on every branch of the scalar code
 * and its boundaries, and with each special value (the lanes that fall back to the scalar function)
 * in every lane beside ordinary ones.
 */
import { describe, expect, it } from 'vitest';
import { dspKernels } from '../../../src/engine/native/dsp-kernels.ts';
import { eachIsa, rng } from './helpers.ts';

type MapFn = (input: Float64Array, out: Float64Array, how?: string) => void;

function addon(): { log: MapFn; exp: MapFn } {
  const k = dspKernels();
  if (!k || typeof k.fdlibmLog !== 'function' || typeof k.fdlibmExp !== 'function') throw new Error('the dsp-kernels addon has no fdlibmLog/fdlibmExp: is it built (npm ci)?');
  return { log: k.fdlibmLog as MapFn, exp: k.fdlibmExp as MapFn };
}

function randomBits(n: number, seed: number): Float64Array {
  const r = rng(seed);
  const u = new Uint32Array(2 * n);
  for (let i = 0; i < u.length; i++) u[i] = Math.floor(r() * 4294967296);
  return new Float64Array(u.buffer);
}

function logUniform(n: number, seed: number, lo: number, hi: number): Float64Array {
  const r = rng(seed);
  const out = new Float64Array(n), a = Math.log(lo), b = Math.log(hi);
  for (let i = 0; i < n; i++) out[i] = Math.exp(a + (b - a) * r());
  return out;
}

function uniform(n: number, seed: number, lo: number, hi: number): Float64Array {
  const r = rng(seed);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * r();
  return out;
}

/** x and the k ulps either side of it, for each x. */
function ulpsAround(xs: readonly number[], k: number): Float64Array {
  const out = new Float64Array(xs.length * (2 * k + 1));
  const f = new Float64Array(1), b = new BigInt64Array(f.buffer);
  let o = 0;
  for (const x of xs) {
    f[0] = x;
    const base = b[0]!;
    for (let d = -k; d <= k; d++) {
      b[0] = base + BigInt(d);
      out[o++] = f[0]!;
    }
  }
  return out;
}

/** Doubles whose high word is hi (and random low words): the scalar code branches on high words. */
function highWords(his: readonly number[], perWord: number, seed: number): Float64Array {
  const r = rng(seed);
  const u = new Uint32Array(2 * his.length * perWord);
  let o = 0;
  for (const hi of his)
    for (let i = 0; i < perWord; i++) {
      u[o++] = i === 0 ? 0 : Math.floor(r() * 4294967296);
      u[o++] = hi >>> 0;
    }
  return new Float64Array(u.buffer);
}

/** Each special value in each of the four lanes beside ordinary values, then four of them together. */
function specialsInLanes(specials: readonly number[], ordinary: number): Float64Array {
  const out: number[] = [];
  for (const v of specials)
    for (let lane = 0; lane < 4; lane++) for (let l = 0; l < 4; l++) out.push(l === lane ? v : ordinary * (l + 1));
  for (let i = 0; i + 4 <= specials.length; i++) out.push(...specials.slice(i, i + 4));
  return Float64Array.from(out);
}

const LOG_SPECIAL = [0, -0, Infinity, -Infinity, NaN, -NaN, -1, -1e-300, Number.MIN_VALUE, 2.225073858507201e-308, 2.2250738585072014e-308, Number.MAX_VALUE, 1, Math.SQRT2, Math.SQRT1_2, 1 + 2 ** -21];
const EXP_SPECIAL = [NaN, Infinity, -Infinity, 708, -708, 707.9999999999999, -707.9999999999999, 709.782712893384, 709.7827128933841, -745.1332191019411, -745.1332191019412, -740, 1e300, -1e300, 0, -0, 1, 2 ** -29, -(2 ** -29), 0.5 * Math.LN2, 1.5 * Math.LN2];

/** The first index where the lanes' result differs from the scalar one (Object.is), or -1. */
function firstMismatch(f: MapFn, xs: Float64Array): number {
  const a = new Float64Array(xs.length), b = new Float64Array(xs.length);
  f(xs, a, 'scalar');
  f(xs, b, 'lanes');
  for (let i = 0; i < xs.length; i++) if (!Object.is(a[i], b[i])) return i;
  return -1;
}

function expectSame(f: MapFn, xs: Float64Array, what: string): void {
  // Every alignment: a value's lane is its index mod 4, and a shorter tail is padded.
  for (const shift of [0, 1, 2, 3]) {
    const v = xs.subarray(shift);
    const i = firstMismatch(f, v);
    if (i >= 0) {
      const a = new Float64Array(v.length), b = new Float64Array(v.length);
      f(v, a, 'scalar');
      f(v, b, 'lanes');
      expect.fail(`${what}: at ${v[i]} (index ${i}, lane ${i % 4}) the lanes give ${b[i]}, the scalar port ${a[i]}`);
    }
  }
}

describe('fdlibm-vec.h: four lanes of log and exp are fdlibm.h, bit for bit', () => {
  const { log, exp } = addon();

  it('log: specials in every lane, random bits, the whole positive range, every branch and boundary', { timeout: 120_000 }, () => {
    eachIsa('compIsa', (isa) => {
      const w = `${isa} log`;
      expectSame(log, specialsInLanes(LOG_SPECIAL, 0.3), `${w} specials`);
      expectSame(log, randomBits(1_000_000, 101), `${w} random bits`);
      expectSame(log, logUniform(1_000_000, 102, 2.2250738585072014e-308, 1.7e308), `${w} every positive exponent`);
      expectSame(log, logUniform(100_000, 103, Number.MIN_VALUE, 2.2250738585072014e-308), `${w} subnormals`);
      expectSame(log, logUniform(1_000_000, 104, 1e-12, 1e6), `${w} audio levels and products`);
      expectSame(log, uniform(300_000, 105, 0.99999, 1.00001), `${w} |f| < 2^-20 (k 0 and not)`);
      expectSame(log, ulpsAround([1, 2, 0.5, 4, 0.25, Math.SQRT2, Math.SQRT1_2, 2 * Math.SQRT2], 3000), `${w} ulps around powers of two and the normalisation boundary`);
      // The polynomial's two forms meet where the high word's fraction crosses 0x6147a and 0x6b851.
      const his: number[] = [];
      for (const e of [0x3fe, 0x3ff, 0x400, 0x3f0, 0x410])
        for (const frac of [0x6147a, 0x6b851, 0x95f64, 0xfffff, 0, 1, 2, 0xffffe])
          for (let d = -2; d <= 2; d++) his.push((e << 20) | ((frac + d) & 0xfffff));
      expectSame(log, highWords(his, 64, 106), `${w} high words at the branch boundaries`);
    });
  });

  it('exp: specials in every lane, random bits, the whole finite range, every branch and boundary', { timeout: 120_000 }, () => {
    eachIsa('compIsa', (isa) => {
      const w = `${isa} exp`;
      expectSame(exp, specialsInLanes(EXP_SPECIAL, 0.3), `${w} specials`);
      expectSame(exp, randomBits(500_000, 201), `${w} random bits`);
      expectSame(exp, uniform(1_000_000, 202, -750, 712), `${w} underflow to overflow`);
      expectSame(exp, uniform(1_000_000, 203, -20, 20), `${w} dB gains`);
      expectSame(exp, logUniform(200_000, 204, 1e-320, 1), `${w} tiny positive`);
      expectSame(exp, logUniform(200_000, 205, 1e-320, 1).map((x) => -x), `${w} tiny negative`);
      expectSame(exp, ulpsAround([0.5 * Math.LN2, 1.5 * Math.LN2, -0.5 * Math.LN2, -1.5 * Math.LN2, 1, -1, 708, -708, 709.782712893384, -745.1332191019411, -708.3964185322641, 2 ** -28, -(2 ** -28)], 3000), `${w} ulps around the branch boundaries`);
      const his: number[] = [];
      for (const h of [0x3fd62e42, 0x3ff0a2b2, 0x3e300000, 0x40862000, 0x40862e42, 0x7ff00000])
        for (let d = -2; d <= 2; d++) his.push(h + d, (h + d) | 0x80000000);
      expectSame(exp, highWords(his, 64, 206), `${w} high words at the branch boundaries`);
    });
  });

  it('a lane an ulp off is caught (the comparison itself can fail)', () => {
    const offExp: MapFn = (xs, out, how) => {
      exp(xs, out, how);
      if (how === 'lanes') for (let i = 2; i < xs.length; i += 4) if (xs[i]! > 3 && xs[i]! < 4) out[i] = out[i]! * (1 + Number.EPSILON);
    };
    expect(firstMismatch(offExp, uniform(1000, 301, 0, 8))).toBeGreaterThanOrEqual(0);
  });

  it('refuses a `how` it does not know', () => {
    expect(() => log(new Float64Array(4), new Float64Array(4), 'simd')).toThrow(TypeError);
    expect(() => exp(new Float64Array(4), new Float64Array(4), 3 as unknown as string)).toThrow(TypeError);
  });
});
