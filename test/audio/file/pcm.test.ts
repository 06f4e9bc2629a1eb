/**
 * The PCM codec's two paths: typed-array views for little-endian data at aligned addresses (the
 * common case), DataView for the rest (RIFX, odd offsets, 24-bit). Both must give the same samples
 * and the same bytes, for every format, channel count and frame, including full scale and clipping.
 */
import { describe, expect, it } from 'vitest';
import { decodePcm, encodePcm, type PcmLayout, type SampleFormat } from '../../../src/audio/file/pcm.ts';

const WIDTH: Record<SampleFormat, number> = { '16': 2, '24': 3, '32': 4, '32f': 4 };

function layout(format: SampleFormat, numChannels: number, littleEndian = true): PcmLayout {
  return { format, numChannels, bytesPerFrame: WIDTH[format] * numChannels, littleEndian };
}

/** Frames of `nch` channels: noise, full scale both ways, beyond it, and the smallest steps. */
function signal(nch: number, frames: number): Float32Array[] {
  let s = 0x1234567;
  const edges = [1, -1, 1.5, -1.5, 0, -0, 1 / 32768, -1 / 32768, 32767 / 32768, 0.5 / 32768];
  return Array.from({ length: nch }, (_, c) =>
    Float32Array.from({ length: frames }, (_, i) => {
      if (i < edges.length) return edges[(i + c) % edges.length]!;
      s ^= s << 13;
      s ^= s >>> 17;
      s ^= s << 5;
      return ((s >>> 0) / 2147483648 - 1) * 1.1;
    }),
  );
}

describe('PCM codec', () => {
  for (const format of ['16', '24', '32', '32f'] as const) {
    for (const nch of [1, 2, 3]) {
      it(`${format} × ${nch} channel(s): aligned views and DataView agree both ways`, () => {
        const frames = 1000;
        const lay = layout(format, nch);
        const src = signal(nch, frames);
        const aligned = new Uint8Array(frames * lay.bytesPerFrame);
        encodePcm(src, lay, aligned, frames);
        // The same encode one byte off alignment (DataView), and big-endian (RIFX) swapped back.
        const backing = new Uint8Array(aligned.length + 1);
        const odd = backing.subarray(1);
        encodePcm(src, lay, odd, frames);
        expect(Buffer.from(odd).equals(Buffer.from(aligned))).toBe(true);
        const big = new Uint8Array(aligned.length);
        encodePcm(src, layout(format, nch, false), big, frames);
        const w = WIDTH[format];
        for (let p = 0; p < big.length; p += w) big.subarray(p, p + w).reverse();
        expect(Buffer.from(big).equals(Buffer.from(aligned))).toBe(true);

        const viaView = Array.from({ length: nch }, () => new Float32Array(frames + 3));
        const viaDataView = Array.from({ length: nch }, () => new Float32Array(frames + 3));
        decodePcm(aligned, 0, lay, viaView, 3, frames);
        decodePcm(backing, 1, lay, viaDataView, 3, frames);
        for (let c = 0; c < nch; c++) {
          for (let i = 0; i < frames + 3; i++) {
            if (!Object.is(viaView[c]![i], viaDataView[c]![i])) throw new Error(`channel ${c} frame ${i}: view ${viaView[c]![i]}, DataView ${viaDataView[c]![i]}`);
          }
          // Full scale reads back as exactly ±1 (within the clip for +1), the format's steps exactly.
          if (format !== '32f') {
            expect(viaView[c]![3 + ((10 - c) % 10)]).toBeCloseTo(1, 4);
            expect(viaView[c]![3 + ((11 - c) % 10)]).toBe(-1);
          } else expect(viaView[c]![3 + ((12 - c) % 10)]).toBe(1.5);
        }
        // At a byte offset into a larger file buffer (the header before the data), still the same.
        const file = new Uint8Array(44 + aligned.length);
        file.set(aligned, 44);
        const fromFile = Array.from({ length: nch }, () => new Float32Array(frames));
        decodePcm(file, 44, lay, fromFile, 0, frames);
        for (let c = 0; c < nch; c++) expect(Array.from(fromFile[c]!)).toEqual(Array.from(viaView[c]!.subarray(3)));
      });
    }
  }

  it('16-bit: the integer steps, rounding to nearest and clipping at full scale', () => {
    const lay = layout('16', 1);
    const bytes = new Uint8Array(12);
    encodePcm([Float32Array.from([1, -1, 0.5 / 32768 + 1e-9, -2, 1.5 / 32768, NaN])], lay, bytes, 6);
    expect(Array.from(new Int16Array(bytes.buffer))).toEqual([32767, -32768, 1, -32768, 2, 0]);
  });
});
