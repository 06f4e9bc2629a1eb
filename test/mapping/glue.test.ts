import { describe, expect, it } from 'vitest';
import { decodeRelative, encodeRelative, formatForDisplay, makeScale } from '../../src/mapping/binding/glue.ts';
import { ParamRegistry } from '../../src/params/registry.ts';
import { parseSession } from '../../src/params/session.ts';
import type { Glue } from '../../src/mapping/file/types.ts';

const reg = ParamRegistry.fromSession(parseSession('channels: 1\n', 't.yaml'));
const glue = (g: Partial<Glue> = {}): Glue => ({ in: [0, 1], out: [0, 1], invert: false, taper: 'param', step: 0.01, holdMs: 500, deadband: 0, ...g });

describe('relative encodings (golden vectors)', () => {
  const vectors: Array<[Parameters<typeof decodeRelative>[0], number, number]> = [
    ['twos-complement', 0x01, 1], ['twos-complement', 0x3f, 63], ['twos-complement', 0x7f, -1], ['twos-complement', 0x40, -64],
    ['signed-bit', 0x01, 1], ['signed-bit', 0x41, -1], ['signed-bit', 0x0f, 15], ['signed-bit', 0x4f, -15],
    ['binary-offset', 0x41, 1], ['binary-offset', 0x3f, -1], ['binary-offset', 0x40, 0], ['binary-offset', 0x48, 8],
  ];
  for (const [enc, byte, ticks] of vectors) {
    it(`${enc} ${byte.toString(16)} = ${ticks}`, () => {
      expect(decodeRelative(enc, byte)).toBe(ticks);
      if (ticks !== 0) expect(encodeRelative(enc, ticks)).toBe(byte);
    });
  }
});

describe('scale', () => {
  it('runs in, invert, out and taper forwards and backwards consistently', () => {
    const pan = reg.get('/ch/1/pan')!;
    const s = makeScale(glue({ in: [0.1, 0.9], invert: true, out: [0.25, 0.75] }), pan);
    expect(s.toValue(0.1)).toBeCloseTo(0.5, 12); // inverted: bottom of travel → top of the out range
    expect(s.toValue(0.9)).toBeCloseTo(-0.5, 12);
    expect(s.toControl(0)).toBeCloseTo(0.5, 12);
    for (const c of [0.1, 0.3, 0.77, 0.9]) expect(s.toControl(s.toValue(c) as number)).toBeCloseTo(c, 12);
  });

  it('linear/log/table tapers over a glue range', () => {
    const fader = reg.get('/ch/1/fader')!;
    expect(makeScale(glue({ taper: 'linear', range: [-60, 10] }), fader).toValue(0.5)).toBeCloseTo(-25, 12);
    const freq = reg.get('/ch/1/hpf/freq')!;
    expect(makeScale(glue({ taper: 'log' }), freq).toValue(0.5)).toBeCloseTo(Math.sqrt(20 * 400), 9);
    expect(makeScale(glue({ taper: [[0, -40], [0.5, -6], [1, 6]] }), fader).toValue(0.75)).toBeCloseTo(0, 12);
  });
});

describe('display text', () => {
  it('fits a scribble-strip cell', () => {
    expect(formatForDisplay(reg.get('/ch/1/pan')!, -0.5, 7)).toBe('L50');
    expect(formatForDisplay(reg.get('/ch/1/pan')!, 0, 7)).toBe('<C>');
    expect(formatForDisplay(reg.get('/ch/1/fader')!, -Infinity, 7)).toBe('-inf');
    expect(formatForDisplay(reg.get('/ch/1/hpf/freq')!, 2500, 7)).toBe('2.50k');
    expect(formatForDisplay(reg.get('/ch/1/mute')!, true, 7)).toBe('On');
  });
});
