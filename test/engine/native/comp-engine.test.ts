/**
 * A whole engine rendered with the native compressor (every strip's compressor of a group in one
 * compJobs call) and with FADERD_KERNELS=ts (Compressor.process strip by strip), compared sample by
 * sample and meter by meter (gain reduction included) with Object.is: every compressor working,
 * settings and on/off changing mid-run, bursts and silence, odd block sizes.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { buildEngine, mixYaml, processBoth, rng, setParam, type EngineSide } from './helpers.ts';
import type { ParamValue } from '../../../src/params/registry.ts';
import { nativeCompCalls, nativeCompJobs, nativeCompMissing } from '../../../src/engine/native/comp-batch.ts';

const SR = 48000;
const MAX_BLOCK = 512;
const CHANNELS = 24;

const sessionYaml = (): string => mixYaml(CHANNELS, ['{ name: Grp, master: true }', '{ name: Mon, stereo: false, output: 3 }'], ['{ name: Verb, type: reverb }']);

function both(a: EngineSide, b: EngineSide, address: string, value: ParamValue): void {
  setParam(a, address, value);
  setParam(b, address, value);
}

function compSettings(base: string, r: () => number): Record<string, ParamValue> {
  return {
    [`${base}/comp/on`]: true,
    [`${base}/comp/threshold`]: -50 + 45 * r(),
    [`${base}/comp/ratio`]: 1 + 19 * r(),
    [`${base}/comp/knee`]: r() < 0.3 ? 0 : 48 * r(),
    [`${base}/comp/attack`]: r() < 0.2 ? 0 : 100 * r(),
    [`${base}/comp/release`]: r() < 0.2 ? 0 : 1000 * r(),
    [`${base}/comp/makeup`]: 24 * r() - 6,
    [`${base}/comp/auto`]: r() < 0.3,
  };
}

afterEach(() => {
  delete process.env.FADERD_KERNELS;
});

describe('engine with the native compressor', () => {
  it('renders exactly what the TypeScript reference renders', { timeout: 120_000 }, () => {
    expect(nativeCompJobs(), `the native compressor is not in use: ${nativeCompMissing()}`).toBeDefined();
    const ref = buildEngine(sessionYaml(), 'ts', MAX_BLOCK, SR);
    const nat = buildEngine(sessionYaml(), 'native', MAX_BLOCK, SR);
    const r0 = rng(5);
    const strips = [...Array.from({ length: CHANNELS }, (_, i) => `/ch/${i + 1}`), '/bus/1', '/bus/2', '/fx/1'];
    for (const base of strips) for (const [a, v] of Object.entries(compSettings(base, r0))) both(ref, nat, a, v);
    for (let i = 1; i <= CHANNELS; i++) {
      both(ref, nat, `/ch/${i}/send/1/level`, -6);
      both(ref, nat, `/ch/${i}/fxsend/1/level`, -20);
    }
    const r = rng(777);
    const callsBefore = nativeCompCalls[0]!;
    const levels = ref.ins.map(() => 0.3);
    let clock = 0;
    for (let blk = 0; blk < 200; blk++) {
      if (blk % 9 === 4) {
        for (let n = 0; n < 6; n++) {
          const base = strips[Math.floor(r() * strips.length)]!;
          const s = compSettings(base, r);
          const keys = Object.keys(s);
          const key = keys[Math.floor(r() * keys.length)]!;
          both(ref, nat, key, key.endsWith('/on') ? r() < 0.7 : s[key]!);
        }
      }
      const frames = blk % 7 === 3 ? 1 + Math.floor(r() * MAX_BLOCK) : 128;
      for (let k = 0; k < ref.ins.length; k++) {
        if (r() < 0.05) levels[k] = r() < 0.3 ? 0 : Math.pow(10, (-40 + 46 * r()) / 20);
        for (let i = 0; i < frames; i++) {
          const t = clock + i;
          const x = levels[k]! * (Math.sin(0.01 * (k + 1) * t) + 0.3 * (r() - 0.5));
          ref.ins[k]![i] = x;
          nat.ins[k]![i] = x;
        }
      }
      clock += frames;
      processBoth(ref, nat, frames, blk);
    }
    expect(nativeCompCalls[0]! - callsBefore).toBeGreaterThan(200);
    expect(ref.outs[0]!.some((x) => x !== 0)).toBe(true);
  });
});
