import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeWav, WavError } from '../../../src/audio/file/wav.ts';
import { measureWavStream, WavBlockReader } from '../../../src/audio/file/wav-stream.ts';
import { measureProgramme } from '../../../src/engine/mastering/report.ts';
import { loudnessOfFile } from '../../../src/cli/commands/loudness.ts';
import { ConfigError } from '../../../src/util/source-error.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faderd-wav-stream-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Stereo programme with loud, quiet and silent passages (the gates and LRA have work to do) and peaks between samples. */
function programme(seconds: number, sr: number): Float32Array[] {
  const n = Math.round(seconds * sr);
  const l = new Float32Array(n);
  const r = new Float32Array(n);
  let x = 12345;
  for (let i = 0; i < n; i++) {
    const t = i / sr;
    const section = Math.floor(t / 7) % 4; // loud, quiet, silent, medium
    const amp = [0.8, 0.05, 0, 0.3][section]!;
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    const noise = x / 0x3fffffff - 1;
    l[i] = amp * (0.7 * Math.sin(2 * Math.PI * 997 * t + 0.3) + 0.2 * noise);
    r[i] = amp * (0.6 * Math.sin(2 * Math.PI * (sr / 4.1) * t) + 0.2 * noise);
  }
  return [l, r];
}

describe('streamed WAV loudness', () => {
  const sr = 48000;
  const file = path.join(dir, 'prog.wav');
  const chans = programme(61.3, sr);
  writeWav(file, chans, sr, { bitDepth: '32f' });
  const whole = measureProgramme(chans, sr);

  for (const block of [65536, 4801, 1]) {
    it(`block by block (${block} frames) equals the whole-file measurement exactly`, { timeout: 60_000 }, () => {
      // One-frame blocks only over the first 3 s' worth: the same path, without a minute of calls.
      const f = block === 1 ? path.join(dir, 'short.wav') : file;
      if (block === 1) writeWav(f, chans.map((c) => c.subarray(0, 3 * sr)), sr, { bitDepth: '32f' });
      const expected = block === 1 ? measureProgramme(chans.map((c) => c.subarray(0, 3 * sr)), sr) : whole;
      const m = measureWavStream(f, block);
      if (block > 1) expect(m.figures).toEqual(expected);
      // One-frame blocks sum each 100 ms hop's energy in another order: equal to the last few bits.
      else for (const [k, v] of Object.entries(expected)) expect(m.figures[k as keyof typeof m.figures]).toBeCloseTo(v, 9);
      expect(m.stats.blocks).toBe(Math.ceil(m.header.frames / block));
    });
  }

  it('counts the ringing past the last sample, as the whole-file measurement does', () => {
    // A file that stops on two loud samples: its reconstruction peaks after the last one.
    const x = Float32Array.from({ length: 4800 }, (_, i) => 0.5 * Math.sin((2 * Math.PI * 1000 * i) / sr));
    x[4798] = 0.9;
    x[4799] = 0.9;
    const end = path.join(dir, 'abrupt.wav');
    writeWav(end, [x], sr, { bitDepth: '32f' });
    const streamed = measureWavStream(end, 1000).figures.truePeakDbtp;
    expect(streamed).toBe(measureProgramme([x], sr).truePeakDbtp);
    expect(streamed).toBeGreaterThan(0);
  });

  it('the figures are real: gated integrated loudness, a loudness range, the true peak over the sample peak', () => {
    expect(whole.integratedLufs).toBeGreaterThan(-20);
    expect(whole.lra).toBeGreaterThan(3);
    expect(whole.truePeakDbtp).toBeGreaterThan(-3);
  });

  it('memory does not grow with the length: the same buffers for a file 8 times longer, read in more blocks', () => {
    const rate = 8000;
    const short = path.join(dir, 'short8k.wav');
    const long = path.join(dir, 'long8k.wav');
    const one = programme(75, rate);
    writeWav(short, one, rate, { bitDepth: '16' });
    const eight = one.map((c) => {
      const x = new Float32Array(c.length * 8);
      for (let k = 0; k < 8; k++) x.set(c, k * c.length);
      return x;
    });
    writeWav(long, eight, rate, { bitDepth: '16' });
    const a = measureWavStream(short, 16384);
    const b = measureWavStream(long, 16384);
    expect(b.stats.bufferFrames).toBe(a.stats.bufferFrames);
    expect(b.stats.bufferFrames).toBe(16384);
    expect(b.stats.blocks).toBe(Math.ceil((8 * 75 * rate) / 16384));
    expect(b.figures.seconds).toBeCloseTo(600, 6);
    // A reader's channel buffers are one block long, never the file's length.
    const r = new WavBlockReader(long, 16384);
    let blocks = 0;
    while (r.next() > 0) blocks++;
    r.close();
    expect(r.channels.map((c) => c.length)).toEqual([16384, 16384]);
    expect(blocks).toBe(b.stats.blocks);
  });

  it('faderd loudness reports the streamed figures, and names a file it cannot read', () => {
    const rep = loudnessOfFile(file);
    expect(rep).toMatchObject({ file, sampleRate: sr, channels: 2, bitDepth: '32f', ...whole });
    const junk = path.join(dir, 'junk.wav');
    fs.writeFileSync(junk, 'not a wav at all');
    expect(() => loudnessOfFile(junk)).toThrow(ConfigError);
    expect(() => new WavBlockReader(junk)).toThrow(WavError);
    const empty = path.join(dir, 'empty.wav');
    writeWav(empty, [new Float32Array(0)], sr, { bitDepth: '16' });
    expect(() => loudnessOfFile(empty)).toThrow(/no audio frames/);
  });
});
