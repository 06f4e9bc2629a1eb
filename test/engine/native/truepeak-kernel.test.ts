/**
 * The native true-peak search against its reference (scan() of src/engine/dsp/truepeak.ts): the
 * meter's per-channel peaks and the detector's per-sample peaks must be the same doubles, compared
 * with Object.is (so −0 against +0 and one NaN against a number count), over noise at several levels,
 * sines up to 0.93 Nyquist, impulses, square waves, clipped material, silence, NaN and ±∞ in the
 * middle, several floors and block lengths from 1 to 1025.
 *
 * Nothing here skips: the addon is built by npm ci, and a test run without it fails at the first test.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  TruePeakDetector,
  TruePeakMeter,
  truePeakKernel,
  truePeakScan,
  useTruePeakKernel,
  type TruePeakKernel,
} from '../../../src/engine/dsp/truepeak.ts';
import { heapGrowth } from '../dsp/helpers.ts';
import { rng as uniform } from './helpers.ts';
import { nativeTruePeakMissing, nativeTruePeakScan, type NativeTruePeakScan } from '../../../src/engine/native/truepeak-kernel.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** Deterministic uniform numbers in [−1, 1). */
function rng(seed: number): () => number {
  const u = uniform(seed);
  return () => 2 * u() - 1;
}

const N = 6000;

function noise(level: number, seed: number, n = N): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: n }, () => level * r());
}

function sine(fracNyquist: number, amp: number, phase: number, n = N): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => amp * Math.sin(Math.PI * fracNyquist * i + phase));
}

function square(period: number, amp: number, n = N): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => (i % period < period / 2 ? amp : -amp));
}

function impulses(n = N): Float32Array {
  const x = new Float32Array(n);
  for (const [at, v] of [[0, 1], [1, -1], [100, 0.5], [1023, 1], [1024, -0.999], [1025, 1], [3000, 2], [n - 1, 1]] as const) x[at] = v;
  return x;
}

function clipped(seed: number): Float32Array {
  return noise(4, seed).map((v) => (v > 1 ? 1 : v < -1 ? -1 : v));
}

/** Noise with one non-finite value in the middle (and, for NaN, one more near a block edge). */
function poisoned(bad: number, seed: number): Float32Array {
  const x = noise(0.8, seed);
  x[2500] = bad;
  x[4096] = bad;
  return x;
}

const SIGNALS: ReadonlyArray<readonly [string, Float32Array]> = [
  ['noise 0.001', noise(0.001, 1)],
  ['noise 0.1', noise(0.1, 2)],
  ['noise 0.7', noise(0.7, 3)],
  ['noise 1', noise(1, 4)],
  ['noise 8 (over full scale)', noise(8, 5)],
  ...[0.01, 0.25, 0.5, 0.7, 0.9, 0.93].map((f, i) => [`sine ${f} Nyquist`, sine(f, 0.5 + 0.1 * i, 0.3 * i)] as const),
  ['sine 0.93 Nyquist at 1.0', sine(0.93, 1, 1)],
  ['impulses', impulses()],
  ['square 2', square(2, 1)],
  ['square 37', square(37, 0.9)],
  ['square 400', square(400, 1)],
  ['clipped noise', clipped(6)],
  ['silence', new Float32Array(N)],
  ['negative zeros', new Float32Array(N).fill(-0)],
  ['NaN in the middle', poisoned(NaN, 7)],
  ['+Infinity in the middle', poisoned(Infinity, 8)],
  ['-Infinity in the middle', poisoned(-Infinity, 9)],
  ['huge values', noise(3e38, 10)],
  ['denormals', noise(1e-40, 11)],
];

/** Block lengths the signals are fed in, cycled: 1 … 1025, odd and even, around the 1024-sample chunk. */
const BLOCKS = [1, 2, 3, 5, 7, 16, 31, 32, 33, 63, 64, 65, 127, 128, 129, 511, 1000, 1023, 1024, 1025];

function blocksOf(n: number, start: number): Array<readonly [number, number]> {
  const out: Array<readonly [number, number]> = [];
  for (let at = 0, b = start; at < n; b++) {
    const len = Math.min(BLOCKS[b % BLOCKS.length]!, n - at);
    out.push([at, len]);
    at += len;
  }
  return out;
}

/** Builds an object with the given scan selected. */
function using<T>(kernel: TruePeakKernel, make: () => T): T {
  const before = truePeakKernel();
  useTruePeakKernel(kernel);
  try {
    return make();
  } finally {
    useTruePeakKernel(before);
  }
}

