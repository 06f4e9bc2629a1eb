import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeWav, encodeWav } from '../../../src/audio/file/wav.ts';
import { measureWavStream } from '../../../src/audio/file/wav-stream.ts';

describe('float WAV samples that are not numbers', () => {
  it('are refused, naming the frame and channel: one would poison every filter downstream for good', () => {
    const bytes = encodeWav([Float32Array.from([0.5, 0.1, 0.2, -0.25]), Float32Array.from([0.5, 0.1, Infinity, -0.25])], 48000, { bitDepth: '32f' });
    expect(() => decodeWav(bytes, 'x.wav')).toThrow(/x\.wav: \+Inf sample at frame 2 \(0\.000 s\), channel 2/);
    const nan = encodeWav([Float32Array.from([0.5, NaN])], 48000, { bitDepth: '32f' });
    expect(() => decodeWav(nan, 'n.wav')).toThrow(/NaN sample at frame 1/);
  });
});

describe('a streamed measurement of a float WAV with a NaN', () => {
  it('is refused at the block that holds it, naming the frame and channel', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faderd-nan-'));
    try {
      const a = new Float32Array(48000 * 2).fill(0.1);
      a[70000] = NaN;
      const file = path.join(dir, 'n.wav');
      fs.writeFileSync(file, encodeWav([a], 48000, { bitDepth: '32f' }));
      // Blocks of 4800 frames: the NaN is in the 15th, at frame 70000 of the file, not of the block.
      expect(() => measureWavStream(file, 4800)).toThrow(/NaN sample at frame 70000 \(1\.458 s\), channel 1/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
