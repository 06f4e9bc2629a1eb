/**
 * The native biquad batch kernel (native/dsp-kernels/src/biquad.c) against the TypeScript reference
 * (BiquadBank.process / processWith, i.e. runSection, runPair, runSectionGlide, runPairGlide), sample
 * by sample with Object.is, state words too. The addon must be built: without it these tests fail
 * (they do not skip), since a missing addon would silently take every strip back to the slow path.
 */
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BiquadBank, type BiquadType } from '../../../src/engine/dsp/biquad.ts';
import { dspKernels } from '../../../src/engine/native/dsp-kernels.ts';
import { eachIsa as eachIsaOf, rng } from './helpers.ts';
import { BiquadBatch, FilterPool, JOB_STRIDE, PooledSection, nativeBiquadJobs, nativeBiquadMissing, type BiquadJobsFn } from '../../../src/engine/native/biquad-batch.ts';

type IsaFn = (name?: string) => string;

const SR = 48000;
const TYPES: BiquadType[] = ['lowpass', 'highpass', 'lowshelf', 'highshelf', 'peak', 'notch', 'bandpass', 'allpass'];

function kernel(): BiquadJobsFn {
  const run = nativeBiquadJobs();
  if (!run) throw new Error(`the native biquad kernel is not in use: ${nativeBiquadMissing()}`);
  return run;
}

/** Runs `body` once per variant of the biquad kernels this CPU runs (helpers.ts eachIsa). */
function eachIsa(body: (run: BiquadJobsFn, isa: string) => void): void {
  const run = kernel();
  eachIsaOf('biquadIsa', (isa) => body(run, isa));
}

interface Pair {
  /** Reference: plain banks, the TypeScript kernels. */
  readonly refA: BiquadBank;
  readonly refB: BiquadBank;
  readonly refBufs: Float32Array[];
  /** Native: the same banks in a pool, run through the batch. */
  readonly natA: PooledSection;
  readonly natB: PooledSection;
  readonly natBufs: Float32Array[];
  readonly nch: number;
}

interface Case {
  strips: number;
  blocks: number;
  maxBlock: number;
  /** Chance per block and strip of a new design (gliding or not). */
  change: number;
  /** Chance per sample of a NaN or ±Inf in the input. */
  poison: number;
  /** Chance per block of silence (the states decay towards the subnormal range and get flushed). */
  silence: number;
  seed: number;
  /** Every this many blocks, every strip's sections start a glide at once (a scene recall). */
  recall?: number;
}

function design(r: () => number): [BiquadType, number, number, number] {
  const type = TYPES[Math.floor(r() * TYPES.length)]!;
  return [type, 10 + r() * 23000, 0.1 + r() * 12, -30 + r() * 60];
}

