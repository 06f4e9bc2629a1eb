import { describe, expect, it } from 'vitest';
import { MidiParser, dataLength } from '../../../src/surfaces/midi/parser.ts';

function parse(chunks: number[][], opts: { realtime?: boolean; maxSysex?: number } = {}) {
  const out: number[][] = [];
  const p = new MidiParser({ ...opts, onMessage: (d) => out.push([...d]) });
  for (const c of chunks) p.push(Uint8Array.from(c));
  return { out, p };
}

describe('MidiParser', () => {
  it('knows how many data bytes each status takes', () => {
    expect([0x80, 0x90, 0xa0, 0xb0, 0xc0, 0xd0, 0xe0].map(dataLength)).toEqual([2, 2, 2, 2, 1, 1, 2]);
    expect([0xf0, 0xf1, 0xf2, 0xf3, 0xf6, 0xf8].map(dataLength)).toEqual([-1, 1, 2, 1, 0, 0]);
  });

  it('expands running status for channel messages', () => {
    const { out } = parse([[0x90, 60, 100, 62, 90, 64, 0], [0xc3, 5, 6]]);
    expect(out).toEqual([
      [0x90, 60, 100],
      [0x90, 62, 90],
      [0x90, 64, 0],
      [0xc3, 5],
      [0xc3, 6],
    ]);
  });

  it('passes real-time bytes through from inside a message without breaking it', () => {
    const { out } = parse([[0xb0, 0xf8, 7, 0xfe, 100, 8, 0xf8, 101]]);
    expect(out).toEqual([[0xf8], [0xfe], [0xb0, 7, 100], [0xf8], [0xb0, 8, 101]]);
  });

  it('drops real-time bytes when asked, still without breaking the message', () => {
    const { out } = parse([[0xe0, 0xf8, 0x00, 0xf8, 0x40]], { realtime: false });
    expect(out).toEqual([[0xe0, 0x00, 0x40]]);
  });

  it('joins a SysEx split across reads, with real-time bytes inside', () => {
    const { out } = parse([[0xf0, 0x00, 0x00], [0x66, 0xf8, 0x14], [0x12, 0x41, 0xf7, 0x90, 1, 2]]);
    expect(out).toEqual([[0xf8], [0xf0, 0x00, 0x00, 0x66, 0x14, 0x12, 0x41, 0xf7], [0x90, 1, 2]]);
  });

  it('drops and counts a SysEx over the cap, then carries on', () => {
    const { out, p } = parse([[0xf0, 1, 2, 3, 4, 5, 6, 0xf7, 0xf0, 1, 0xf7, 0xb0, 1, 2]], { maxSysex: 4 });
    expect(out).toEqual([[0xf0, 1, 0xf7], [0xb0, 1, 2]]);
    expect(p.errors).toBe(1);
  });

  it('system common messages cancel running status; stray data bytes are counted', () => {
    const { out, p } = parse([[0x90, 1, 2, 0xf2, 3, 4, 5, 6, 0xf6, 7]]);
    expect(out).toEqual([[0x90, 1, 2], [0xf2, 3, 4], [0xf6]]);
    expect(p.errors).toBe(3);
  });

  it('a status in mid-message abandons the truncated one (counted)', () => {
    const { out, p } = parse([[0x90, 60, 0xb0, 7, 1]]);
    expect(out).toEqual([[0xb0, 7, 1]]);
    expect(p.errors).toBe(1);
  });

  it('a SysEx cut by another status is dropped and the new message parsed', () => {
    const { out, p } = parse([[0xf0, 1, 2, 0x90, 3, 4]]);
    expect(out).toEqual([[0x90, 3, 4]]);
    expect(p.errors).toBe(1);
  });

  it('reset forgets running status', () => {
    const { out, p } = parse([[0x90, 1, 2]]);
    p.reset();
    p.push(Uint8Array.of(3, 4));
    expect(out).toEqual([[0x90, 1, 2]]);
    expect(p.errors).toBe(2);
  });
});