/** The first index where two arrays differ by Object.is, described; undefined when they agree. */
function firstDifference(what: string, ref: ArrayLike<number>, fast: ArrayLike<number>, n: number): string | undefined {
  for (let i = 0; i < n; i++) {
    if (!Object.is(ref[i], fast[i])) return `${what}: value ${i}: reference ${ref[i]}, native ${fast[i]}`;
  }
  return undefined;
}

const meterPeaks = (m: TruePeakMeter): Float64Array => (m as unknown as { peaks: Float64Array }).peaks;

/** Runs a stereo meter on both kernels block by block; the first disagreement, or undefined. */
function compareMeter(kernel: TruePeakKernel, name: string, l: Float32Array, r: Float32Array, start: number): string | undefined {
  const ref = using('ts', () => new TruePeakMeter(48000, 2));
  const fast = using(kernel, () => new TruePeakMeter(48000, 2));
  for (const [at, len] of blocksOf(l.length, start)) {
    const chans = [l.subarray(at, at + len), r.subarray(at, at + len)];
    ref.process(chans, len);
    fast.process(chans, len);
    const d = firstDifference(`${name}, meter after sample ${at + len}`, meterPeaks(ref), meterPeaks(fast), 2);
    if (d) return d;
  }
  ref.finish();
  fast.finish();
  return firstDifference(`${name}, meter after finish()`, meterPeaks(ref), meterPeaks(fast), 2);
}

/** Runs a detector on both kernels block by block at one floor; the first disagreement, or undefined. */
function compareDetector(kernel: TruePeakKernel, name: string, x: Float32Array, floor: number, start: number): string | undefined {
  const ref = using('ts', () => new TruePeakDetector());
  const fast = using(kernel, () => new TruePeakDetector());
  ref.setFloor(floor);
  fast.setFloor(floor);
  const a = new Float64Array(1100);
  const b = new Float64Array(1100);
  for (const [at, len] of blocksOf(x.length, start)) {
    a.fill(-7);
    b.fill(-7);
    ref.peaks(x.subarray(at, at + len), len, a);
    fast.peaks(x.subarray(at, at + len), len, b);
    // The whole arrays: nothing written past the block either.
    const d = firstDifference(`${name}, floor ${floor}, detector block at ${at} (${len})`, a, b, a.length);
    if (d) return d;
  }
  return undefined;
}

const FLOORS = [0, 0.05, 0.3, 0.6, 0.9, 0.99, 1, 1.5, Infinity, NaN, -1];

describe('native true-peak kernel', () => {
  it('is in use (the addon is built by npm ci; a missing addon fails here, it is never skipped)', () => {
    expect(nativeTruePeakMissing()).toBeUndefined();
    expect(truePeakKernel()).toBe('native');
  });

  it('runs the AVX2 build where the CPU has AVX2, and the baseline build when asked', () => {
    const avx2 = /^flags\s*:.*\bavx2\b/m.test(fs.readFileSync('/proc/cpuinfo', 'utf8'));
    expect((truePeakScan('native') as NativeTruePeakScan).isa).toBe(avx2 ? 'avx2' : 'baseline');
    expect((truePeakScan('native-baseline') as NativeTruePeakScan).isa).toBe('baseline');
  });
});

