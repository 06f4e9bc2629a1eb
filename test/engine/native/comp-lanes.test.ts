/**
 * comp.c runs four compressor jobs at a time as the lanes of a vector (comp-lanes.h) and the rest one
 * by one. On every variant (compIsa), batches of 1..9 jobs, mono and stereo, each with its own
 * settings, must give Compressor.process's output and state bit for bit (Object.is): lanes that
 * attack while the others release, attack 0, NaN and Inf in the input, blocks that are not whole
 * steps, longer than a peak span, state carried from call to call and reset; and jobs that share a
 * buffer or a block, which must run one after another as the reference does.
 */
import { describe, expect, it } from 'vitest';
import { Compressor, type CompressorSettings } from '../../../src/engine/dsp/compressor.ts';
import { FilterPool } from '../../../src/engine/native/biquad-batch.ts';
import { COMP_BLOCK, COMP_JOB_STRIDE, COMP_STATE_AT, nativeCompJobs, nativeCompMissing, type CompJobsFn } from '../../../src/engine/native/comp-batch.ts';
import { dspKernels } from '../../../src/engine/native/dsp-kernels.ts';
import { eachIsa, randomCompSettings, rng } from './helpers.ts';

const MAX = 4500;

function compJobs(): CompJobsFn {
  const f = nativeCompJobs();
  if (!f) throw new Error(`the native compressor is not in use: ${nativeCompMissing()}`);
  return f;
}

/** One strip: the reference and the native compressor, their buffers and state. */
class Strip {
  readonly ref: Compressor;
  readonly nat: Compressor;
  readonly refState = new Float64Array(3);
  readonly block: Float64Array;
  readonly refBufs: Float32Array[];
  readonly natBufs: Float32Array[];
  private tone = [0, 1].map(() => ({ phase: 0, level: 0, left: 0, hot: false }));

  constructor(pool: FilterPool, readonly nch: 1 | 2, s: CompressorSettings) {
    this.block = pool.doubles(COMP_BLOCK);
    this.ref = new Compressor(48000, this.refState);
    this.nat = new Compressor(48000, this.block.subarray(COMP_STATE_AT, COMP_STATE_AT + 3));
    this.configure(s);
    this.refBufs = Array.from({ length: nch }, () => new Float32Array(MAX));
    this.natBufs = Array.from({ length: nch }, () => pool.floats(MAX));
  }

  configure(s: CompressorSettings): void {
    this.ref.configure(s);
    this.nat.configure(s);
    this.nat.writeParams(this.block, 0);
  }

  /** Bursts of noise and tone with sharp onsets, long silences, now and then a NaN or an Inf. */
  fill(r: () => number, frames: number): void {
    for (let c = 0; c < this.nch; c++) {
      const t = this.tone[c]!, out = this.refBufs[c]!;
      for (let i = 0; i < frames; i++) {
        if (t.left-- <= 0) {
          t.left = Math.floor(r() * 3000);
          t.level = r() < 0.25 ? 0 : Math.pow(10, (r() * 70 - 60) / 20);
          t.hot = r() < 0.15;
        }
        t.phase += 0.03 + 0.2 * r() * (t.hot ? 1 : 0);
        out[i] = t.level * (0.6 * Math.sin(t.phase) + 0.4 * (2 * r() - 1)) * (t.hot ? 4 : 1);
      }
      if (r() < 0.04) out[Math.floor(r() * frames)] = [NaN, Infinity, -Infinity][Math.floor(r() * 3)]!;
      this.natBufs[c]!.set(out.subarray(0, frames));
    }
  }

  /** Throws at the first sample or state word where the native side differs from the reference. */
  check(frames: number, what: string): void {
    for (let c = 0; c < this.nch; c++) {
      const a = this.refBufs[c]!, b = this.natBufs[c]!;
      for (let i = 0; i < frames; i++) if (!Object.is(a[i], b[i])) expect.fail(`${what} ch ${c} frame ${i}/${frames}: ${b[i]} native, ${a[i]} reference`);
    }
    for (let k = 0; k < 3; k++) {
      const a = this.refState[k], b = this.block[COMP_STATE_AT + k];
      if (!Object.is(a, b)) expect.fail(`${what} state ${k}: ${b} native, ${a} reference`);
    }
  }
}

