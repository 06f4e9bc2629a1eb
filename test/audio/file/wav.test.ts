import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import wavefile from 'wavefile';
import { decodeWav, encodeWav, readWav, WavError, WavReader } from '../../../src/audio/file/wav.ts';

const { WaveFile } = wavefile;
type Depth = '16' | '24' | '32' | '32f';
const FULL: Record<Depth, number> = { '16': 32768, '24': 8388608, '32': 2147483648, '32f': 1 };

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faderd-wav-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Samples in the file's own units: both full-scale extremes first, then deterministic noise. */
function rawChannels(depth: Depth, nch: number, frames: number): number[][] {
  const full = FULL[depth];
  let s = 0x2545f491;
  return Array.from({ length: nch }, (_, c) =>
    Array.from({ length: frames }, (_, i) => {
      if (depth === '32f') {
        if (i === 0) return c % 2 ? -1 : 1;
        if (i === 1) return c % 2 ? 1 : -1;
      } else {
        if (i === 0) return c % 2 ? -full : full - 1;
        if (i === 1) return c % 2 ? full - 1 : -full;
      }
      s ^= s << 13; s ^= s >>> 17; s ^= s << 5;
      const u = (s >>> 0) / 4294967296;
      return depth === '32f' ? Math.fround(u * 2 - 1) : Math.floor(u * 2 * full) - full;
    }),
  );
}

/** A file written by wavefile itself, so its layout is the library's, not ours. */
function wavefileBytes(depth: Depth, raw: number[][], opts: { container?: string } = {}): Uint8Array {
  const w = new WaveFile();
  w.fromScratch(raw.length, 44100, depth, raw, opts);
  return w.toBuffer();
}

/**
 * wavefile writes a 40-byte extensible fmt chunk for more than 2 channels but leaves its format tag
 * at 1/3; a real extensible header says 0xFFFE there and keeps the format in the subformat GUID.
 */
function asExtensible(bytes: Uint8Array, depth: Depth): Uint8Array {
  const out = bytes.slice();
  const v = new DataView(out.buffer);
  expect(v.getUint32(16, true)).toBe(40);
  v.setUint16(20, 0xfffe, true);
  v.setUint32(44, depth === '32f' ? 3 : 1, true);
  return out;
}

/** wavefile's own decode, scaled to ±1 and rounded to Float32: the reference. */
function reference(bytes: Uint8Array, depth: Depth): Float32Array[] {
  const w = new WaveFile();
  w.fromBuffer(bytes);
  const s = w.getSamples(false, Float64Array) as unknown as Float64Array | Float64Array[];
  const chans = s instanceof Float64Array ? [s] : s;
  return chans.map((ch) => Float32Array.from(ch, (v) => v / FULL[depth]));
}

describe('decodeWav', () => {
  for (const depth of ['16', '24', '32', '32f'] as const) {
    for (const nch of [1, 2, 3]) {
      for (const frames of [1, 3, 1001]) {
        const what = nch === 3 ? '3 channels (WAVE_FORMAT_EXTENSIBLE)' : nch === 1 ? 'mono' : 'stereo';
        it(`${depth === '32f' ? '32-bit float' : `${depth}-bit`}, ${what}, ${frames} frames: equals wavefile's decode`, () => {
          const bytes = wavefileBytes(depth, rawChannels(depth, nch, frames));
          const wav = decodeWav(nch === 3 ? asExtensible(bytes, depth) : bytes, 'x.wav');
          expect(wav.sampleRate).toBe(44100);
          expect(wav.bitDepth).toBe(depth);
          expect(wav.channels).toEqual(reference(bytes, depth));
          // Full scale: the most negative code is exactly -1; the most positive just under +1.
          expect(wav.channels[0]![0]).toBe(depth === '32f' ? 1 : Math.fround((FULL[depth] - 1) / FULL[depth]));
          if (frames > 1) expect(wav.channels[0]![1]).toBe(-1);
        });
      }
    }
  }

  it('reads RIFX (big-endian) files', () => {
    const raw = rawChannels('24', 2, 7);
    const bytes = wavefileBytes('24', raw, { container: 'RIFX' });
    expect(decodeWav(bytes).channels).toEqual(reference(bytes, '24'));
  });

  it('a truncated data chunk is a WavError naming the file, not a short read', () => {
    const bytes = wavefileBytes('16', rawChannels('16', 2, 100));
    const cut = bytes.subarray(0, bytes.length - 3);
    expect(() => decodeWav(cut, 'cut.wav')).toThrow(WavError);
    expect(() => decodeWav(cut, 'cut.wav')).toThrow(/^cut\.wav: truncated data chunk: it declares 400 bytes of samples but the file holds 397/);
  });

  it('refuses what is not a WAV, and unsupported sample formats, with the file named', () => {
    expect(() => decodeWav(new TextEncoder().encode('hello there, not a wav file at all'), 'a.txt')).toThrow(/^a\.txt: not a readable WAV file/);
    const w = new WaveFile();
    w.fromScratch(1, 8000, '8', [1, 2, 3]);
    expect(() => decodeWav(w.toBuffer(), 'u8.wav')).toThrow(/^u8\.wav: unsupported sample format: 8-bit integer/);
  });
});

