import { describe, expect, it } from 'vitest';
import { argValue, decodePacket, encodeBundle, encodeMessage, oscjs } from '../../../src/surfaces/osc/codec.ts';
import type { OscArg } from '../../../src/surfaces/types.ts';

describe('OSC codec', () => {
  it('round-trips the OSC 1.0 and 1.1 argument types with their tags', () => {
    const args: OscArg[] = [
      { type: 'i', value: -7 },
      { type: 'f', value: 0.5 },
      { type: 's', value: 'Vocal' },
      { type: 'b', value: Uint8Array.of(1, 2, 3) },
      { type: 'd', value: 0.1 },
      { type: 'T' },
      { type: 'F' },
      { type: 'N' },
      { type: 'I' },
      { type: 'm', value: Uint8Array.of(0, 0x90, 60, 100) },
    ];
    const [g] = decodePacket(encodeMessage('/x', args));
    const back = g!.messages[0]!;
    expect(back.address).toBe('/x');
    expect(back.args.map((a) => a.type)).toEqual(args.map((a) => a.type));
    expect(back.args.slice(0, 3).map(argValue)).toEqual([-7, 0.5, 'Vocal']);
    expect([...(back.args[3]!.value as Uint8Array)]).toEqual([1, 2, 3]);
    expect(argValue(back.args[4]!)).toBeCloseTo(0.1, 12);
    expect(back.args.slice(5).map(argValue)).toEqual([true, false, undefined, undefined, undefined]);
  });

  it('reads int64 as a number', () => {
    // osc.js cannot write int64 from a plain number, so these are the wire bytes: '/h', ',h', 0x00000001_2A05F200.
    const bytes = Uint8Array.of(0x2f, 0x68, 0, 0, 0x2c, 0x68, 0, 0, 0, 0, 0, 1, 0x2a, 0x05, 0xf2, 0x00);
    expect(argValue(decodePacket(bytes)[0]!.messages[0]!.args[0]!)).toBe(5000000000);
  });

  it('flattens nested bundles into groups with their own time tags', () => {
    const inner = { timeTag: { native: 1900000000000 }, packets: [{ address: '/b', args: [] }] };
    const outer = { timeTag: { raw: [0, 1] }, packets: [{ address: '/a', args: [] }, inner, { address: '/c', args: [] }] };
    const groups = decodePacket(oscjs.writePacket(outer, { metadata: true }));
    expect(groups.map((g) => [g.at, g.messages.map((m) => m.address)])).toEqual([
      [undefined, ['/a', '/c']],
      [1900000000000, ['/b']],
    ]);
    expect(decodePacket(encodeBundle([{ address: '/now', args: [] }]))[0]!.at).toBeUndefined();
  });

  it('refuses malformed packets with a reason', () => {
    expect(() => decodePacket(Uint8Array.of(1, 2, 3))).toThrow(/multiple of 4/);
    expect(() => decodePacket(new TextEncoder().encode('abc\0,i\0\0\0\0\0\x01'))).toThrow(/OSC|must start with/);
    expect(() => decodePacket(new TextEncoder().encode('/a\0\0,[i]\0\0\0\0\0\0\0\x01'))).toThrow(/arrays are not accepted/);
    let deep: unknown = { address: '/deep', args: [] };
    for (let k = 0; k < 10; k++) deep = { timeTag: { raw: [0, 1] }, packets: [deep] };
    expect(() => decodePacket(oscjs.writePacket(deep, { metadata: true }))).toThrow(/nested deeper/);
  });
});
