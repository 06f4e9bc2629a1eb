/**
 * A whole engine rendered with the native gate (every strip's gate of a group in one gateJobs call)
 * and with FADERD_KERNELS=ts (Gate.process strip by strip), compared sample by sample and meter by
 * meter (gain reduction included) with Object.is: mono and stereo channels, buses and an fx return
 * gating between a high-pass and an EQ boost, settings and on/off changing mid-run, programme that
 * opens, holds and closes the gates, odd block sizes.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { buildEngine, driveBoth, mixYaml, rng, setBoth } from './helpers.ts';
import type { ParamValue } from '../../../src/params/registry.ts';
import { nativeGateCalls, nativeGateJobs, nativeGateMissing } from '../../../src/engine/native/gate-batch.ts';

const SR = 48000;
const MAX_BLOCK = 512;
const CHANNELS = 24;

const sessionYaml = (): string => mixYaml(CHANNELS, ['{ name: Grp, master: true }', '{ name: Mon, stereo: false, output: 3 }'], ['{ name: Verb, type: reverb }']);

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
      for (const [a, v] of Object.entries(gateSettings(base, r0))) setBoth(ref, nat, a, v);
      // A high-pass before the gate and a boost after it: a gate run out of its place in the strip shows.
      setBoth(ref, nat, `${base}/hpf/on`, r0() < 0.5);
      setBoth(ref, nat, `${base}/eq/1/gain`, 12);
      setBoth(ref, nat, `${base}/eq/1/freq`, 300);
    }
    for (let i = 1; i <= CHANNELS; i++) {
      setBoth(ref, nat, `/ch/${i}/send/1/level`, -6);
      setBoth(ref, nat, `/ch/${i}/fxsend/1/level`, -20);
    }
    const callsBefore = nativeGateCalls[0]!;
    let reducing = 0;
    driveBoth(ref, nat, {
      blocks: 300, seed: 4242, strips, settings: gateSettings, levelsDb: [-80, -10], maxBlock: MAX_BLOCK,
      afterBlock: () => {
        for (let i = 1; i <= CHANNELS; i++) if (ref.engine.meters[ref.registry.get(`/ch/${i}/meter/gr`)!.index]! > 0) reducing++;
      },
    });
    // Three groups (channels, buses, fx) per block, the native path each time.
    expect(nativeGateCalls[0]! - callsBefore).toBeGreaterThanOrEqual(300 * 3);
    // The gates really reduced (metered) and the mix is not silent.
    expect(reducing).toBeGreaterThan(1000);
    expect(ref.outs[0]!.some((x) => x !== 0)).toBe(true);
  });
});
