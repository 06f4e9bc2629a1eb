/**
 * The native compressor (comp.c through CompBatch) against Compressor.process, the reference: same
 * settings, same programme, every output sample and the state after every block compared by
 * Object.is, over random settings (knee 0..48, attack and release 0, make-up, auto make-up), bursts
 * and transients, silence long enough to flush the envelope, NaN and Inf, block sizes 1..1024 and
 * blocks longer than a peak span.
 */
import { describe, expect, it } from 'vitest';
import { Compressor } from '../../../src/engine/dsp/compressor.ts';
import { FilterPool } from '../../../src/engine/native/biquad-batch.ts';
import { COMP_BLOCK, COMP_STATE_AT, CompBatch, nativeCompJobs, nativeCompMissing } from '../../../src/engine/native/comp-batch.ts';
import { randomCompSettings, rng } from './helpers.ts';

const MAX = 4200;
const STRIPS = 6;

function run(): NonNullable<ReturnType<typeof nativeCompJobs>> {
  const f = nativeCompJobs();
  if (!f) throw new Error(`the native compressor is not in use: ${nativeCompMissing()}`);
  return f;
}

/** A programme: bursts of noise and tone with sharp onsets, and long silences. */
function programme(r: () => number, out: Float32Array, from: number, n: number, t: { phase: number; level: number; left: number; hot: boolean }): void {
  for (let i = 0; i < n; i++) {
    if (t.left-- <= 0) {
      t.left = Math.floor(r() * 6000);
      t.level = r() < 0.25 ? 0 : Math.pow(10, (r() * 70 - 60) / 20);
      t.hot = r() < 0.1;
    }
    t.phase += 0.03 + 0.2 * r() * (t.hot ? 1 : 0);
    out[from + i] = t.level * (0.6 * Math.sin(t.phase) + 0.4 * (2 * r() - 1)) * (t.hot ? 4 : 1);
  }
}

interface Side {
  readonly ref: Compressor;
  readonly nat: Compressor;
  readonly refBufs: Float32Array[];
  readonly natBufs: Float32Array[];
  readonly block: Float64Array;
  readonly nch: 1 | 2;
}

describe('comp.c: compJobs is Compressor.process, bit for bit', () => {
  it('random settings, programme, silence, NaN/Inf and block sizes', { timeout: 120_000 }, () => {
    const compJobs = run();
    for (let seed = 1; seed <= 12; seed++) {
      const r = rng(seed * 7919);
      const pool = new FilterPool(STRIPS * 2 * MAX, STRIPS * COMP_BLOCK);
      const batch = new CompBatch(pool, STRIPS, compJobs);
      const sides: Side[] = [];
      for (let k = 0; k < STRIPS; k++) {
        const nch = (k % 2 === 0 ? 2 : 1) as 1 | 2;
        const block = pool.doubles(COMP_BLOCK);
        const s = randomCompSettings(r);
        const ref = new Compressor(48000), nat = new Compressor(48000, block.subarray(COMP_STATE_AT, COMP_STATE_AT + 3));
        ref.configure(s);
        nat.configure(s);
        nat.writeParams(block, 0);
        sides.push({ ref, nat, block, nch, refBufs: Array.from({ length: nch }, () => new Float32Array(MAX)), natBufs: Array.from({ length: nch }, () => pool.floats(MAX)) });
      }
      const tones = sides.map(() => [0, 1].map(() => ({ phase: 0, level: 0, left: 0, hot: false })));
      for (let b = 0; b < 60; b++) {
        const frames = b % 17 === 5 ? 2048 + Math.floor(r() * (MAX - 2048)) : 1 + Math.floor(r() * 1024);
        for (let k = 0; k < STRIPS; k++) {
          const sd = sides[k]!;
          if (r() < 0.05) {
            const s = randomCompSettings(r);
            sd.ref.configure(s);
            sd.nat.configure(s);
            sd.nat.writeParams(sd.block, 0);
          }
          for (let c = 0; c < sd.nch; c++) {
            programme(r, sd.refBufs[c]!, 0, frames, tones[k]![c]!);
            if (r() < 0.03) sd.refBufs[c]![Math.floor(r() * frames)] = [NaN, Infinity, -Infinity][Math.floor(r() * 3)]!;
            sd.natBufs[c]!.set(sd.refBufs[c]!.subarray(0, frames));
          }
          sd.ref.process(sd.refBufs, sd.nch, frames);
          batch.add(pool.at32(sd.natBufs[0]!), sd.nch === 2 ? pool.at32(sd.natBufs[1]!) : -1, sd.nch, pool.at64(sd.block));
        }
        batch.flush(frames);
        for (let k = 0; k < STRIPS; k++) {
          const sd = sides[k]!;
          for (let c = 0; c < sd.nch; c++) {
            const a = sd.refBufs[c]!, n = sd.natBufs[c]!;
            for (let i = 0; i < frames; i++) {
              if (!Object.is(a[i], n[i])) expect.fail(`seed ${seed} block ${b} strip ${k} ch ${c} frame ${i}/${frames}: ${n[i]} native, ${a[i]} reference`);
            }
          }
          const st = new Float64Array(2);
          sd.ref.writeGainReduction(st, 0);
          sd.nat.writeGainReduction(st, 1);
          if (!Object.is(st[0], st[1])) expect.fail(`seed ${seed} block ${b} strip ${k}: reduction ${st[1]} native, ${st[0]} reference`);
        }
      }
    }
  });

  it('the reference really compresses here (the comparison is not of untouched signals)', () => {
    const c = new Compressor(48000);
    c.configure({ thresholdDb: -30, ratio: 10, kneeDb: 0, attackMs: 0, releaseMs: 50, makeupDb: 0, autoMakeup: false });
    const b = new Float32Array(512).fill(0.5);
    c.process([b], 1, 512);
    expect(b[511]).toBeLessThan(0.1);
  });

  it('a bad job throws a TypeError naming the job and the field, and changes nothing', () => {
    const compJobs = run();
    const pool = new FilterPool(256, 32);
    pool.f32.fill(1);
    const jobs = Int32Array.of(0, -1, 1, 0, 128, 250, 2, 16);
    expect(() => compJobs(pool.f32, pool.f64, jobs, 2, 128)).toThrow(/job 1: bad buf1/);
    expect(() => compJobs(pool.f32, pool.f64, Int32Array.of(0, -1, 3, 0), 1, 128)).toThrow(/job 0: bad nch/);
    expect(() => compJobs(pool.f32, pool.f64, Int32Array.of(0, -1, 1, 17), 1, 128)).toThrow(/job 0: bad block/);
    expect(() => compJobs(pool.f32, pool.f64, Int32Array.of(200, -1, 1, 0), 1, 128)).toThrow(/job 0: bad buf0/);
    expect(() => compJobs(pool.f32, pool.f64, jobs, 3, 128)).toThrow(TypeError);
    expect(pool.f32.every((x) => x === 1)).toBe(true);
  });
});