/** Runs a random workload both ways and compares after every block; returns the blocks run. */
function compare(c: Case, run: BiquadJobsFn): number {
  const r = rng(c.seed);
  const widths = Array.from({ length: c.strips }, () => (r() < 0.5 ? 1 : 2));
  const total = widths.reduce((n, w) => n + w, 0);
  const pool = new FilterPool(total * c.maxBlock, widths.reduce((n, w) => n + 2 * (10 + 4 * w), 0));
  const batch = new BiquadBatch(pool, 1, total, run);
  const pairs: Pair[] = widths.map((nch) => {
    const natA = new PooledSection(new BiquadBank(SR, nch, pool), pool);
    const natB = new PooledSection(new BiquadBank(SR, nch, pool), pool);
    return {
      refA: new BiquadBank(SR, nch),
      refB: new BiquadBank(SR, nch),
      refBufs: Array.from({ length: nch }, () => new Float32Array(c.maxBlock)),
      natA,
      natB,
      natBufs: Array.from({ length: nch }, () => pool.floats(c.maxBlock)),
      nch,
    };
  });
  const configure = (p: Pair, which: 'A' | 'B', glide: boolean): void => {
    const [type, f, q, g] = design(r);
    const ref = which === 'A' ? p.refA : p.refB;
    const nat = which === 'A' ? p.natA.bank : p.natB.bank;
    if (r() < 0.15) {
      ref.bypass(glide);
      nat.bypass(glide);
    } else {
      ref.configure(type, f, q, g, glide);
      nat.configure(type, f, q, g, glide);
    }
  };
  for (const p of pairs) {
    configure(p, 'A', false);
    configure(p, 'B', false);
  }
  for (let blk = 0; blk < c.blocks; blk++) {
    const frames = 1 + Math.floor(r() * c.maxBlock);
    const silent = r() < c.silence;
    const recall = c.recall !== undefined && blk % c.recall === 1;
    for (const p of pairs) {
      if (recall) {
        // Mostly both sections; some strips leave one steady (the pair's glide is the longer one).
        if (r() < 0.9) configure(p, 'A', true);
        if (r() < 0.9) configure(p, 'B', true);
      }
      if (r() < c.change) configure(p, r() < 0.5 ? 'A' : 'B', r() < 0.8);
      for (let ch = 0; ch < p.nch; ch++) {
        for (let i = 0; i < frames; i++) {
          let x = silent ? 0 : (r() * 2 - 1) * (r() < 0.1 ? 1e-20 : 1);
          if (r() < c.poison) x = [NaN, Infinity, -Infinity][Math.floor(r() * 3)]!;
          p.refBufs[ch]![i] = x;
          p.natBufs[ch]![i] = x;
        }
      }
    }
    // Each strip: A alone, B alone, A then B fused, or nothing.
    for (const p of pairs) {
      const mode = Math.floor(r() * 4);
      if (mode === 0 || mode === 1) {
        const ref = mode === 0 ? p.refA : p.refB;
        const nat = mode === 0 ? p.natA : p.natB;
        ref.process(p.refBufs, p.nch, frames);
        for (let ch = 0; ch < p.nch; ch++) batch.single(0, nat, ch, pool.at32(p.natBufs[ch]!));
        nat.bank.glide.advance(frames);
      } else if (mode === 2) {
        p.refA.processWith(p.refB, p.refBufs, p.nch, frames);
        for (let ch = 0; ch < p.nch; ch++) batch.pair(0, p.natA, p.natB, ch, pool.at32(p.natBufs[ch]!));
        p.natA.bank.glide.advance(frames);
        p.natB.bank.glide.advance(frames);
      }
    }
    batch.flush(frames);
    pairs.forEach((p, k) => {
      for (let ch = 0; ch < p.nch; ch++) {
        const a = p.refBufs[ch]!, b = p.natBufs[ch]!;
        for (let i = 0; i < frames; i++) {
          if (!Object.is(a[i], b[i])) throw new Error(`seed ${c.seed} block ${blk} (${frames} frames) strip ${k} ch ${ch} sample ${i}: reference ${a[i]}, native ${b[i]}`);
        }
      }
      for (const [ref, nat, name] of [[p.refA, p.natA.bank, 'A'], [p.refB, p.natB.bank, 'B']] as const) {
        for (let w = 0; w < ref.state.length; w++) {
          if (!Object.is(ref.state[w], nat.state[w])) throw new Error(`seed ${c.seed} block ${blk} strip ${k} section ${name} state word ${w}: reference ${ref.state[w]}, native ${nat.state[w]}`);
        }
      }
    });
  }
  return c.blocks;
}

