import { describe, expect, it } from 'vitest';
import { BYTES_PER_SAMPLE, deinterleave, interleave } from '../../../src/audio/portaudio/samples.ts';

describe('sample conversion', () => {
  const frames = 64;
  const chans = [Float32Array.from({ length: frames }, (_, i) => Math.sin(i / 5) * 0.8), Float32Array.from({ length: frames }, (_, i) => -i / frames)];
  for (const [format, lsb] of [['float32', 1e-7], ['int24', 1 / 8388608], ['int16', 1 / 32768], ['int32', 1e-9]] as const) {
    it(`${format}: interleaves and back within one step of the format`, () => {
      const buf = Buffer.alloc(frames * 3 * BYTES_PER_SAMPLE[format]);
      interleave(chans, frames, buf, format, 3); // a third device channel gets silence
      const back = [new Float32Array(frames), new Float32Array(frames), new Float32Array(frames), new Float32Array(frames).fill(9)];
      deinterleave(buf, format, 3, back, frames);
      for (let c = 0; c < 2; c++) for (let i = 0; i < frames; i++) expect(Math.abs(back[c]![i]! - chans[c]![i]!)).toBeLessThanOrEqual(lsb);
      expect(back[2]!.every((s) => s === 0)).toBe(true);
      expect(back[3]!.every((s) => s === 0)).toBe(true); // beyond the device's channels: silence
    });
  }
  it('clips integers at full scale instead of wrapping', () => {
    const buf = Buffer.alloc(4);
    interleave([Float32Array.of(1.5, -2)], 2, buf, 'int16', 1);
    expect([buf.readInt16LE(0), buf.readInt16LE(2)]).toEqual([32767, -32768]);
  });
});
