/**
 * The streaming building blocks equal their whole-channel forms sample for sample, whatever the block
 * size, and the streaming WAV writer keeps a saved file's guarantees (complete or untouched).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { Resampler } from '../../../src/engine/dsp/resample.ts';
import { Dither, DITHER_SEED } from '../../../src/engine/dsp/dither.ts';
import { TruePeakLimiter } from '../../../src/engine/dsp/limiter.ts';
import { gainAndLimit } from '../../../src/engine/mastering/export.ts';
import { measureProgramme } from '../../../src/engine/mastering/report.ts';
import { ResampleStream } from '../../../src/audio/file/resample-stream.ts';
import { DitherStream, xorshift32Jump } from '../../../src/audio/file/dither-stream.ts';
import { GainLimitStream } from '../../../src/audio/file/limit-stream.ts';
import { MixSpool } from '../../../src/audio/file/mix-spool.ts';
import { WavStreamWriter, writerIo } from '../../../src/audio/file/wav-writer.ts';
import { encodeWav } from '../../../src/audio/file/wav.ts';
import type { SampleFormat } from '../../../src/audio/file/pcm.ts';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faderd-stream-blocks-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());
/** A fresh directory per test, so one failure leaves nothing in another's listing. */
const fresh = (): string => fs.mkdtempSync(path.join(dir, 't-'));

function signal(n: number, seed: number): Float32Array {
  const x = new Float32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    x[i] = 0.6 * Math.sin(i * 0.031 * seed) + 0.3 * (s / 2 ** 32 - 0.5);
  }
  return x;
}

/** Feeds `chans` in blocks of `block` to push(), then finish(); gathers what comes out. */
function collect(chans: Float32Array[], block: number, push: (c: Float32Array[], n: number, each: (o: readonly Float32Array[], m: number) => void) => void, finish: (each: (o: readonly Float32Array[], m: number) => void) => void): Float32Array[] {
  const parts: number[][] = Array.from({ length: Math.max(2, chans.length) }, () => []);
  const each = (o: readonly Float32Array[], m: number): void => o.forEach((c, k) => parts[k]!.push(...c.subarray(0, m)));
  const n = chans[0]?.length ?? 0;
  for (let at = 0; at < n; at += block) push(chans.map((c) => c.subarray(at, Math.min(n, at + block))), Math.min(block, n - at), each);
  finish(each);
  return parts.map((p) => Float32Array.from(p));
}

describe('ResampleStream', () => {
  const ratios: Array<[number, number]> = [[48000, 44100], [44100, 48000], [48000, 47999], [8000, 44100]];
  for (const [from, to] of ratios) {
    it(`${from} → ${to} Hz equals Resampler.process for any block size`, () => {
      const r = new Resampler(from, to);
      for (const n of [0, 1, 7, 5000]) {
        const x = [signal(n, 3), signal(n, 5)];
        const whole = x.map((c) => r.process(c));
        for (const block of [1, 100, 4096]) {
          const s = new ResampleStream(r, 2, n, block);
          const got = collect(x, block, (c, m, each) => s.push(c, m, each), (each) => s.finish(each));
          expect(got[0]!.length, `n=${n} block=${block}`).toBe(whole[0]!.length);
          expect(got[0]).toEqual(whole[0]);
          expect(got[1]).toEqual(whole[1]);
        }
      }
    });
  }
});

describe('DitherStream', () => {
  it('jumps xorshift32 ahead exactly', () => {
    let s = DITHER_SEED;
    for (let k = 0; k <= 1000; k++) {
      if (k % 97 === 0) expect(xorshift32Jump(DITHER_SEED, k)).toBe(s);
      s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    }
  });

  it('equals one Dither.process over whole channels, block by block', () => {
    const n = 20000;
    const x = [signal(n, 2), signal(n, 9), signal(n, 4)];
    const whole = x.map((c) => c.slice());
    const d = new Dither(3);
    d.configure({ bits: 16, shaping: false });
    d.process(whole, n);
    for (const block of [1, 777, n]) {
      const s = new DitherStream(3, n, 16);
      const got = collect(x.map((c) => c.slice()), block, (c, m, each) => (s.process(c, m), each(c, m)), () => {});
      got.forEach((c, k) => expect(c).toEqual(whole[k]));
    }
  });
});

describe('GainLimitStream', () => {
  it('equals gainAndLimit for any block size', () => {
    const n = 30000;
    const x = [signal(n, 6), signal(n, 8)];
    const whole = gainAndLimit(x, 48000, 9, -1);
    for (const block of [64, 1000, 65536]) {
      const lim = new TruePeakLimiter(48000, 1024, 2);
      lim.configure({ ceilingDb: -1, releaseMs: 100 });
      const s = new GainLimitStream(lim, 2, 9, 1024);
      const got = collect(x, block, (c, m, each) => s.push(c, m, each), (each) => s.finish(each));
      got.forEach((c, k) => expect(c).toEqual(whole[k]));
    }
  });
});