describe('encodeWav', () => {
  for (const depth of ['16', '24', '32', '32f'] as const) {
    it(`${depth}: the same bytes as wavefile writes, clipped and rounded`, () => {
      // NaN has many bit patterns in float; only the integer formats define what it becomes (0).
      const x = Float32Array.from([0, 1, -1, 1.5, -1.5, 0.5, -0.25, 1e-9, depth === '32f' ? 0.125 : NaN]);
      const y = Float32Array.from([0.3, -0.7, 0.999, -0.999, 0.1, 0.2, 0.3, 0.4, 0]);
      const full = FULL[depth];
      const ints = (c: Float32Array): number[] => Array.from(c, (v) => (Number.isNaN(v) ? 0 : Math.max(-full, Math.min(full - 1, Math.round(v * full)))));
      const expected = depth === '32f' ? wavefileBytes(depth, [Array.from(x), Array.from(y)]) : wavefileBytes(depth, [ints(x), ints(y)]);
      expect(encodeWav([x, y], 44100, { bitDepth: depth })).toEqual(expected);
    });
  }

  it('round-trips through decodeWav (float exactly, integers within half a step)', () => {
    const x = Float32Array.from({ length: 999 }, (_, i) => Math.sin(i * 0.37) * 0.9);
    expect(decodeWav(encodeWav([x], 48000)).channels[0]).toEqual(x);
    const back = decodeWav(encodeWav([x], 48000, { bitDepth: '24' })).channels[0]!;
    for (let i = 0; i < x.length; i++) expect(Math.abs(back[i]! - x[i]!)).toBeLessThanOrEqual(0.5 / 8388608 + 1e-9);
  });
});

describe('WavReader', () => {
  it('reads any frame range as decodeWav does, silence past the end', () => {
    const bytes = wavefileBytes('24', rawChannels('24', 2, 1001));
    const file = path.join(dir, 'r.wav');
    fs.writeFileSync(file, bytes);
    const whole = readWav(file).channels;
    const r = new WavReader(file);
    try {
      expect(r.header.frames).toBe(1001);
      const out = [new Float32Array(300), new Float32Array(300)];
      for (const start of [0, 1, 500, 990]) {
        r.read(start, 300, out);
        for (let c = 0; c < 2; c++) {
          const n = Math.min(300, 1001 - start);
          expect(out[c]!.subarray(0, n)).toEqual(whole[c]!.subarray(start, start + n));
          expect(out[c]!.subarray(n).every((v) => v === 0)).toBe(true);
        }
      }
    } finally {
      r.close();
    }
  });

  it('finds a data chunk behind a large chunk, and refuses a truncated file', () => {
    const w = new WaveFile();
    w.fromScratch(1, 48000, '16', rawChannels('16', 1, 50)[0]!);
    (w as unknown as { iXML: { chunkId: string; value: string } }).iXML = { chunkId: 'iXML', value: 'x'.repeat(200_000) };
    const file = path.join(dir, 'big-header.wav');
    const bytes = w.toBuffer();
    fs.writeFileSync(file, bytes);
    const r = new WavReader(file);
    const out = [new Float32Array(50)];
    r.read(0, 50, out);
    r.close();
    expect(out[0]).toEqual(reference(bytes, '16')[0]);
    const cut = path.join(dir, 'cut.wav');
    fs.writeFileSync(cut, bytes.subarray(0, bytes.length - 10));
    expect(() => new WavReader(cut)).toThrow(/cut\.wav: truncated data chunk/);
    expect(() => new WavReader(path.join(dir, 'missing.wav'))).toThrow(/missing\.wav: cannot read/);
  });
});
