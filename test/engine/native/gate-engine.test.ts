/**
 * A whole engine rendered with the native gate (every strip's gate of a group in one gateJobs call)
 * and with FADERD_KERNELS=ts (Gate.process strip by strip), compared sample by sample and meter by
 * meter (gain reduction included) with Object.is: mono and stereo channels, buses and an fx return
 * gating between a high-pass and an EQ boost, settings and on/off changing mid-run, programme that
 * opens, holds and closes the gates, odd block sizes.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { buildEngine, mixYaml, processBoth, rng, setParam, type EngineSide } from './helpers.ts';
import type { ParamValue } from '../../../src/params/registry.ts';
import { nativeGateCalls, nativeGateJobs, nativeGateMissing } from '../../../src/engine/native/gate-batch.ts';

const SR = 48000;
const MAX_BLOCK = 512;
const CHANNELS = 24;

const sessionYaml = (): string => mixYaml(CHANNELS, ['{ name: Grp, master: true }', '{ name: Mon, stereo: false, output: 3 }'], ['{ name: Verb, type: reverb }']);

function both(a: EngineSide, b: EngineSide, address: string, value: ParamValue): void {
  setParam(a, address, value);
  setParam(b, address, value);
}

function gateSettings(base: string, r: () => number): Record<string, ParamValue> {
  return {
    [`${base}/gate/on`]: true,
    [`${base}/gate/threshold`]: -60 + 40 * r(),
    [`${base}/gate/range`]: r() < 0.1 ? 0 : 80 * r(),
    [`${base}/gate/attack`]: r() < 0.3 ? 0.05 : 0.05 + 20 * r(),
    [`${base}/gate/hold`]: r() < 0.2 ? 0 : 300 * r(),
    [`${base}/gate/release`]: r() < 0.2 ? 5 : 5 + 1000 * r(),
  };
}

afterEach(() => {
  delete process.env.FADERD_KERNELS;
});

describe('engine with the native gate', () => {
  it('renders exactly what the TypeScript reference renders', { timeout: 120_000 }, () => {
    expect(nativeGateJobs(), `the native gate is not in use: ${nativeGateMissing()}`).toBeDefined();
    const ref = buildEngine(sessionYaml(), 'ts', MAX_BLOCK, SR);
    const nat = buildEngine(sessionYaml(), 'native', MAX_BLOCK, SR);
    const r0 = rng(11);
    const strips = [...Array.from({ length: CHANNELS }, (_, i) => `/ch/${i + 1}`), '/bus/1', '/bus/2', '/fx/1'];
    for (const base of strips) {
      for (const [a, v] of Object.entries(gateSettings(base, r0))) both(ref, nat, a, v);
      // A high-pass before the gate and a boost after it: a gate run out of its place in the strip shows.
      both(ref, nat, `${base}/hpf/on`, r0() < 0.5);
      both(ref, nat, `${base}/eq/1/gain`, 12);
      both(ref, nat, `${base}/eq/1/freq`, 300);
    }
    for (let i = 1; i <= CHANNELS; i++) {
      both(ref, nat, `/ch/${i}/send/1/level`, -6);
      both(ref, nat, `/ch/${i}/fxsend/1/level`, -20);
    }
    const r = rng(4242);
    const callsBefore = nativeGateCalls[0]!;
    const levels = ref.ins.map(() => 0.1);
    let clock = 0, reducing = 0;
    for (let blk = 0; blk < 300; blk++) {
      if (blk % 9 === 4) {
        for (let n = 0; n < 6; n++) {
          const base = strips[Math.floor(r() * strips.length)]!;
          const s = gateSettings(base, r);
          const keys = Object.keys(s);
          const key = keys[Math.floor(r() * keys.length)]!;
          both(ref, nat, key, key.endsWith('/on') ? r() < 0.7 : s[key]!);
        }
      }
      const frames = blk % 7 === 3 ? 1 + Math.floor(r() * MAX_BLOCK) : 128;
      for (let k = 0; k < ref.ins.length; k++) {
        // Levels from silence to -10 dBFS, changing every ~20 blocks: the gates open, hold and close.
        if (r() < 0.05) levels[k] = r() < 0.3 ? 0 : Math.pow(10, (-80 + 70 * r()) / 20);
        for (let i = 0; i < frames; i++) {
          const t = clock + i;
          const x = levels[k]! * (Math.sin(0.01 * (k + 1) * t) + 0.3 * (r() - 0.5));
          ref.ins[k]![i] = x;
          nat.ins[k]![i] = x;
        }
      }
      clock += frames;
      processBoth(ref, nat, frames, blk);
      for (let i = 1; i <= CHANNELS; i++) if (ref.engine.meters[ref.registry.get(`/ch/${i}/meter/gr`)!.index]! > 0) reducing++;
    }
    // Three groups (channels, buses, fx) per block, the native path each time.
    expect(nativeGateCalls[0]! - callsBefore).toBeGreaterThanOrEqual(300 * 3);
    // The gates really reduced (metered) and the mix is not silent.
    expect(reducing).toBeGreaterThan(1000);
    expect(ref.outs[0]!.some((x) => x !== 0)).toBe(true);
  });
});