describe('MixSpool', () => {
  it('gives back what was written, in blocks, as often as asked, and leaves nothing behind', () => {
    const dir = fresh();
    const spool = new MixSpool(dir, 2);
    const n = 150_000;
    const x = [signal(n, 1), signal(n, 2)];
    expect(() => spool.write(x, 10)).toThrow(/before begin/);
    spool.begin(48000, true);
    // No name on disk at any time: nothing can stay behind, even if the process is killed.
    expect(fs.readdirSync(dir)).toEqual([]);
    spool.write(x.map((c) => c.subarray(0, 10)), 10);
    spool.write(x.map((c) => c.subarray(10)), n - 10);
    for (let pass = 0; pass < 2; pass++) {
      const got = collect([], 1, () => {}, (each) => spool.forEachBlock(each));
      expect(got).toEqual(x);
    }
    // Measured as written: the figures of the whole mix.
    const whole = measureProgramme(x, 48000);
    expect(spool.measured()).toEqual({ integratedLufs: whole.integratedLufs, truePeakDbtp: whole.truePeakDbtp });
    spool.close();
    expect(fs.readdirSync(dir)).toEqual([]);
  });
});

describe('WavStreamWriter', () => {
  it('writes the bytes encodeWav makes, for every format and width, in any blocks', () => {
    const dir = fresh();
    for (const format of ['16', '24', '32', '32f'] as SampleFormat[]) {
      for (const nch of [1, 2]) {
        for (const n of [0, 3, 70001]) {
          const x = Array.from({ length: nch }, (_, c) => signal(n, c + 1).map((v) => v * 1.8));
          const file = path.join(dir, `w-${format}-${nch}-${n}.wav`);
          const w = new WavStreamWriter(file, nch, 0, format);
          for (let at = 0; at < n; at += 9999) w.write(x.map((c) => c.subarray(at, Math.min(n, at + 9999))), Math.min(9999, n - at));
          w.sampleRate = 44100;
          w.commit();
          expect(Buffer.from(fs.readFileSync(file)).equals(Buffer.from(encodeWav(x, 44100, { bitDepth: format }))), `${format} ${nch}ch ${n}`).toBe(true);
          fs.rmSync(file);
        }
      }
    }
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('unnamed: nothing on disk until commit, then the same bytes; abort leaves nothing', () => {
    const dir = fresh();
    const file = path.join(dir, 'cand.wav');
    const x = [signal(300_000, 1), signal(300_000, 2)];
    const w = new WavStreamWriter(file, 2, 48000, '24', { unnamed: true });
    w.write(x, 300_000);
    expect(fs.readdirSync(dir)).toEqual([]);
    w.commit();
    expect(fs.readdirSync(dir)).toEqual(['cand.wav']);
    expect(Buffer.from(fs.readFileSync(file)).equals(Buffer.from(encodeWav(x, 48000, { bitDepth: '24' })))).toBe(true);
    const gone = new WavStreamWriter(path.join(dir, 'gone.wav'), 1, 48000, '16', { unnamed: true });
    gone.write([signal(10, 1)], 10);
    gone.abort();
    expect(fs.readdirSync(dir)).toEqual(['cand.wav']);
  });

  it('fsyncs the file before it replaces the target', () => {
    const dir = fresh();
    const file = path.join(dir, 'synced.wav');
    const order: string[] = [];
    const fsync = vi.spyOn(writerIo, 'fsyncSync').mockImplementation(() => void order.push('fsync'));
    const rename = vi.spyOn(fs, 'renameSync');
    rename.mockImplementation((a, b) => {
      order.push('rename');
      rename.mockRestore();
      fs.renameSync(a, b);
    });
    const w = new WavStreamWriter(file, 1, 48000, '16');
    w.write([signal(100, 1)], 100);
    w.commit();
    expect(fsync).toHaveBeenCalled();
    expect(order.slice(0, 2)).toEqual(['fsync', 'rename']);
    fs.rmSync(file);
  });

  it('a failed write leaves the existing file as it was and no temp file', () => {
    const dir = fresh();
    const file = path.join(dir, 'keep.wav');
    fs.writeFileSync(file, 'the previous mix');
    const w = new WavStreamWriter(file, 2, 48000, '24');
    w.write([signal(1000, 1), signal(1000, 2)], 1000);
    vi.spyOn(writerIo, 'writeSync').mockImplementation(() => {
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    });
    expect(() => w.write([signal(1000, 1), signal(1000, 2)], 1000)).toThrow(/ENOSPC/);
    w.abort();
    expect(fs.readFileSync(file, 'utf8')).toBe('the previous mix');
    expect(fs.readdirSync(dir)).toEqual(['keep.wav']);
    vi.restoreAllMocks();
    // A write that makes no progress is an error too, not a silent short file.
    const w2 = new WavStreamWriter(file, 1, 48000, '16');
    vi.spyOn(writerIo, 'writeSync').mockReturnValue(0);
    expect(() => w2.write([signal(10, 1)], 10)).toThrow(/short write: 0 of 20 bytes written, then no progress/);
    w2.abort();
    expect(fs.readFileSync(file, 'utf8')).toBe('the previous mix');
    expect(fs.readdirSync(dir)).toEqual(['keep.wav']);
    fs.rmSync(file);
  });

  it('refuses to go past what a WAV file can hold (4 GiB), before writing it', () => {
    const dir = fresh();
    const file = path.join(dir, 'huge.wav');
    const w = new WavStreamWriter(file, 2, 48000, '32f');
    expect(() => w.write([new Float32Array(0), new Float32Array(0)], 2 ** 29)).toThrow(/huge\.wav: more than a WAV file can hold \(4 GiB of samples/);
    w.abort();
    expect(fs.existsSync(file)).toBe(false);
    expect(fs.readdirSync(dir)).toEqual([]);
  });
});