// Both builds of the kernel against the reference: the CPU picks one in production.
describe.each(['native', 'native-baseline'] as const)('%s true-peak kernel against the reference', (kernel) => {
  it('meter: the same per-channel peaks as the reference, block by block, on every signal', () => {
    const diffs: string[] = [];
    SIGNALS.forEach(([name, x], i) => {
      const other = SIGNALS[(i + 5) % SIGNALS.length]![1];
      const d = compareMeter(kernel, name, x, other, i);
      if (d) diffs.push(d);
    });
    expect(diffs).toEqual([]);
  });

  it('meter: a quiet start then a loud passage, and a loud start then a quiet one (the floor rises)', () => {
    const join = (a: Float32Array, b: Float32Array): Float32Array => {
      const x = new Float32Array(a.length + b.length);
      x.set(a);
      x.set(b, a.length);
      return x;
    };
    const diffs = [
      compareMeter(kernel, 'quiet then loud', join(noise(0.05, 20), sine(0.8, 0.95, 0)), join(sine(0.3, 0.02, 0), noise(1, 21)), 3),
      compareMeter(kernel, 'loud then quiet', join(noise(1, 22), noise(0.2, 23)), join(sine(0.9, 1, 2), sine(0.9, 0.4, 2)), 11),
    ].filter((d) => d !== undefined);
    expect(diffs).toEqual([]);
  });

  it('detector: the same per-sample peaks as the reference at every floor, on every signal', () => {
    const diffs: string[] = [];
    SIGNALS.forEach(([name, x], i) => {
      FLOORS.forEach((floor, f) => {
        const d = compareDetector(kernel, name, x, floor, i + f);
        if (d) diffs.push(d);
      });
    });
    expect(diffs).toEqual([]);
  });

  it('meter and detector: no allocation per block once warm', () => {
    const l = noise(0.9, 50, 128);
    const r = noise(0.9, 51, 128);
    const meter = using(kernel, () => new TruePeakMeter(48000, 2));
    const det = using(kernel, () => new TruePeakDetector());
    det.setFloor(0.5);
    const out = new Float64Array(128);
    // Made once: an array literal in the block is allocated whenever process() is not inlined.
    const chans = [l, r];
    // One boxed double or typed array per call would be >= 160 KB in 10,000 blocks.
    expect(heapGrowth(() => meter.process(chans, 128), 10_000)).toBeLessThan(16 * 1024);
    expect(heapGrowth(() => det.peaks(l, 128, out), 10_000)).toBeLessThan(16 * 1024);
  });

  it('detector: every block length from 1 to 1024, in turn', () => {
    const x = noise(1, 30, (1024 * 1025) / 2);
    const ref = using('ts', () => new TruePeakDetector());
    const fast = using(kernel, () => new TruePeakDetector());
    ref.setFloor(0.5);
    fast.setFloor(0.5);
    const a = new Float64Array(1024);
    const b = new Float64Array(1024);
    let first: string | undefined;
    for (let len = 1, at = 0; len <= 1024 && first === undefined; at += len, len++) {
      ref.peaks(x.subarray(at, at + len), len, a);
      fast.peaks(x.subarray(at, at + len), len, b);
      first = firstDifference(`block of ${len} at ${at}`, a, b, len);
    }
    expect(first).toBeUndefined();
  });

  /** Both scans over the same history buffer (doubles, so values a Float32 input cannot hold). */
  function compareScan(name: string, x: Float64Array, floor: number): string | undefined {
    const ref = truePeakScan('ts')!;
    const fast = truePeakScan(kernel)!;
    const io = Float64Array.of(floor, 0);
    const a = new Float64Array(x.length).fill(-7);
    const b = new Float64Array(x.length).fill(-7);
    const h = 129;
    const n = x.length - h;
    ref(x, h, n, io, a, 3);
    fast(x, h, n, io, b, 3);
    return firstDifference(`${name}, floor ${floor}`, a, b, a.length);
  }

  it('agrees on doubles: sums that overflow, the smallest denormals, mixed non-finite values', () => {
    const r = rng(40);
    const signals: Array<[string, Float64Array]> = [
      ['near the largest double', Float64Array.from({ length: 900 }, () => 1.7e308 * r())],
      ['largest doubles, same sign', new Float64Array(900).fill(Number.MAX_VALUE)],
      ['smallest denormals', Float64Array.from({ length: 900 }, () => 5e-324 * Math.round(3 * r()))],
      ['NaN, ±∞ and −0 scattered', Float64Array.from({ length: 900 }, (_, i) => [NaN, Infinity, -Infinity, -0][i % 97] ?? r())],
      ['one NaN at the first history sample', Float64Array.from({ length: 900 }, (_, i) => (i === 0 ? NaN : r()))],
      ['one ∞ at the last sample', Float64Array.from({ length: 900 }, (_, i) => (i === 899 ? Infinity : r()))],
    ];
    const diffs: string[] = [];
    for (const [name, x] of signals) {
      for (const floor of [0, 0.5, 1, 1e300, Infinity, NaN]) {
        const d = compareScan(name, x, floor);
        if (d) diffs.push(d);
      }
    }
    expect(diffs).toEqual([]);
  });
});

