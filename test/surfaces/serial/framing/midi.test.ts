import { describe, expect, it } from 'vitest';
import { MidiEncoder, midiProblem } from '../../../../src/surfaces/serial/framing/midi.ts';
import { MidiParser } from '../../../../src/surfaces/midi/parser.ts';

describe('MidiEncoder', () => {
  it('applies running status that the parser expands back', () => {
    const enc = new MidiEncoder({ runningStatus: true });
    const msgs = [[0xb0, 7, 100], [0xb0, 7, 101], [0xf8], [0xb0, 8, 1], [0xf0, 1, 2, 0xf7], [0xb0, 8, 2], [0x90, 1, 1]];
    const wire = msgs.flatMap((m) => [...enc.encode(Uint8Array.from(m))]);
    expect(wire).toEqual([0xb0, 7, 100, 7, 101, 0xf8, 8, 1, 0xf0, 1, 2, 0xf7, 0xb0, 8, 2, 0x90, 1, 1]);
    const back: number[][] = [];
    new MidiParser({ onMessage: (d) => back.push([...d]) }).push(Uint8Array.from(wire));
    expect(back).toEqual(msgs);
  });

  it('sends full status without running status, and refuses malformed messages', () => {
    const enc = new MidiEncoder();
    expect([...enc.encode(Uint8Array.of(0x90, 1, 2))]).toEqual([0x90, 1, 2]);
    expect([...enc.encode(Uint8Array.of(0x90, 1, 3))]).toEqual([0x90, 1, 3]);
    expect(() => enc.encode(Uint8Array.of(0x90, 1))).toThrow(/takes 2 data bytes/);
    expect(midiProblem(Uint8Array.of(0xf0, 1))).toMatch(/F7/);
    expect(midiProblem(Uint8Array.of(0xb0, 0x80, 1))).toMatch(/data byte 1/);
    expect(midiProblem(Uint8Array.of(5))).toMatch(/status byte/);
    expect(midiProblem(Uint8Array.of(0xc0, 5))).toBeUndefined();
  });
});
