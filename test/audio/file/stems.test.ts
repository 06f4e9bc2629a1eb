import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { StemSource } from '../../../src/audio/file/stems.ts';
import { WavReader, writeWav } from '../../../src/audio/file/wav.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faderd-stems-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const FRAMES = 40_000;
const ramp = (k: number): Float32Array => Float32Array.from({ length: FRAMES }, (_, i) => Math.fround(((i * k) % 1000) / 1000 - 0.5));
const L = ramp(7);
const R = ramp(13);

function source(channels: Float32Array[], width: 1 | 2): StemSource {
  const file = path.join(dir, `s${channels.length}-${width}.wav`);
  writeWav(file, channels, 48000);
  return new StemSource(new WavReader(file), width);
}

/** Reads the whole stem in blocks of `block` frames, past its end, as the render does. */
function readAll(s: StemSource, block: number, total: number): Float32Array[] {
  const out = Array.from({ length: s.width }, () => new Float32Array(total));
  const dst = Array.from({ length: s.width }, () => new Float32Array(block));
  for (let pos = 0; pos < total; pos += block) {
    const n = Math.min(block, total - pos);
    s.read(pos, n, dst);
    for (let k = 0; k < s.width; k++) out[k]!.set(dst[k]!.subarray(0, n), pos);
  }
  return out;
}

/** readAll through readInto, as the render reads: views of the decoded chunk where it can. */
function readAllInto(s: StemSource, block: number, total: number, views: { n: number }): Float32Array[] {
  const out = Array.from({ length: s.width }, () => new Float32Array(total));
  const own = Array.from({ length: s.width }, () => new Float32Array(block));
  const inputs: Float32Array[] = [new Float32Array(1), ...own];
  for (let pos = 0; pos < total; pos += block) {
    const n = Math.min(block, total - pos);
    s.readInto(pos, n, block, own, inputs, 1);
    for (let k = 0; k < s.width; k++) {
      if (inputs[1 + k] !== own[k]) views.n++;
      out[k]!.set(inputs[1 + k]!.subarray(0, n), pos);
    }
  }
  return out;
}

describe('StemSource', () => {
  // 40,000 frames cross the 16,384-frame read window twice; 1,000 extra frames read past the end.
  const total = FRAMES + 1000;
  const padded = (x: Float32Array): Float32Array => {
    const out = new Float32Array(total);
    out.set(x);
    return out;
  };

  it('stereo stem on a stereo strip: both sides as written, in any block size, silence after', () => {
    for (const block of [128, 1000, 20_000]) {
      const s = source([L, R], 2);
      expect(readAll(s, block, total)).toEqual([padded(L), padded(R)]);
      s.close();
    }
  });

  it('mono stem on a stereo strip feeds both sides', () => {
    const s = source([L], 2);
    expect(readAll(s, 333, total)).toEqual([padded(L), padded(L)]);
    s.close();
  });

  it('stereo stem on a mono strip: equal halves', () => {
    const s = source([L, R], 1);
    const mixed = Float32Array.from(L, (v, i) => 0.5 * (v + R[i]!));
    expect(readAll(s, 128, total)).toEqual([padded(mixed)]);
    s.close();
  });

  it('reads again from an earlier position', () => {
    const s = source([L], 1);
    readAll(s, 5000, total);
    const dst = [new Float32Array(64)];
    s.read(100, 64, dst);
    expect(dst[0]).toEqual(L.subarray(100, 164));
    s.close();
  });

  it('readInto gives what read gives: views of the chunk for whole blocks that divide it, copies otherwise', () => {
    for (const [channels, width] of [[[L, R], 2], [[L], 2], [[L, R], 1], [[L], 1]] as const) {
      for (const block of [128, 256, 1000, 20_000]) {
        const a = source([...channels], width);
        const b = source([...channels], width);
        const views = { n: 0 };
        const into = readAllInto(b, block, total, views);
        const copied = readAll(a, block, total);
        expect({ width, channels: channels.length, block, same: into.every((x, k) => x.every((v, i) => Object.is(v, copied[k]![i]))) }).toEqual({ width, channels: channels.length, block, same: true });
        // Views where the block divides the 16,384-frame chunk (all but the last, short block).
        if (block === 128 || block === 256) expect(views.n).toBe(width * (Math.ceil(total / block) - 1));
        else expect(views.n).toBe(0);
        a.close();
        b.close();
      }
    }
  });

  it('readInto after a seek back reads the earlier frames again', () => {
    const s = source([L, R], 2);
    const own = [new Float32Array(128), new Float32Array(128)];
    const inputs = [...own];
    s.readInto(30_000, 128, 128, own, inputs, 0);
    expect(Array.from(inputs[1]!)).toEqual(Array.from(R.subarray(30_000, 30_128)));
    s.readInto(256, 128, 128, own, inputs, 0);
    expect(Array.from(inputs[0]!)).toEqual(Array.from(L.subarray(256, 384)));
    expect(Array.from(inputs[1]!)).toEqual(Array.from(R.subarray(256, 384)));
    s.close();
  });
});
