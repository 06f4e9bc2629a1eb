/**
 * The native compressor takes its logs and exps with a C port of V8's fdlibm (fdlibm.h): it is only
 * bit-identical to the TypeScript reference if fdlibmLog/fdlibmExp give exactly Math.log/Math.exp,
 * checked here by Object.is on millions of values across the whole double range.
 */
import { describe, expect, it } from 'vitest';
import { dspKernels } from '../../../src/engine/native/dsp-kernels.ts';
import { rng } from './helpers.ts';

type MapFn = (input: Float64Array, out: Float64Array) => void;

function addon(): { log: MapFn; exp: MapFn } {
  const k = dspKernels();
  if (!k || typeof k.fdlibmLog !== 'function' || typeof k.fdlibmExp !== 'function') throw new Error('the dsp-kernels addon has no fdlibmLog/fdlibmExp: is it built (npm ci)?');
  return { log: k.fdlibmLog as MapFn, exp: k.fdlibmExp as MapFn };
}

/** Random bit patterns: every exponent, both signs, NaN payloads, subnormals. */
function randomBits(n: number, seed: number): Float64Array {
  const r = rng(seed);
  const u = new Uint32Array(2 * n);
  for (let i = 0; i < u.length; i++) u[i] = Math.floor(r() * 4294967296);
  return new Float64Array(u.buffer);
}

/** Values from lo to hi, uniform in the exponent (log-uniform), both around 1 and far away. */
function logUniform(n: number, seed: number, lo: number, hi: number, sign = 1): Float64Array {
  const r = rng(seed);
  const out = new Float64Array(n);
  const a = Math.log(lo), b = Math.log(hi);
  for (let i = 0; i < n; i++) out[i] = sign * Math.exp(a + (b - a) * r());
  return out;
}

function uniform(n: number, seed: number, lo: number, hi: number): Float64Array {
  const r = rng(seed);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * r();
  return out;
}

/** Neighbours of each value: x and the ulps around it. */
function ulpsAround(xs: number[], k: number): Float64Array {
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
    f[0] = x;
  }
  return out.subarray(0, o);
}

const SPECIAL = Float64Array.of(0, -0, Infinity, -Infinity, NaN, 1, -1, Number.MIN_VALUE, -Number.MIN_VALUE, Number.MAX_VALUE, -Number.MAX_VALUE, 2.2250738585072014e-308, 2.225073858507201e-308, Math.E, 1 + Number.EPSILON, 1 - Number.EPSILON / 2, 709.782712893384, 709.7827128933841, -745.1332191019411, -745.1332191019412, -708.3964185322641, 0.5 * Math.LN2, 1.5 * Math.LN2, 2 ** -28, -(2 ** -28), 1e-300, 1e300);

/** The first index where f's result differs from ref's (by Object.is), or -1. */
function firstMismatch(f: MapFn, ref: (x: number) => number, xs: Float64Array): number {
  const out = new Float64Array(xs.length);
  f(xs, out);
  for (let i = 0; i < xs.length; i++) if (!Object.is(out[i], ref(xs[i]!))) return i;
  return -1;
}

function expectSame(f: MapFn, ref: (x: number) => number, xs: Float64Array, what: string): void {
  const i = firstMismatch(f, ref, xs);
  if (i >= 0) {
    const out = new Float64Array(xs.length);
    f(xs, out);
    expect.fail(`${what}: at ${xs[i]} the port gives ${out[i]}, Math gives ${ref(xs[i]!)}`);
  }
}

describe('fdlibm.h: the native log and exp are V8\'s Math.log and Math.exp, bit for bit', () => {
  const { log, exp } = addon();

  it('log: special values, random bit patterns, subnormals, near 1, audio levels', () => {
    expectSame(log, Math.log, SPECIAL, 'special');
    expectSame(log, Math.log, randomBits(1_000_000, 11), 'random bits');
    expectSame(log, Math.log, logUniform(200_000, 12, Number.MIN_VALUE, 2.2250738585072014e-308), 'subnormals');
    expectSame(log, Math.log, uniform(500_000, 13, 0.999, 1.001), 'near 1');
    expectSame(log, Math.log, ulpsAround([1, 2, 0.5, Math.SQRT2, Math.SQRT1_2, 0.75, 1.5], 2000), 'ulps around 1, powers of two, the reduction boundaries');
    expectSame(log, Math.log, logUniform(1_000_000, 14, 1e-12, 1e6), 'audio levels and products');
    expectSame(log, Math.log, logUniform(50_000, 15, 1e-300, 1e300, -1), 'negatives');
  });

  it('exp: special values, random bit patterns, the whole finite range, near 0, dB gains', () => {
    expectSame(exp, Math.exp, SPECIAL, 'special');
    expectSame(exp, Math.exp, randomBits(500_000, 21), 'random bits');
    expectSame(exp, Math.exp, uniform(1_000_000, 22, -750, 710), 'every exponent from underflow to overflow');
    expectSame(exp, Math.exp, logUniform(200_000, 23, 1e-320, 1e-5), 'tiny positive');
    expectSame(exp, Math.exp, logUniform(200_000, 24, 1e-320, 1e-5, -1), 'tiny negative');
    expectSame(exp, Math.exp, uniform(1_000_000, 25, -20, 20), 'dB·ln10/20 of any gain');
    expectSame(exp, Math.exp, ulpsAround([0.5 * Math.LN2, 1.5 * Math.LN2, -0.5 * Math.LN2, -1.5 * Math.LN2, 1, -1, 709.782712893384, -745.1332191019411, -708.3964185322641, 2 ** -28], 2000), 'ulps around the reduction boundaries and limits');
  });

  it('a port an ulp off is caught (the check itself can fail)', () => {
    const offLog: MapFn = (xs, out) => {
      log(xs, out);
      for (let i = 0; i < xs.length; i++) if (xs[i]! > 3 && xs[i]! < 4) out[i] = out[i]! * (1 + Number.EPSILON);
    };
    expect(firstMismatch(offLog, Math.log, logUniform(10_000, 31, 1e-3, 1e3))).toBeGreaterThanOrEqual(0);
  });
});
