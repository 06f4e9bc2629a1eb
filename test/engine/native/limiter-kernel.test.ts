/**
 * The native limiter loop (limiter.c through TruePeakLimiter with kernel 'native') against the
 * TypeScript loop (kernel 'ts'), the reference: same settings, same programme, every output sample and
 * every state value (running doubles, settings, ring positions, deque, average ring, delay lines,
 * detector peaks) compared by Object.is after every block. Loud programme with transients and
 * sustained overs, silence, NaN and Inf, mono and stereo (and a channel left undefined), block sizes
 * 1..1024, bypass toggled, ceiling and release changed mid-run, reset(), runs long enough to wrap every
 * ring many times, the deque's renumbering at 1e12, and the calls the kernel declines (frames past
 * maxBlock, a short buffer). Then a whole engine rendered with FADERD_KERNELS=ts and with the addon.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { TruePeakLimiter, type LimiterOptions } from '../../../src/engine/dsp/limiter.ts';
import { nativeLimiterCalls, nativeLimiterMissing, nativeLimiterRun } from '../../../src/engine/native/limiter-kernel.ts';
import { buildEngine, mixYaml, processBoth, rng, setParam } from './helpers.ts';

const SR = 48000;

interface Side {
  readonly lim: TruePeakLimiter;
  readonly bufs: Float32Array[];
}

function side(kernel: 'ts' | 'native', nch: number, maxBlock: number, opts: LimiterOptions, sr: number): Side {
  return { lim: new TruePeakLimiter(sr, maxBlock, nch, { ...opts, kernel }), bufs: Array.from({ length: nch }, () => new Float32Array(maxBlock + 8)) };
}

/** Every array of a limiter's state, by name (the fields are private: the test reaches in). */
function stateOf(lim: TruePeakLimiter): Record<string, ArrayLike<number>> {
  const l = lim as unknown as Record<string, ArrayLike<number>>;
  return { st: l.st!, pos: l.pos!, dqVal: l.dqVal!, dqIdx: l.dqIdx!, avg: l.avg!, delay: l.delayAll!, det: l.detAll! };
}

function expectSame(ref: Side, nat: Side, frames: number, what: string): void {
  for (let c = 0; c < ref.bufs.length; c++) {
    const a = ref.bufs[c]!, b = nat.bufs[c]!;
    for (let i = 0; i < a.length; i++) {
      if (!Object.is(a[i], b[i])) throw new Error(`${what}: channel ${c} sample ${i} (of ${frames}): reference ${a[i]}, native ${b[i]}`);
    }
  }
  const sa = stateOf(ref.lim), sb = stateOf(nat.lim);
  for (const name of Object.keys(sa)) {
    const a = sa[name]!, b = sb[name]!;
    expect(b.length, `${what}: ${name} length`).toBe(a.length);
    for (let i = 0; i < a.length; i++) {
      if (!Object.is(a[i], b[i])) throw new Error(`${what}: state ${name}[${i}]: reference ${a[i]}, native ${b[i]}`);
    }
  }
  expect(Object.is(nat.lim.gainReductionDb, ref.lim.gainReductionDb), what).toBe(true);
  expect(Object.is(nat.lim.currentGain, ref.lim.currentGain), what).toBe(true);
}

/** Programme state: a tone's phase and the kind of material now playing. */
interface Prog { phase: number; kind: number; level: number; freq: number }

/** Loud tones, single-sample transients, sustained square overs, noise, silence, and now and then NaN/Inf. */
function fill(r: () => number, p: Prog, out: Float32Array[], frames: number): void {
  for (let i = 0; i < frames; i++) {
    if (r() < 0.0004) {
      p.kind = Math.floor(r() * 6);
      p.level = p.kind === 4 ? 0 : Math.pow(10, (-20 + 34 * r()) / 20);
      p.freq = 20 + 12000 * r() * r();
    }
    p.phase += (2 * Math.PI * p.freq) / SR;
    const base = Math.sin(p.phase);
    for (let c = 0; c < out.length; c++) {
      let x: number;
      switch (p.kind) {
        case 0: x = p.level * Math.sin(p.phase + c); break;
        case 1: x = r() < 0.002 ? (r() - 0.5) * 40 : 0.05 * base; break;
        case 2: x = p.level * (base >= 0 ? 1 : -1); break;
        case 3: x = p.level * (2 * r() - 1); break;
        case 4: x = 0; break;
        default: x = r() < 0.001 ? [NaN, Infinity, -Infinity][Math.floor(r() * 3)]! : p.level * base;
      }
      out[c]![i] = x;
    }
  }
}

