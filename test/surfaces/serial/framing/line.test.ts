import { describe, expect, it } from 'vitest';
import { LineFramer, encodeLine } from '../../../../src/surfaces/serial/framing/line.ts';

const bytes = (s: string) => new TextEncoder().encode(s);

describe('LineFramer', () => {
  it('splits lines across chunk boundaries', () => {
    const lines: string[] = [];
    const f = new LineFramer({ onLine: (s) => lines.push(s) });
    f.push(bytes('fader 1 0.5\nfa'));
    f.push(bytes('der 2 0\n\nmute'));
    expect(lines).toEqual(['fader 1 0.5', 'fader 2 0', '']);
    f.push(bytes(' 3 1\n'));
    expect(lines.at(-1)).toBe('mute 3 1');
  });

  it('strips CR for CRLF and splits on CR alone when asked', () => {
    const a: string[] = [];
    new LineFramer({ ending: '\r\n', onLine: (s) => a.push(s) }).push(bytes('one\r\ntwo\r\n'));
    expect(a).toEqual(['one', 'two']);
    // Lines ended by \n take println's \r\n too, and the \r does not count toward maxLine.
    const c: string[] = [];
    new LineFramer({ maxLine: 3, onLine: (s) => c.push(s) }).push(bytes('abc\r\nabcd\r\nx\n'));
    expect(c).toEqual(['abc', 'x']);
    const b: string[] = [];
    new LineFramer({ ending: '\r', onLine: (s) => b.push(s) }).push(bytes('x\ry\r'));
    expect(b).toEqual(['x', 'y']);
  });

  it('drops an over-long line whole, counts it and keeps the next', () => {
    const lines: string[] = [];
    const f = new LineFramer({ maxLine: 8, onLine: (s) => lines.push(s) });
    f.push(bytes('12345678\n123456789012345'));
    f.push(bytes('6789\nok\n'));
    expect(lines).toEqual(['12345678', 'ok']);
    expect(f.dropped).toBe(1);
  });

  it('decodes UTF-8 split across chunks', () => {
    const lines: string[] = [];
    const f = new LineFramer({ onLine: (s) => lines.push(s) });
    const all = bytes('Gesang ü\n');
    f.push(all.subarray(0, 8));
    f.push(all.subarray(8));
    expect(lines).toEqual(['Gesang ü']);
  });

  it('rejects a bad maxLine and encodes with the terminator', () => {
    expect(() => new LineFramer({ maxLine: 0, onLine: () => {} })).toThrow(/maxLine/);
    expect([...encodeLine('hi', '\r\n')]).toEqual([0x68, 0x69, 0x0d, 0x0a]);
  });
});
