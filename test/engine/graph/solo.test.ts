import { describe, expect, it } from 'vitest';
import { passesSolo, soloActive } from '../../../src/engine/graph/solo.ts';

describe('solo rule', () => {
  it('is inactive with no solos and passes everything', () => {
    const active = soloActive({ channelSolo: [false, false], busSolo: [false], busToMaster: [true] });
    expect(active).toBe(false);
    expect(passesSolo(active, false)).toBe(true);
  });

  it('a channel solo mutes the others on the master', () => {
    const active = soloActive({ channelSolo: [false, true], busSolo: [false], busToMaster: [true] });
    expect(active).toBe(true);
    expect(passesSolo(active, true)).toBe(true);
    expect(passesSolo(active, false)).toBe(false);
  });

  it('counts a bus solo only when the bus feeds the master', () => {
    expect(soloActive({ channelSolo: [false], busSolo: [true], busToMaster: [false] })).toBe(false);
    expect(soloActive({ channelSolo: [false], busSolo: [true], busToMaster: [true] })).toBe(true);
  });
});
