import { describe, expect, it } from 'vitest';
import { MasterChain } from '../../../src/engine/graph/master.ts';
import { ParamRegistry, toEngineValue } from '../../../src/params/registry.ts';
import { defaultSession } from '../../../src/params/session.ts';
import { heapGrowth, noise } from '../dsp/helpers.ts';

/**
 * In its own file on purpose: paths that run only every 100 ms (loudness gating steps, gated meter
 * refresh) stay cold in a fresh process, and cold code boxes every double it touches. master.test.ts
 * warms them with long programmes first, which would hide an allocation there.
 */
const registry = ParamRegistry.fromSession(defaultSession());

function chainWith(values: Record<string, number | boolean>): { chain: MasterChain; meters: Float64Array } {
  const chain = new MasterChain(48000, 128);
  chain.bindParams((address, apply) => {
    const def = registry.get(address)!;
    apply(Float64Array.of(toEngineValue(def, address in values ? values[address]! : def.default)));
  });
  chain.bindMeters((a) => registry.get(a)?.index ?? -1);
  return { chain, meters: new Float64Array(registry.defs.length) };
}

const ALL_OFF = {
  '/master/eq/on': false, '/master/comp/on': false, '/master/monobass': false, '/master/drive': 0, '/master/exciter': 0,
  '/master/limiter/on': false, '/master/loudness/auto': false, '/master/dither/on': false,
};

describe('MasterChain, cold', () => {
  for (const [what, l, r] of [
    ['silence', new Float32Array(128), new Float32Array(128)],
    ['programme', noise(128, 0.3, 1), noise(128, 0.3, 2)],
  ] as const) {
    it(`every stage off, ${what}: process() and writeMeters() do not allocate`, () => {
      const { chain, meters } = chainWith(ALL_OFF);
      const block = (): void => {
        chain.process(l, r, 128);
        chain.writeMeters(meters);
      };
      // Warm until the optimizing compiler has settled, then 20,000 blocks: 16 B every 100 ms would
      // already add ~8.5 KB.
      heapGrowth(block, 20000);
      expect(heapGrowth(block, 20000)).toBeLessThan(4 * 1024);
    });
  }
});
