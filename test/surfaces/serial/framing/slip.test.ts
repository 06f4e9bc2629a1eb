import { describe, expect, it } from 'vitest';
import { SlipDecoder, encodeSlip, END, ESC, ESC_END, ESC_ESC } from '../../../../src/surfaces/serial/framing/slip.ts';

function decode(chunks: number[][], maxFrame?: number) {
  const frames: number[][] = [];
  const d = new SlipDecoder({ maxFrame, onFrame: (f) => frames.push([...f]) });
  for (const c of chunks) d.push(Uint8Array.from(c));
  return { frames, d };
}

describe('SLIP', () => {
  it('round-trips frames holding END and ESC bytes', () => {
    const payloads = [[1, 2, 3], [END], [ESC], [ESC, ESC_END, END, ESC_ESC], [0, 255, 0xc0, 0xdb, 7]];
    const stream = payloads.flatMap((p) => [...encodeSlip(Uint8Array.from(p))]);
    expect(decode([stream]).frames).toEqual(payloads);
  });

  it('escapes on the wire', () => {
    expect([...encodeSlip(Uint8Array.of(1, END, ESC))]).toEqual([END, 1, ESC, ESC_END, ESC, ESC_ESC, END]);
  });

  it('decodes a frame split across reads, including inside an escape', () => {
    expect(decode([[END, 1, ESC], [ESC_END, 2], [END]]).frames).toEqual([[1, END, 2]]);
  });

  it('drops over-long frames and bad escapes, counting them, and keeps going', () => {
    const { frames, d } = decode([[1, 2, 3, 4, 5, END, 9, ESC, 0x41, 9, END, 7, END]], 4);
    expect(frames).toEqual([[7]]);
    expect(d.dropped).toBe(2);
  });
});
