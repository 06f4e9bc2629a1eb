/** A surface sending inf or NaN moves nothing (issue #14): `inf` once read as the top of the travel. */
import { describe, expect, it } from 'vitest';
import { createDecoder } from '../../src/mapping/binding/codec.ts';
import { compileAddressPattern } from '../../src/util/osc-pattern.ts';
import type { SourceSpec } from '../../src/mapping/file/types.ts';

describe('mapping inputs that are not numbers', () => {
  it('an OSC value of inf, -inf or NaN is ignored, in units and normalized', () => {
    for (const units of ['normalized', 'value'] as const) {
      const src: SourceSpec = { kind: 'osc', address: '/fader/*', match: compileAddressPattern('/fader/*'), args: 'f', arg: 0, units };
      const decode = createDecoder(src, {});
      for (const v of [Infinity, -Infinity, NaN]) expect(decode({ kind: 'osc', address: '/fader/1', args: [{ type: 'f', value: v }] }), `${units} ${v}`).toBeUndefined();
      expect(decode({ kind: 'osc', address: '/fader/1', args: [{ type: 'f', value: 0.5 }] })).toBeDefined();
    }
  });
});
