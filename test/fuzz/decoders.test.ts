/**
 * The fuzz suites at a short, fixed-seed length (`npm run fuzz -- --inputs 100000` runs them long).
 * A failure names its seed and input index; `npm run fuzz -- --target NAME --seed S` reproduces it.
 */
import { describe, expect, it } from 'vitest';
import { describeResult, MEMORY_SLACK_BYTES, runFuzz, type FuzzTarget } from './harness.ts';
import { TARGETS } from './targets/index.ts';
import { oscDecodeTarget } from './targets/osc.ts';
import { decodePacket } from '../../src/surfaces/osc/codec.ts';

/** Inputs per target in the test suite: enough to cover every generator branch many times over. */
const SHORT: Record<string, number> = {
  'osc-decode': 6000,
  'midi-parser': 6000,
  'midi-mapping': 4000,
  'serial-lines': 6000,
  'serial-line-mapping': 4000,
  'serial-slip': 6000,
  // YAML files cost milliseconds each: fewer here, 100,000 in the long run.
  'session-file': 400,
  'mapping-file': 300,
  'state-file': 800,
  'scene-file': 300,
  'osc-dispatch': 1500,
  'osc-websocket': 1500,
  'wav-file': 3000,
  'file-readers': 600,
};

describe('fuzzing every decoder with fixed seeds', () => {
  for (const [name, make] of Object.entries(TARGETS)) {
    it(`${name}: no error escapes, output stays valid, memory stays bounded`, () => {
      const res = runFuzz(make(), { inputs: SHORT[name]!, seed: 0x5eed + name.length });
      expect(res.failures, describeResult(res)).toEqual([]);
      expect(res.memoryGrowthBytes, describeResult(res)).toBeLessThan(MEMORY_SLACK_BYTES);
    });
  }

  it('the memory check catches a decoder that keeps what it decodes', () => {
    const honest = oscDecodeTarget();
    const kept: unknown[] = [];
    const leaky: FuzzTarget<Uint8Array> = {
      name: 'leaky',
      generate: honest.generate,
      feed(input) {
        try {
          kept.push(decodePacket(input));
        } catch {
          kept.push(input);
        }
      },
    };
    const res = runFuzz(leaky, { inputs: SHORT['osc-decode']!, seed: 1 });
    expect(res.memoryGrowthBytes).toBeGreaterThan(MEMORY_SLACK_BYTES);
  });

  it('a contract break is reported with the input that caused it', () => {
    const res = runFuzz({ name: 'broken', generate: (r) => r.int(10), feed: (n) => { if (n === 7) throw new Error('seven'); } }, { inputs: 200, seed: 3, maxFailures: 2 });
    expect(res.failures).toHaveLength(2);
    expect(res.failures[0]!.message).toMatch(/seven/);
    expect(res.failures[0]!.index).toBeGreaterThanOrEqual(0);
  });
});
