/**
 * The native gate (gate.c through GateBatch) against Gate.process, the reference: same settings,
 * same programme, every output sample and the whole state after every block compared by Object.is,
 * over random settings (attack, hold and release 0, range 0, hysteresis 0), programmes that open,
 * hold, release and close the gate (and hover at the threshold), silence long enough to flush the
 * detector, NaN and Inf, block sizes 1..1024 and blocks longer than a peak span (not a multiple of
 * it), settings changed and gates reset mid-run, mono and stereo strips side by side; with each
 * variant of the scan (gateIsa: AVX2 where the CPU has it, and the portable one).
 */
import { describe, expect, it } from 'vitest';
import { GATE_STATE_SIZE, Gate, type GateSettings } from '../../../src/engine/dsp/gate.ts';
import { FilterPool } from '../../../src/engine/native/biquad-batch.ts';
import { GATE_BLOCK, GATE_FALL_AT, GATE_STATE_AT, GateBatch, nativeGateCalls, nativeGateJobs, nativeGateMissing } from '../../../src/engine/native/gate-batch.ts';
import { eachIsa, rng } from './helpers.ts';

const MAX = 4200;
const STRIPS = 6;

function run(): NonNullable<ReturnType<typeof nativeGateJobs>> {
  const f = nativeGateJobs();
  if (!f) throw new Error(`the native gate is not in use: ${nativeGateMissing()}`);
  return f;
}

function randomSettings(r: () => number): GateSettings {
  const pick = <T>(xs: T[]): T => xs[Math.floor(r() * xs.length)]!;
  return {
    thresholdDb: pick([-50, -30, -60, -80 * r()]),
    rangeDb: pick([40, 0, 80, 0.5, 80 * r()]),
    attackMs: pick([0, 0.05, 0.5, 50 * r()]),
    holdMs: pick([0, 1, 50, 300 * r()]),
    releaseMs: pick([0, 5, 200, 1000 * r()]),
    hysteresisDb: pick([3, 0, 10 * r()]),
  };
}

interface Tone { phase: number; level: number; left: number; hot: boolean }

/** A programme: segments of tone and noise from silence to hot, many near the usual thresholds. */
function programme(r: () => number, out: Float32Array, n: number, t: Tone): void {
  for (let i = 0; i < n; i++) {
    if (t.left-- <= 0) {
      t.left = Math.floor(r() * (r() < 0.5 ? 600 : 9000));
      t.level = r() < 0.2 ? 0 : Math.pow(10, (r() * 90 - 90) / 20);
      t.hot = r() < 0.1;
    }
    t.phase += 0.02 + 0.1 * r();
    out[i] = t.level * (0.7 * Math.sin(t.phase) + 0.3 * (2 * r() - 1)) * (t.hot ? 3 : 1);
  }
}

interface Side {
  readonly ref: Gate;
  readonly nat: Gate;
  readonly refState: Float64Array;
  readonly refBufs: Float32Array[];
  readonly natBufs: Float32Array[];
  readonly block: Float64Array;
  readonly nch: 1 | 2;
}

function side(pool: FilterPool, nch: 1 | 2, s: GateSettings, sampleRate: number): Side {
  const block = pool.doubles(GATE_BLOCK);
  const refState = new Float64Array(GATE_STATE_SIZE);
  const ref = new Gate(sampleRate, refState), nat = new Gate(sampleRate, block.subarray(GATE_STATE_AT, GATE_STATE_AT + GATE_STATE_SIZE));
  for (const g of [ref, nat]) {
    g.configure(s);
    g.reset();
  }
  nat.writeParams(block, 0);
  return { ref, nat, refState, block, nch, refBufs: Array.from({ length: nch }, () => new Float32Array(MAX)), natBufs: Array.from({ length: nch }, () => pool.floats(MAX)) };
}

/** A number as Object.is tells it apart (−0 shown). */
const show = (v: number | undefined): string => (Object.is(v, -0) ? '-0' : String(v));

