/**
 * A whole engine rendered with the native compressor (every strip's compressor of a group in one
 * compJobs call) and with FADERD_KERNELS=ts (Compressor.process strip by strip), compared sample by
 * sample and meter by meter (gain reduction included) with Object.is: every compressor working,
 * settings and on/off changing mid-run, bursts and silence, odd block sizes.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { buildEngine, driveBoth, mixYaml, rng, setBoth } from './helpers.ts';
import type { ParamValue } from '../../../src/params/registry.ts';
import { nativeCompCalls, nativeCompJobs, nativeCompMissing } from '../../../src/engine/native/comp-batch.ts';

const SR = 48000;
const MAX_BLOCK = 512;
const CHANNELS = 24;

const sessionYaml = (): string => mixYaml(CHANNELS, ['{ name: Grp, master: true }', '{ name: Mon, stereo: false, output: 3 }'], ['{ name: Verb, type: reverb }']);

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
    for (const base of strips) for (const [a, v] of Object.entries(compSettings(base, r0))) setBoth(ref, nat, a, v);
    for (let i = 1; i <= CHANNELS; i++) {
      setBoth(ref, nat, `/ch/${i}/send/1/level`, -6);
      setBoth(ref, nat, `/ch/${i}/fxsend/1/level`, -20);
    }
    const callsBefore = nativeCompCalls[0]!;
    driveBoth(ref, nat, { blocks: 200, seed: 777, strips, settings: compSettings, levelsDb: [-40, 6], maxBlock: MAX_BLOCK });
    expect(nativeCompCalls[0]! - callsBefore).toBeGreaterThan(200);
    expect(ref.outs[0]!.some((x) => x !== 0)).toBe(true);
  });
});