describe('native biquad jobs', () => {
  it('the addon is built and exports the kernel (a missing addon fails, it does not skip)', () => {
    expect(typeof kernel()).toBe('function');
  });

  it('matches the reference on random designs, mono and stereo, singles and pairs, in groups of every size', () => {
    // 1..20 strips: groups of 8 and 4 singles, 4 pairs, and the scalar remainders.
    eachIsa((run) => {
      for (let strips = 1; strips <= 20; strips++) compare({ strips, blocks: 30, maxBlock: 64, change: 0, poison: 0, silence: 0, seed: 1000 + strips }, run);
    });
  });

  it('matches through glides that cross block edges, block sizes 1..1024', () => {
    eachIsa((run) => {
      for (let seed = 1; seed <= 6; seed++) compare({ strips: 11, blocks: 60, maxBlock: 1024, change: 0.3, poison: 0, silence: 0, seed }, run);
      // Tiny blocks: a glide spans hundreds of them.
      compare({ strips: 9, blocks: 600, maxBlock: 3, change: 0.02, poison: 0, silence: 0, seed: 77 }, run);
    });
  });

  it('matches through scene recalls: every strip gliding from the same block, four at a time in lanes', () => {
    eachIsa((run) => {
      for (let seed = 1; seed <= 3; seed++) compare({ strips: 24, blocks: 80, maxBlock: 300, change: 0, poison: 0, silence: 0, seed: 900 + seed, recall: 12 }, run);
      compare({ strips: 17, blocks: 200, maxBlock: 128, change: 0.05, poison: 0.001, silence: 0.1, seed: 999, recall: 9 }, run);
    });
  });

  it('matches with NaN and ±Inf in the input (flushed from the state at the block end)', () => {
    eachIsa((run) => {
      for (let seed = 1; seed <= 4; seed++) compare({ strips: 13, blocks: 50, maxBlock: 200, change: 0.2, poison: 0.002, silence: 0.2, seed: 500 + seed }, run);
    });
  });

  it('matches while states decay through the subnormal range to the flush', () => {
    // Mostly silence after tiny inputs: the states sink below FLUSH_BELOW and are dropped.
    eachIsa((run) => compare({ strips: 12, blocks: 400, maxBlock: 256, change: 0.01, poison: 0, silence: 0.9, seed: 4242 }, run));
  });

  it('selects the AVX2 variant where the CPU has it, the portable one on request, and refuses other names', () => {
    const isa = dspKernels()!.biquadIsa as IsaFn;
    const before = isa();
    try {
      expect(isa('portable')).toBe('portable');
      expect(isa('sse9')).toBe('portable');
      if (process.arch === 'x64' && fs.readFileSync('/proc/cpuinfo', 'utf8').includes(' avx2')) expect(isa('avx2')).toBe('avx2');
      expect(() => (isa as (n: unknown) => string)(3)).toThrow(TypeError);
    } finally {
      isa(before);
    }
  });

  it('an addon with another job layout is not used: the TypeScript kernels run and the reason is told', () => {
    const exports = dspKernels()!;
    const stride = exports.biquadJobStride;
    try {
      exports.biquadJobStride = JOB_STRIDE + 1;
      expect(nativeBiquadJobs()).toBeUndefined();
      expect(nativeBiquadMissing()).toMatch(/biquad jobs are 10 words, this faderd writes 9 \(rebuild/);
    } finally {
      exports.biquadJobStride = stride;
    }
    expect(nativeBiquadMissing()).toBeUndefined();
  });

  it('a bad offset or length throws a TypeError naming the job and field, and nothing runs', () => {
    const run = kernel();
    const f32 = new Float32Array(64).fill(0.5);
    const f64 = new Float64Array(14);
    f64[0] = 2; // b0: the section doubles what it filters
    const jobs = new Int32Array(JOB_STRIDE * 2);
    jobs.set([0, 0, 10, 0, 1, -1, 0, 0, 0], 0);
    jobs.set([32, 0, 10, 0, 1, -1, 0, 0, 0], JOB_STRIDE);
    const bad = (patch: (j: Int32Array) => void, n: number, frames: number, msg: RegExp): void => {
      const j = jobs.slice();
      patch(j);
      expect(() => run(f32, f64, j, n, frames)).toThrow(TypeError);
      expect(() => run(f32, f64, j, n, frames)).toThrow(msg);
      expect(f32.every((x) => x === 0.5)).toBe(true);
    };
    bad((j) => (j[JOB_STRIDE] = 33), 2, 32, /job 1: buf/);
    bad((j) => (j[0] = -1), 2, 32, /job 0: buf/);
    bad((j) => (j[1] = 5), 2, 32, /job 0: coefA/);
    bad((j) => (j[2] = 11), 2, 32, /job 0: stateA/);
    bad((j) => (j[4] = 0), 2, 32, /job 0: lenA/);
    bad((j) => (j[3] = -1), 2, 32, /job 0: posA/);
    bad((j) => (j[5] = 5), 1, 32, /job 0: coefB/);
    bad((j) => { j[5] = 0; j[6] = 12; j[8] = 1; }, 1, 32, /job 0: stateB/);
    bad((j) => { j[5] = 0; j[6] = 10; j[8] = 0; }, 1, 32, /job 0: lenB/);
    bad(() => {}, 3, 32, /nJobs/);
    bad(() => {}, -1, 32, /nJobs/);
    bad(() => {}, 1.5, 32, /nJobs/);
    bad(() => {}, 2, 65, /frames/);
    bad(() => {}, 2, NaN, /frames/);
    expect(() => run(new Float64Array(64) as unknown as Float32Array, f64, jobs, 1, 8)).toThrow(/f32 must be a Float32Array/);
    expect(() => run(f32, new Float32Array(14) as unknown as Float64Array, jobs, 1, 8)).toThrow(/f64 must be a Float64Array/);
    expect(() => run(f32, f64, new Uint32Array(18) as unknown as Int32Array, 1, 8)).toThrow(/jobs must be an Int32Array/);
    expect(() => (run as unknown as (...a: unknown[]) => void)(f32, f64, jobs)).toThrow(/5 arguments/);
    // And the good table runs.
    run(f32, f64, jobs, 2, 32);
    expect(f32.every((x) => x === 1)).toBe(true);
  });
});
