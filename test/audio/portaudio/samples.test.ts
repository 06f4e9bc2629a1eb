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
  // The typed-array views must lay samples out exactly as Buffer's little-endian methods do, and a
  // Buffer not aligned to its sample size (a slice of Node's pool) must still convert right.
  for (const format of ['float32', 'int24', 'int16', 'int32'] as const) {
    it(`${format}: bytes as Buffer's little-endian methods write them, aligned or not`, () => {
      const bps = BYTES_PER_SAMPLE[format];
      const write = (b: Buffer, x: number, off: number): void => {
        const clip = Math.max(-1, Math.min(1, x));
        if (format === 'float32') b.writeFloatLE(x, off);
        else if (format === 'int16') b.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(clip * 32768))), off);
        else if (format === 'int24') b.writeIntLE(Math.max(-8388608, Math.min(8388607, Math.round(clip * 8388608))), off, 3);
        else b.writeInt32LE(Math.max(-2147483648, Math.min(2147483647, Math.round(clip * 2147483648))), off);
      };
      const expected = Buffer.alloc(frames * 2 * bps);
      for (let i = 0; i < frames; i++) for (let c = 0; c < 2; c++) write(expected, chans[c]![i]!, (i * 2 + c) * bps);
      for (const offset of [0, 1]) {
        const whole = Buffer.alloc(expected.length + 1);
        const buf = whole.subarray(offset, offset + expected.length);
        interleave(chans, frames, buf, format, 2);
        expect(buf.equals(expected)).toBe(true);
        const back = [new Float32Array(frames), new Float32Array(frames)];
        deinterleave(buf, format, 2, back, frames);
        for (let i = 0; i < frames; i++) expect(back[1]![i]).toBe(Math.fround(format === 'float32' ? expected.readFloatLE((i * 2 + 1) * bps) : format === 'int16' ? expected.readInt16LE((i * 2 + 1) * bps) / 32768 : format === 'int24' ? expected.readIntLE((i * 2 + 1) * bps, 3) / 8388608 : expected.readInt32LE((i * 2 + 1) * bps) / 2147483648));
      }
    });
  }
});