function block(ref: Side, nat: Side, r: () => number, p: Prog, frames: number, what: string, undef = -1): void {
  fill(r, p, ref.bufs, frames);
  for (let c = 0; c < ref.bufs.length; c++) nat.bufs[c]!.set(ref.bufs[c]!);
  const pick = (s: Side): Float32Array[] => s.bufs.map((b, c) => (c === undef ? (undefined as unknown as Float32Array) : b));
  ref.lim.process(pick(ref), frames);
  nat.lim.process(pick(nat), frames);
  expectSame(ref, nat, frames, what);
}

afterEach(() => {
  delete process.env.FADERD_KERNELS;
});

describe('native limiter loop', () => {
  it('is in use, and the limiters built with it say so', () => {
    expect(nativeLimiterRun(), `not in use: ${nativeLimiterMissing()}`).toBeDefined();
    expect(new TruePeakLimiter(SR, 64, 2).kernel).toBe('native');
    expect(new TruePeakLimiter(SR, 64, 2, { kernel: 'ts' }).kernel).toBe('ts');
    process.env.FADERD_KERNELS = 'ts';
    expect(new TruePeakLimiter(SR, 64, 2).kernel).toBe('ts');
    expect(() => new TruePeakLimiter(SR, 64, 2, { kernel: 'native' })).toThrow(/not in use/);
  });

  for (const [nch, label] of [[1, 'mono'], [2, 'stereo'], [3, 'three channels']] as const) {
    it(`limits ${label} exactly as the reference, block sizes 1..1024, settings, bypass and reset mid-run`, { timeout: 120_000 }, () => {
      const MAX = 1024;
      const ref = side('ts', nch, MAX, {}, SR), nat = side('native', nch, MAX, {}, SR);
      const r = rng(7 + nch), rp = rng(99 + nch);
      const p: Prog = { phase: 0, kind: 0, level: 2, freq: 440 };
      const calls = nativeLimiterCalls[0]!;
      let limited = 0, total = 0, blocks = 0;
      while (total < 6 * SR) {
        const frames = r() < 0.2 ? 1 + Math.floor(r() * 7) : r() < 0.5 ? [64, 128, 256, 512, 1024][Math.floor(r() * 5)]! : 1 + Math.floor(r() * MAX);
        if (r() < 0.03) {
          const s = { ceilingDb: r() < 0.1 ? NaN : -12 * r(), releaseMs: r() < 0.2 ? 1 + 10 * r() : 20 + 2000 * r() };
          ref.lim.configure(s);
          nat.lim.configure(s);
        }
        if (r() < 0.02) ref.lim.bypass = nat.lim.bypass = !ref.lim.bypass;
        if (r() < 0.005) {
          ref.lim.reset();
          nat.lim.reset();
        }
        block(ref, nat, rp, p, frames, `${label} block ${blocks} (${frames} frames)`, nch === 3 && r() < 0.1 ? 1 : -1);
        if (ref.lim.gainReductionDb > 1) limited++;
        total += frames;
        blocks++;
      }
      expect(limited, 'the programme made the limiter limit').toBeGreaterThan(blocks / 10);
      expect(nativeLimiterCalls[0]! - calls).toBe(blocks);
    });
  }

  it('matches at other rates and attacks (a one-sample average included)', { timeout: 60_000 }, () => {
    for (const [sr, opts] of [[44100, { attackMs: 0.01 }], [96000, { attackMs: 5, holdMs: 0 }], [8000, { holdMs: 50, marginDb: 0 }]] as const) {
      const ref = side('ts', 2, 300, opts, sr), nat = side('native', 2, 300, opts, sr);
      const r = rng(sr), rp = rng(sr + 1);
      const p: Prog = { phase: 0, kind: 2, level: 3, freq: 100 };
      for (let b = 0; b < 800; b++) block(ref, nat, rp, p, 1 + Math.floor(r() * 300), `${sr} Hz block ${b}`);
    }
  });

  it('renumbers the deque past 1e12 samples exactly as the reference', () => {
    const ref = side('ts', 2, 512, {}, SR), nat = side('native', 2, 512, {}, SR);
    for (const s of [ref, nat]) (stateOf(s.lim).st as Float64Array)[0] = 1e12 - 3000;
    const r = rng(5), rp = rng(6);
    const p: Prog = { phase: 0, kind: 2, level: 4, freq: 50 };
    let renumbered = false;
    for (let b = 0; b < 60; b++) {
      block(ref, nat, rp, p, 1 + Math.floor(r() * 512), `block ${b}`);
      if ((stateOf(ref.lim).st[0] as number) < 1e6) renumbered = true;
    }
    expect(renumbered).toBe(true);
  });

  it('bypassed, passes the input through delayed by latencyFrames (either loop)', () => {
    for (const kernel of ['ts', 'native'] as const) {
      const s = side(kernel, 2, 512, {}, SR);
      s.lim.bypass = true;
      const input = Array.from({ length: 2 }, () => new Float32Array(4 * 512));
      fill(rng(4), { phase: 0, kind: 2, level: 8, freq: 200 }, input, 4 * 512);
      const out = input.map((x) => new Float32Array(x.length));
      for (let at = 0; at < 4 * 512; at += 512) {
        for (let c = 0; c < 2; c++) s.bufs[c]!.set(input[c]!.subarray(at, at + 512));
        s.lim.process(s.bufs, 512);
        for (let c = 0; c < 2; c++) out[c]!.set(s.bufs[c]!.subarray(0, 512), at);
      }
      const lat = s.lim.latencyFrames;
      for (let c = 0; c < 2; c++) {
        for (let i = 0; i < out[c]!.length; i++) expect(out[c]![i], `${kernel} ${c} ${i}`).toBe(i < lat ? 0 : input[c]![i - lat]);
      }
      expect(s.lim.gainReductionDb).toBe(0);
    }
  });

  it('clamps the gain at 1 when the running sum drifts above the attack length', () => {
    const ref = side('ts', 2, 1024, {}, SR), nat = side('native', 2, 1024, {}, SR);
    const A = (ref.lim as unknown as { attack: number }).attack;
    const rp = rng(8);
    const p: Prog = { phase: 0, kind: 0, level: 0.3, freq: 300 };
    block(ref, nat, rp, p, A * 10, 'quiet');
    expect(stateOf(ref.lim).pos[2]).toBe(0);
    // Rounding can leave the running sum a little above A until the next resum: the gain stays at 1.
    for (const s of [ref, nat]) (stateOf(s.lim).st as Float64Array)[1] = A * (1 + 1e-6);
    block(ref, nat, rp, p, A - 1, 'drifted');
    expect(ref.lim.currentGain).toBe(1);
  });

  it('declines frames past maxBlock and short buffers, and the reference loop gives the same', () => {
    const ref = side('ts', 2, 256, {}, SR), nat = side('native', 2, 256, {}, SR);
    const rp = rng(3);
    const p: Prog = { phase: 0, kind: 0, level: 4, freq: 1000 };
    block(ref, nat, rp, p, 256, 'warm-up');
    const calls = nativeLimiterCalls[0]!;
    block(ref, nat, rp, p, 260, 'past maxBlock');
    const short = (s: Side): Float32Array[] => [s.bufs[0]!, s.bufs[1]!.subarray(0, 100)];
    ref.lim.process(short(ref), 200);
    nat.lim.process(short(nat), 200);
    expectSame(ref, nat, 200, 'short buffer');
    expect(nativeLimiterCalls[0]! - calls).toBe(0);
    block(ref, nat, rp, p, 0, 'no frames');
    block(ref, nat, rp, p, 200, 'after');
    expect(nativeLimiterCalls[0]! - calls).toBe(2);
  });
});

