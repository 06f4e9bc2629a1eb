import { describe, expect, it } from 'vitest';
import { decodeWav, encodeWav } from '../../../src/audio/file/wav.ts';

describe('float WAV samples that are not numbers', () => {
  it('read NaN and infinities as silence: one would poison every filter downstream for good', () => {
    const bytes = encodeWav([Float32Array.from([0.5, NaN, Infinity, -Infinity, -0.25])], 48000, { bitDepth: '32f' });
    expect([...decodeWav(bytes).channels[0]!]).toEqual([0.5, 0, 0, 0, -0.25]);
  });
});