/** The job table for `strips` in order: [buf0, buf1, nch, block]. */
function table(pool: FilterPool, strips: readonly Strip[]): Int32Array {
  const t = new Int32Array(strips.length * COMP_JOB_STRIDE);
  strips.forEach((s, k) => t.set([pool.at32(s.natBufs[0]!), s.nch === 2 ? pool.at32(s.natBufs[1]!) : -1, s.nch, pool.at64(s.block)], k * COMP_JOB_STRIDE));
  return t;
}

/** One call: the reference strip by strip, the native side in one compJobs, then compared. */
function runBoth(run: CompJobsFn, pool: FilterPool, strips: readonly Strip[], jobs: Int32Array, frames: number, what: string): void {
  for (const s of strips) s.ref.process(s.refBufs, s.nch, frames);
  run(pool.f32, pool.f64, jobs, strips.length, frames);
  strips.forEach((s, k) => s.check(frames, `${what} strip ${k}`));
}

describe('comp-lanes.h: four compressor jobs per vector are Compressor.process, bit for bit', () => {
  it('batches of 1..9 jobs: mixed mono/stereo and settings, odd block sizes, NaN/Inf, resets', { timeout: 300_000 }, () => {
    const run = compJobs();
    eachIsa('compIsa', (isa) => {
      for (let jobsN = 1; jobsN <= 9; jobsN++) {
        for (let seed = 1; seed <= 3; seed++) {
          const r = rng(jobsN * 1000 + seed * 7919);
          const pool = new FilterPool(jobsN * 2 * MAX, jobsN * COMP_BLOCK);
          const strips = Array.from({ length: jobsN }, () => new Strip(pool, r() < 0.5 ? 2 : 1, randomCompSettings(r, [0, 0, 0.1, 10])));
          const jobs = table(pool, strips);
          for (let call = 0; call < 30; call++) {
            const frames = call % 11 === 7 ? 2048 + Math.floor(r() * (MAX - 2048)) : [128, 8, 1, 7, 13, 64][call % 6]! + Math.floor(r() * (call % 3 === 0 ? 500 : 2));
            for (const s of strips) {
              if (r() < 0.06) s.configure(randomCompSettings(r, [0, 0, 0.1, 10]));
              if (r() < 0.03) {
                s.ref.reset();
                s.nat.reset();
              }
              s.fill(r, frames);
            }
            runBoth(run, pool, strips, jobs, frames, `${isa} ${jobsN} jobs seed ${seed} call ${call}`);
          }
        }
      }
    });
  });

  it('one lane attacks while the others release (each lane in turn, then two, then all four)', { timeout: 120_000 }, () => {
    const run = compJobs();
    eachIsa('compIsa', (isa) => {
      for (const attackers of [[0], [1], [2], [3], [0, 2], [1, 3], [0, 1, 2, 3]]) {
        for (const attackMs of [0, 0.5, 5]) {
          const pool = new FilterPool(4 * 2 * MAX, 4 * COMP_BLOCK);
          const s: CompressorSettings = { thresholdDb: -30, ratio: 6, kneeDb: 6, attackMs, releaseMs: 80, makeupDb: 3, autoMakeup: false };
          const strips = [0, 1, 2, 3].map((l) => new Strip(pool, l % 2 === 0 ? 1 : 2, s));
          const jobs = table(pool, strips);
          let phase = 0;
          for (let call = 0; call < 40; call++) {
            const frames = call % 4 === 3 ? 99 : 128;
            strips.forEach((st, l) => {
              // Everyone loud first; later the attackers drop to a whisper and jump back every 5th
              // call, at a frame that moves (inside a step, at its start), while the rest stay loud.
              const quiet = call >= 8 && attackers.includes(l) && call % 5 !== 0;
              const onset = call >= 8 && attackers.includes(l) && call % 5 === 0 ? (call * 13) % frames : 0;
              for (let c = 0; c < st.nch; c++) {
                const b = st.refBufs[c]!;
                for (let i = 0; i < frames; i++) b[i] = (quiet || i < onset ? 0.001 : 0.8) * Math.sin((phase + i) * 0.05 * (c + 1));
                st.natBufs[c]!.set(b.subarray(0, frames));
              }
            });
            phase += frames;
            runBoth(run, pool, strips, jobs, frames, `${isa} attackers ${attackers.join('+')} attack ${attackMs} ms call ${call}`);
          }
        }
      }
    });
  });

  it('jobs that share a buffer or a block run one after another, as the reference does', () => {
    const run = compJobs();
    eachIsa('compIsa', (isa) => {
      const r = rng(4242);
      const pool = new FilterPool(9 * MAX, 8 * COMP_BLOCK);
      const strips = Array.from({ length: 8 }, () => new Strip(pool, 1, randomCompSettings(r, [0, 0, 0.1, 10])));
      const shared = pool.floats(MAX), sharedRef = new Float32Array(MAX);
      const buf = (k: number): number => pool.at32(strips[k]!.natBufs[0]!), blk = (k: number): number => pool.at64(strips[k]!.block);
      // First four: jobs 0 and 2 compress the same buffer, job 3 has it as both sides of a stereo
      // pair. Next four: jobs 5 and 6 have one block (job 6 on strip 6's buffer).
      const at = pool.at32(shared);
      const jobs = Int32Array.of(at, -1, 1, blk(0), buf(1), -1, 1, blk(1), at, -1, 1, blk(2), at, at, 2, blk(3), buf(4), -1, 1, blk(4), buf(5), -1, 1, blk(5), buf(6), -1, 1, blk(5), buf(7), -1, 1, blk(7));
      for (let call = 0; call < 20; call++) {
        const frames = 100 + call * 17;
        for (const s of strips) s.fill(r, frames);
        for (let i = 0; i < frames; i++) sharedRef[i] = Math.sin(i * 0.1) * (i % 300 < 150 ? 0.9 : 0.01);
        shared.set(sharedRef.subarray(0, frames));
        const ref = (k: number, bufs: Float32Array[]): void => strips[k]!.ref.process(bufs, bufs.length, frames);
        ref(0, [sharedRef]);
        ref(1, strips[1]!.refBufs);
        ref(2, [sharedRef]);
        ref(3, [sharedRef, sharedRef]);
        ref(4, strips[4]!.refBufs);
        ref(5, strips[5]!.refBufs);
        ref(5, strips[6]!.refBufs);
        ref(7, strips[7]!.refBufs);
        run(pool.f32, pool.f64, jobs, 8, frames);
        for (let i = 0; i < frames; i++) if (!Object.is(shared[i], sharedRef[i])) expect.fail(`${isa} call ${call} shared frame ${i}: ${shared[i]} native, ${sharedRef[i]} reference`);
        for (const k of [1, 4, 5, 6, 7]) {
          const a = strips[k]!.refBufs[0]!, b = strips[k]!.natBufs[0]!;
          for (let i = 0; i < frames; i++) if (!Object.is(a[i], b[i])) expect.fail(`${isa} call ${call} strip ${k} frame ${i}: ${b[i]} native, ${a[i]} reference`);
        }
        for (const k of [0, 1, 2, 3, 4, 5, 7]) for (let w = 0; w < 3; w++) expect(strips[k]!.block[COMP_STATE_AT + w], `${isa} call ${call} strip ${k} state ${w}`).toBe(strips[k]!.refState[w]);
      }
    });
  });

  it('compIsa selects a variant the CPU has and refuses a bad name', () => {
    const compIsa = dspKernels()!.compIsa as (name?: unknown) => string;
    eachIsa('compIsa', (isa) => {
      expect(compIsa()).toBe(isa);
      expect(compIsa('sse9')).toBe(isa);
    });
    expect(() => compIsa(2)).toThrow(TypeError);
  });
});