describe('native true-peak kernel, hostile arguments', () => {
  const tables = (): [Float64Array, Float64Array, Float64Array] => [
    new Float64Array(16 * 128).fill(0.01),
    new Float64Array(64).fill(0.01),
    Float64Array.of(16, 64, 32, 65, 2, 0.6, 0.9),
  ];
  const scan = nativeTruePeakScan(...tables())!;

  it('binds only tables of the structure it is built for', () => {
    expect(scan).toBeTypeOf('function');
    const [c, h, k] = tables();
    const scanner = (a: Float64Array, b: Float64Array, d: Float64Array): unknown =>
      (nativeTruePeakScan as unknown as (...x: Float64Array[]) => unknown)(a, b, d);
    // nativeTruePeakScan falls back (undefined) and says why; the addon itself throws.
    expect(scanner(c.subarray(1), h, k)).toBeUndefined();
    expect(nativeTruePeakMissing()).toMatch(/coef must be a Float64Array of 16 · 128 values/);
    expect(scanner(c, new Float64Array(63), k)).toBeUndefined();
    expect(nativeTruePeakMissing()).toMatch(/halfCoef/);
    expect(scanner(c, h, Float64Array.of(16, 32, 32, 33, 2, 0.6, 0.9))).toBeUndefined();
    expect(nativeTruePeakMissing()).toMatch(/built for TP_FACTOR 16, TP_HALF 64/);
    expect((nativeTruePeakScan as unknown as (...x: unknown[]) => unknown)(c, h, k, 'avx512')).toBeUndefined();
    expect(nativeTruePeakMissing()).toMatch(/isa must be 'auto' or 'baseline'/);
    expect(nativeTruePeakScan(c, h, k)).toBeTypeOf('function');
    expect(nativeTruePeakMissing()).toBeUndefined();
  });

  it('throws a TypeError naming the argument, and touches nothing, on every bad length or type', () => {
    const w = new Float64Array(129 + 1024);
    const io = Float64Array.of(0);
    const out = new Float64Array(1024).fill(5);
    const call = (...a: unknown[]): unknown => (scan as unknown as (...x: unknown[]) => unknown)(...a);
    const cases: Array<[unknown[], RegExp]> = [
      [[new Float32Array(1153), 129, 10, io, out, 0], /w must be a Float64Array/],
      [[[0, 1, 2], 129, 10, io, out, 0], /w must be a Float64Array/],
      [[w, 128, 10, io, out, 0], /h must leave 129 history samples/],
      [[w, 129, 1025, io, out, 0], /h \+ n is past the end of w/],
      [[w, 129.5, 10, io, out, 0], /h must be a whole number/],
      [[w, 129, -1, io, out, 0], /n must be a whole number/],
      [[w, 129, NaN, io, out, 0], /n must be a whole number/],
      [[w, 129, 2 ** 40, io, out, 0], /n must be a whole number/],
      [[w, 129, '10', io, out, 0], /n must be a whole number/],
      [[w, 129, 10, new Float64Array(0), out, 0], /io must hold the floor/],
      [[w, 129, 10, io, new Float32Array(1024), 0], /out must be a Float64Array/],
      [[w, 129, 10, io, out, 1015], /at \+ n is past the end of out/],
      [[w, 129, 10, io, out.subarray(0, 9), 0], /at \+ n is past the end of out/],
      [[w, 129, 10, io, w, 0], /out must not share memory with w/],
      [[w, 129, 10, io, new Float64Array(w.buffer, 8 * 200, 100), 0], /out must not share memory with w/],
      [[w, 129, 10, io, out], /expected \(w, h, n, io, out, at\)/],
      [[w, 129, 10, null, out, 0], /io must be a Float64Array/],
    ];
    for (const [args, msg] of cases) {
      expect(() => call(...args), String(msg)).toThrow(TypeError);
      expect(() => call(...args), String(msg)).toThrow(msg);
    }
    expect(out.every((v) => v === 5)).toBe(true);
    // Edges that are allowed: n = 0 writes nothing; the last sample of w and of out.
    call(w, 129, 0, io, out, 1024);
    call(w, 129, 1024, io, out, 0);
    call(w, 1152, 1, io, out, 1023);
  });

  it('FADERD_KERNELS=ts runs the reference, and without it the addon runs', () => {
    const probe = (env: NodeJS.ProcessEnv): string => {
      const r = spawnSync(
        process.execPath,
        ['--import', 'tsx', '--input-type=module', '-e', "import { truePeakKernel } from './src/engine/dsp/truepeak.ts'; process.stdout.write(truePeakKernel());"],
        { cwd: ROOT, env, encoding: 'utf8' },
      );
      expect(r.stderr).toBe('');
      return r.stdout;
    };
    const env = { ...process.env };
    delete env.FADERD_KERNELS;
    expect(probe({ ...env, FADERD_KERNELS: 'ts' })).toBe('ts');
    expect(probe(env)).toBe('native');
  });
});
