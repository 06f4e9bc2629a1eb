import { describe, expect, it } from 'vitest';
import { bytesToEasymidi, easymidiToBytes } from '../../../src/surfaces/midi/easymidi-backend.ts';

// The objects easymidi's Input emits for these bytes (see its parseMessage), and what its Output takes.
const cases: Array<[number[], Record<string, unknown>]> = [
  [[0x93, 60, 100], { _type: 'noteon', channel: 3, note: 60, velocity: 100 }],
  [[0x80, 60, 0], { _type: 'noteoff', channel: 0, note: 60, velocity: 0 }],
  [[0xa1, 5, 6], { _type: 'poly aftertouch', channel: 1, note: 5, pressure: 6 }],
  [[0xbf, 7, 127], { _type: 'cc', channel: 15, controller: 7, value: 127 }],
  [[0xc2, 9], { _type: 'program', channel: 2, number: 9 }],
  [[0xd0, 0x7c], { _type: 'channel aftertouch', channel: 0, pressure: 0x7c }],
  [[0xe7, 0x7f, 0x7f], { _type: 'pitch', channel: 7, value: 16383 }],
  [[0xf2, 1, 2], { _type: 'position', value: 257 }],
  [[0xf1, 0x35], { _type: 'mtc', type: 3, value: 5 }],
  [[0xf3, 4], { _type: 'select', song: 4 }],
  [[0xf8], { _type: 'clock' }],
  [[0xfe], { _type: 'activesense' }],
  [[0xf0, 0x7e, 0x7f, 0x06, 0x01, 0xf7], { _type: 'sysex', bytes: [0xf0, 0x7e, 0x7f, 0x06, 0x01, 0xf7] }],
];

describe('easymidi adapter', () => {
  it.each(cases)('%j <-> easymidi objects', (bytes, obj) => {
    expect([...easymidiToBytes(obj as { _type: string })!]).toEqual(bytes);
    const [type, params] = bytesToEasymidi(Uint8Array.from(bytes));
    expect(type).toBe(obj._type);
    const { _type, ...rest } = obj;
    if (type === 'sysex') expect(params).toEqual(bytes);
    else if (Object.keys(rest).length) expect(params).toEqual(rest);
    else expect(params).toBeUndefined();
  });

  it('ignores kinds it cannot carry and refuses unknown statuses', () => {
    expect(easymidiToBytes({ _type: 'sysex end' })).toBeUndefined();
    expect(() => bytesToEasymidi(Uint8Array.of(0xf4))).toThrow(/0xf4/);
  });
});