/** Throws at the first output sample or state double that differs. */
function compare(sd: Side, frames: number, where: string): void {
  for (let c = 0; c < sd.nch; c++) {
    const a = sd.refBufs[c]!, n = sd.natBufs[c]!;
    for (let i = 0; i < frames; i++) {
      if (!Object.is(a[i], n[i])) expect.fail(`${where} ch ${c} frame ${i}/${frames}: ${show(n[i])} native, ${show(a[i])} reference`);
    }
  }
  const st = sd.block.subarray(GATE_STATE_AT, GATE_STATE_AT + GATE_STATE_SIZE);
  for (let k = 0; k < GATE_STATE_SIZE; k++) {
    if (!Object.is(st[k], sd.refState[k])) expect.fail(`${where}: state[${k}] ${show(st[k])} native, ${show(sd.refState[k])} reference`);
  }
}

describe('gate.c: gateJobs is Gate.process, bit for bit', () => {
  it('random settings, programme, silence, NaN/Inf, resets and block sizes', { timeout: 120_000 }, () => {
    eachIsa('gateIsa', (isa) => randomRun(isa));
  });

  function randomRun(isa: string): void {
    const gateJobs = run();
    const calls = nativeGateCalls[0]!;
    let transitions = 0;
    for (let seed = 1; seed <= 12; seed++) {
      const r = rng(seed * 7919);
      const sampleRate = seed % 4 === 3 ? 44100 : 48000;
      const pool = new FilterPool(STRIPS * 2 * MAX, STRIPS * GATE_BLOCK);
      const batch = new GateBatch(pool, STRIPS, gateJobs);
      const sides = Array.from({ length: STRIPS }, (_, k) => side(pool, k % 2 === 0 ? 2 : 1, randomSettings(r), sampleRate));
      const tones = sides.map(() => [0, 1].map((): Tone => ({ phase: 0, level: 0, left: 0, hot: false })));
      for (let b = 0; b < 80; b++) {
        const frames = b % 17 === 5 ? 2048 + Math.floor(r() * (MAX - 2048)) : b % 13 === 7 ? 4096 : 1 + Math.floor(r() * 1024);
        for (let k = 0; k < STRIPS; k++) {
          const sd = sides[k]!;
          if (r() < 0.05) {
            const s = randomSettings(r);
            sd.ref.configure(s);
            sd.nat.configure(s);
            sd.nat.writeParams(sd.block, 0);
          }
          if (r() < 0.01) {
            sd.ref.reset();
            sd.nat.reset();
          }
          for (let c = 0; c < sd.nch; c++) {
            programme(r, sd.refBufs[c]!, frames, tones[k]![c]!);
            if (r() < 0.03) sd.refBufs[c]![Math.floor(r() * frames)] = [NaN, Infinity, -Infinity][Math.floor(r() * 3)]!;
            sd.natBufs[c]!.set(sd.refBufs[c]!.subarray(0, frames));
          }
          sd.ref.process(sd.refBufs, sd.nch, frames);
          sd.nat.writeSpanFall(sd.block, GATE_FALL_AT, frames);
          batch.add(pool.at32(sd.natBufs[0]!), sd.nch === 2 ? pool.at32(sd.natBufs[1]!) : -1, sd.nch, pool.at64(sd.block));
        }
        batch.flush(frames);
        for (let k = 0; k < STRIPS; k++) compare(sides[k]!, frames, `${isa}: seed ${seed} block ${b} strip ${k}`);
      }
      for (const sd of sides) transitions += sd.ref.transitions;
    }
    // The programme really opened and closed the gates, and the kernel really ran.
    expect(transitions).toBeGreaterThan(200);
    expect(nativeGateCalls[0]! - calls).toBe(12 * 80);
  }

  it('open, hold, release and close at the edges: attack 0, hold 0 and 1 sample, range 0, 128-frame blocks', () => {
    eachIsa('gateIsa', (isa) => edges(isa));
  });

  function edges(isa: string): void {
    const gateJobs = run();
    let transitions = 0;
    const cases: GateSettings[] = [
      { thresholdDb: -40, rangeDb: 40, attackMs: 0, holdMs: 0, releaseMs: 0 },
      { thresholdDb: -40, rangeDb: 0, attackMs: 1, holdMs: 1000 / 48000, releaseMs: 10 },
      { thresholdDb: -40, rangeDb: 60, attackMs: 0.5, holdMs: 20, releaseMs: 50, hysteresisDb: 0 },
      { thresholdDb: -40, rangeDb: 60, attackMs: 0.5, holdMs: 2, releaseMs: 3, hysteresisDb: 6 },
    ];
    for (const [ci, s] of cases.entries()) {
      for (const [nch, shape] of [[1, 'sine'], [2, 'sine'], [1, 'steps'], [2, 'steps']] as const) {
        const pool = new FilterPool(2 * MAX, GATE_BLOCK);
        const batch = new GateBatch(pool, 1, gateJobs);
        const sd = side(pool, nch, s, 48000);
        // Bursts of −20 dBFS, gaps at −43 dBFS (between close and open) and silence, lengths around the
        // hold. As 'steps' the sine is quantised to a few values (clipped or square-like material): a
        // block's peak recurs, often within 8 frames, and the detector must take its last frame.
        const r = rng(ci + 1);
        let at = 0;
        for (let b = 0; b < 300; b++) {
          const frames = 128;
          for (let c = 0; c < nch; c++) {
            const buf = sd.refBufs[c]!;
            for (let i = 0; i < frames; i++) {
              const t = at + i, seg = Math.floor(t / 977) % 5;
              const level = seg === 0 || seg === 3 ? 0.1 : seg === 1 ? 0.007 : 0;
              const x = Math.sin(t * 0.05 + c);
              buf[i] = level * (shape === 'sine' ? x : Math.round(x * 2 + 0.6 * (r() - 0.5)) / 2);
            }
            sd.natBufs[c]!.set(buf.subarray(0, frames));
          }
          at += frames;
          sd.ref.process(sd.refBufs, nch, frames);
          sd.nat.writeSpanFall(sd.block, GATE_FALL_AT, frames);
          batch.add(pool.at32(sd.natBufs[0]!), nch === 2 ? pool.at32(sd.natBufs[1]!) : -1, nch, pool.at64(sd.block));
          batch.flush(frames);
          compare(sd, frames, `${isa}: case ${ci} nch ${nch} ${shape} block ${b}`);
        }
        expect(sd.ref.transitions).toBeGreaterThan(0);
        transitions += sd.ref.transitions;
      }
    }
    // Most cases open and close the gate once or twice per 100 ms cycle.
    expect(transitions).toBeGreaterThan(200);
  }

  it('the reference really gates here (the comparison is not of untouched signals)', () => {
    const g = new Gate(48000);
    g.configure({ thresholdDb: -30, rangeDb: 40, attackMs: 0.5, holdMs: 10, releaseMs: 10 });
    const b = new Float32Array(512).fill(0.001);
    g.process([b], 1, 512);
    expect(b[511]).toBeCloseTo(0.00001, 8);
  });

  it('a bad job throws a TypeError naming the job and the field, and changes nothing', () => {
    const gateJobs = run();
    const pool = new FilterPool(256, 2 * GATE_BLOCK);
    pool.f32.fill(1);
    pool.f64[GATE_FALL_AT] = 128;
    pool.f64[GATE_BLOCK + GATE_FALL_AT] = 128;
    const jobs = Int32Array.of(0, -1, 1, 0, 128, 250, 2, GATE_BLOCK);
    expect(() => gateJobs(pool.f32, pool.f64, jobs, 2, 128)).toThrow(/job 1: bad buf1/);
    expect(() => gateJobs(pool.f32, pool.f64, Int32Array.of(0, -1, 3, 0), 1, 128)).toThrow(/job 0: bad nch/);
    expect(() => gateJobs(pool.f32, pool.f64, Int32Array.of(0, -1, 1, GATE_BLOCK + 1), 1, 128)).toThrow(/job 0: bad block/);
    expect(() => gateJobs(pool.f32, pool.f64, Int32Array.of(200, -1, 1, 0), 1, 128)).toThrow(/job 0: bad buf0/);
    // The span fall written for other frames: the kernel would detect with the wrong fall.
    expect(() => gateJobs(pool.f32, pool.f64, Int32Array.of(0, -1, 1, 0), 1, 100)).toThrow(/job 0: bad fall/);
    expect(() => gateJobs(pool.f32, pool.f64, jobs, 3, 128)).toThrow(TypeError);
    expect(pool.f32.every((x) => x === 1)).toBe(true);
  });
});
