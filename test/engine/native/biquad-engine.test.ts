/**
 * A whole engine rendered twice, once with the native filter kernels (the graph runs the strips'
 * HPF and EQ stage-major, all strips in one batch) and once with FADERD_KERNELS=ts (the TypeScript
 * reference, strip by strip), compared sample by sample with Object.is. 64 channels, mono and stereo,
 * buses and fx returns, HPF 12 and 24 dB/oct, every EQ shape, EQ on/off and param changes mid-run
 * (glides crossing blocks), scene recalls (every channel gliding from the same block), odd block
 * sizes. (NaN and Inf inputs: biquad-kernel.test.ts; here one would fill the reverb and leave
 * nothing to compare.)
 */
import { afterEach, describe, expect, it } from 'vitest';
import { buildEngine, mixYaml, processBoth, rng, setParam, type EngineSide } from './helpers.ts';
import { EQ_TYPES, HPF_SLOPES, type ParamValue } from '../../../src/params/registry.ts';
import { nativeBiquadJobs, nativeBiquadMissing, nativeCalls } from '../../../src/engine/native/biquad-batch.ts';

const SR = 48000;
const MAX_BLOCK = 256;
const CHANNELS = 64;

/** 64 channels, every third stereo; two buses (one stereo to the master, one mono out); reverb and delay. */
const sessionYaml = (): string =>
  mixYaml(CHANNELS, ['{ name: Grp, master: true }', '{ name: Mon, stereo: false, output: 3 }'], ['{ name: Verb, type: reverb }', '{ name: Echo, type: delay }']);

type Side = EngineSide;

const build = (kernels: 'native' | 'ts'): Side => buildEngine(sessionYaml(), kernels, MAX_BLOCK, SR);
const set = setParam;

/** Params for a strip: HPF on at 12 or 24 dB/oct (or off), every band a different shape, gate and comp on some. */
function stripParams(base: string, i: number, r: () => number): Record<string, ParamValue> {
  const p: Record<string, ParamValue> = {
    [`${base}/trim`]: (i % 7) - 3,
    [`${base}/polarity`]: i % 5 === 0,
    [`${base}/hpf/on`]: i % 4 !== 3,
    [`${base}/hpf/freq`]: 20 + r() * 300,
    [`${base}/hpf/slope`]: HPF_SLOPES[i % 2]!,
    [`${base}/gate/on`]: i % 6 === 0,
    [`${base}/eq/on`]: i % 8 !== 7,
    [`${base}/comp/on`]: i % 3 === 0,
    [`${base}/sat/on`]: i % 9 === 0,
    [`${base}/fader`]: -6,
  };
  for (let b = 1; b <= 4; b++) {
    p[`${base}/eq/${b}/type`] = EQ_TYPES[(i + b) % EQ_TYPES.length]!;
    p[`${base}/eq/${b}/freq`] = 40 * Math.pow(2, r() * 9);
    p[`${base}/eq/${b}/gain`] = (i + b) % 5 === 0 ? 0 : Math.round(-12 + r() * 24);
    p[`${base}/eq/${b}/q`] = 0.3 + r() * 5;
  }
  return p;
}

function both(a: Side, b: Side, address: string, value: ParamValue): void {
  set(a, address, value);
  set(b, address, value);
}

afterEach(() => {
  delete process.env.FADERD_KERNELS;
});

describe('engine with native filter kernels', () => {
  it('renders exactly what the TypeScript reference renders', () => {
    expect(nativeBiquadJobs(), `the native biquad kernel is not in use: ${nativeBiquadMissing()}`).toBeDefined();
    const ref = build('ts');
    const nat = build('native');
    const r0 = rng(9);
    const initial: Record<string, ParamValue> = {};
    for (let i = 1; i <= CHANNELS; i++) {
      Object.assign(initial, stripParams(`/ch/${i}`, i, r0));
      initial[`/ch/${i}/send/1/level`] = -10;
      initial[`/ch/${i}/fxsend/1/level`] = -20;
      initial[`/ch/${i}/pan`] = ((i % 9) - 4) / 4;
    }
    Object.assign(initial, stripParams('/bus/1', 1, r0), stripParams('/bus/2', 2, r0), stripParams('/fx/1', 3, r0), stripParams('/fx/2', 4, r0));
    for (const [a, v] of Object.entries(initial)) both(ref, nat, a, v);

    const r = rng(31337);
    const phases = Array.from({ length: ref.ins.length }, (_, k) => 0.01 + 0.002 * k);
    let clock = 0;
    const callsBefore = nativeCalls[0]!;
    for (let blk = 0; blk < 220; blk++) {
      // Param changes mid-run: HPF corners and slopes, EQ on/off, band shapes and gains, all gliding.
      if (blk % 7 === 3) {
        for (let n = 0; n < 12; n++) {
          const ch = 1 + Math.floor(r() * CHANNELS);
          const base = `/ch/${ch}`;
          const what = Math.floor(r() * 7);
          if (what === 0) both(ref, nat, `${base}/hpf/freq`, 20 + r() * 400);
          else if (what === 1) both(ref, nat, `${base}/hpf/slope`, HPF_SLOPES[Math.floor(r() * 2)]!);
          else if (what === 2) both(ref, nat, `${base}/eq/on`, r() < 0.5);
          else if (what === 3) both(ref, nat, `${base}/eq/${1 + Math.floor(r() * 4)}/type`, EQ_TYPES[Math.floor(r() * EQ_TYPES.length)]!);
          else if (what === 4) both(ref, nat, `${base}/eq/${1 + Math.floor(r() * 4)}/gain`, Math.round(-15 + r() * 30) * (r() < 0.3 ? 0 : 1));
          else if (what === 5) both(ref, nat, `${base}/hpf/on`, r() < 0.5);
          else both(ref, nat, `${base}/eq/${1 + Math.floor(r() * 4)}/freq`, 30 + r() * 15000);
        }
      }
      // Scene recalls: every channel's HPF and EQ move in the same block (gliding four to a vector).
      if (blk === 60 || blk === 130) {
        for (let ch = 1; ch <= CHANNELS; ch++) {
          both(ref, nat, `/ch/${ch}/hpf/freq`, 30 + ((ch * 37 + blk) % 200));
          for (let b = 1; b <= 4; b++) both(ref, nat, `/ch/${ch}/eq/${b}/gain`, ((ch + b + blk) % 13) - 6);
        }
      }
      const frames = blk % 11 === 5 ? 1 + Math.floor(r() * MAX_BLOCK) : 128;
      for (let k = 0; k < ref.ins.length; k++) {
        for (let i = 0; i < frames; i++) {
          const t = clock + i;
          let x = 0.4 * Math.sin(phases[k]! * t) + 0.05 * (r() - 0.5);
          if (blk > 150 && k % 5 === 0) x = 0; // decay towards the flush
          ref.ins[k]![i] = x;
          nat.ins[k]![i] = x;
        }
      }
      clock += frames;
      processBoth(ref, nat, frames, blk);
    }
    // The native engine really ran the batch: HPF and EQ passes, every block.
    expect(nativeCalls[0]! - callsBefore).toBeGreaterThan(220 * 3);
    // And the output is not trivially silent.
    expect(ref.outs[0]!.some((x) => x !== 0)).toBe(true);
    expect(ref.outs[0]!.every((x) => Number.isFinite(x))).toBe(true);
  });
});