describe('engine with the native limiter loop', () => {
  it('renders exactly what the TypeScript reference renders, and the native loop ran', { timeout: 120_000 }, () => {
    const yaml = mixYaml(4, ['{ name: Grp, master: true }'], ['{ name: Verb, type: reverb }']);
    const ref = buildEngine(yaml, 'ts', 512, SR);
    const calls = nativeLimiterCalls[0]!;
    ref.engine.process(ref.ins, ref.outs, 16);
    expect(nativeLimiterCalls[0]! - calls, 'the reference engine ran the native loop').toBe(0);
    const nat = buildEngine(yaml, 'native', 512, SR);
    nat.engine.process(nat.ins, nat.outs, 16);
    for (const s of [ref, nat]) {
      for (let i = 1; i <= 4; i++) setParam(s, `/ch/${i}/fader`, 6);
      setParam(s, '/master/limiter/ceiling', -3);
    }
    const r = rng(2024);
    let t = 0, reduced = 0;
    for (let blk = 0; blk < 400; blk++) {
      if (blk === 150) for (const s of [ref, nat]) setParam(s, '/master/limiter/release', 20);
      if (blk === 250) for (const s of [ref, nat]) setParam(s, '/master/limiter/ceiling', -0.5);
      const frames = blk % 5 === 2 ? 1 + Math.floor(r() * 512) : 128;
      for (let k = 0; k < ref.ins.length; k++) {
        for (let i = 0; i < frames; i++) {
          const burst = (Math.floor((t + i) / 4800) + k) % 3 !== 0;
          const x = (burst ? 0.9 : 0.05) * Math.sin(0.003 * (k + 1) * (t + i)) + (r() < 0.001 ? 0.9 : 0);
          ref.ins[k]![i] = x;
          nat.ins[k]![i] = x;
        }
      }
      processBoth(ref, nat, frames, blk);
      t += frames;
      if (nat.engine.meters[nat.registry.get('/master/meter/gr')!.index]! > 1) reduced++;
    }
    expect(reduced, 'the limiter limited').toBeGreaterThan(50);
    expect(nativeLimiterCalls[0]! - calls).toBeGreaterThanOrEqual(400);
  });
});
