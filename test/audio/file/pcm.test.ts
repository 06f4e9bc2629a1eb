/**
 * The PCM codec's paths: the addon's (native/dsp-kernels/src/pcm.c) for packed little-endian data,
 * and the TypeScript reference's typed-array views (aligned little-endian) and DataView (the rest:
 * RIFX, odd offsets, 24-bit). All must give the same samples and the same bytes, for every format,
 * channel count and frame, including full scale, clipping, halves and non-finite values.
 */
import { describe, expect, it } from 'vitest';
import { decodePcm, decodePcmTs, encodePcm, encodePcmTs, nativePcmCalls, type PcmLayout, type SampleFormat } from '../../../src/audio/file/pcm.ts';
import { dspKernels } from '../../../src/engine/native/dsp-kernels.ts';

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
        encodePcmTs(src, lay, aligned, frames);
        // The same encode one byte off alignment (DataView), and big-endian (RIFX) swapped back.
        const backing = new Uint8Array(aligned.length + 1);
        const odd = backing.subarray(1);
        encodePcmTs(src, lay, odd, frames);
        expect(Buffer.from(odd).equals(Buffer.from(aligned))).toBe(true);
        const big = new Uint8Array(aligned.length);
        encodePcmTs(src, layout(format, nch, false), big, frames);
        const w = WIDTH[format];
        for (let p = 0; p < big.length; p += w) big.subarray(p, p + w).reverse();
        expect(Buffer.from(big).equals(Buffer.from(aligned))).toBe(true);

        const viaView = Array.from({ length: nch }, () => new Float32Array(frames + 3));
        const viaDataView = Array.from({ length: nch }, () => new Float32Array(frames + 3));
        decodePcmTs(aligned, 0, lay, viaView, 3, frames);
        decodePcmTs(backing, 1, lay, viaDataView, 3, frames);
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
        decodePcmTs(file, 44, lay, fromFile, 0, frames);
        for (let c = 0; c < nch; c++) expect(Array.from(fromFile[c]!)).toEqual(Array.from(viaView[c]!.subarray(3)));
      });
    }
  }

  it('16-bit: the integer steps, rounding to nearest and clipping at full scale', () => {
    const lay = layout('16', 1);
    const bytes = new Uint8Array(12);
    for (const encode of [encodePcmTs, encodePcm]) {
      encode([Float32Array.from([1, -1, 0.5 / 32768 + 1e-9, -2, 1.5 / 32768, NaN])], lay, bytes, 6);
      expect(Array.from(new Int16Array(bytes.buffer))).toEqual([32767, -32768, 1, -32768, 2, 0]);
    }
  });

  it('the addon is there and in use for packed little-endian data (npm ci builds it)', () => {
    expect(typeof dspKernels()?.pcmDecode).toBe('function');
    const before = nativePcmCalls[0]!;
    const bytes = new Uint8Array(4);
    encodePcm([Float32Array.of(0.5, -0.25)], layout('16', 1), bytes, 2);
    const back = [new Float32Array(2)];
    decodePcm(bytes, 0, layout('16', 1), back, 0, 2);
    expect(nativePcmCalls[0]! - before).toBe(2);
    expect(Array.from(back[0]!)).toEqual([0.5, -0.25]);
    // RIFX (big-endian) stays with the TypeScript.
    decodePcm(bytes, 0, layout('16', 1, false), back, 0, 2);
    expect(nativePcmCalls[0]! - before).toBe(2);
  });

  for (const format of ['16', '24', '32', '32f'] as const) {
    it(`${format}: the addon gives the reference's bytes and samples (1-3 channels, offsets, every rounding case)`, () => {
      for (const nch of [1, 2, 3]) {
        const frames = 4099;
        const lay = layout(format, nch);
        const src = signal(nch, frames);
        // Rounding edges at this format's scale: exact halves both ways, just under and over, huge, non-finite.
        const full = format === '16' ? 32768 : format === '24' ? 8388608 : 2147483648;
        const edges = [0.5, 1.5, -0.5, -1.5, 2.5, -2.5, 0.49999997, -0.49999997, 1e9, -1e9].map((k) => Math.fround(k / full));
        edges.push(Infinity, -Infinity, NaN, -0, Math.fround(1 - 2 ** -24), -1, 3.4e38);
        for (let c = 0; c < nch; c++) src[c]!.set(edges, 20 + c);
        const ref = new Uint8Array(frames * lay.bytesPerFrame + 8);
        const nat = new Uint8Array(frames * lay.bytesPerFrame + 8);
        nat.fill(0xa5);
        ref.fill(0xa5);
        encodePcmTs(src, lay, ref, frames);
        encodePcm(src, lay, nat, frames);
        const first = ref.findIndex((b, i) => b !== nat[i]);
        expect({ nch, first }).toEqual({ nch, first: -1 });
        for (const offset of [0, 1, 2, 44]) {
          const bytes = new Uint8Array(offset + ref.length);
          bytes.set(ref, offset);
          const a = Array.from({ length: nch }, () => new Float32Array(frames + 5).fill(7));
          const b = Array.from({ length: nch }, () => new Float32Array(frames + 5).fill(7));
          decodePcmTs(bytes, offset, lay, a, 5, frames);
          decodePcm(bytes, offset, lay, b, 5, frames);
          for (let c = 0; c < nch; c++) {
            for (let i = 0; i < frames + 5; i++) {
              if (!Object.is(a[c]![i], b[c]![i])) throw new Error(`${format} ×${nch} offset ${offset}: channel ${c} index ${i}: reference ${a[c]![i]}, addon ${b[c]![i]}`);
            }
          }
        }
      }
    });
  }

  it('channels of unequal lengths, short outputs and short byte arrays: what the reference does', () => {
    for (const format of ['16', '24', '32', '32f'] as const) {
      const lay = layout(format, 2);
      // The right channel is shorter: its missing samples are NaN to the reference (0, or NaN in float).
      const chans = [Float32Array.from({ length: 10 }, (_, i) => i / 10), Float32Array.from({ length: 4 }, (_, i) => -i / 8)];
      const a = new Uint8Array(10 * lay.bytesPerFrame);
      const b = new Uint8Array(10 * lay.bytesPerFrame);
      encodePcmTs(chans, lay, a, 10);
      encodePcm(chans, lay, b, 10);
      expect(Buffer.from(b).equals(Buffer.from(a))).toBe(true);
      // Decoding into a channel shorter than the frames: the reference writes what fits.
      const outA = [new Float32Array(10), new Float32Array(3)];
      const outB = [new Float32Array(10), new Float32Array(3)];
      decodePcmTs(a, 0, lay, outA, 0, 10);
      decodePcm(a, 0, lay, outB, 0, 10);
      expect(outB.map((x) => Array.from(x))).toEqual(outA.map((x) => Array.from(x)));
      // Too few bytes: the same RangeError either way.
      expect(() => decodePcm(a.subarray(0, 5), 0, lay, outB, 0, 10)).toThrow(RangeError);
      expect(() => encodePcm(chans, lay, new Uint8Array(5), 10)).toThrow(RangeError);
    }
  });

  it('the addon refuses a span past its arrays, touching nothing', () => {
    const k = dspKernels()!;
    const out = [new Float32Array(4).fill(9)];
    expect(() => (k.pcmDecode as (...a: unknown[]) => void)(new Uint8Array(6), 0, 16, 1, out, 0, 4)).toThrow(TypeError);
    expect(() => (k.pcmDecode as (...a: unknown[]) => void)(new Uint8Array(8), 0, 16, 1, out, 1, 4)).toThrow(TypeError);
    expect(() => (k.pcmEncode as (...a: unknown[]) => void)([new Float32Array(4)], 24, 1, new Uint8Array(11), 4)).toThrow(TypeError);
    expect(() => (k.pcmDecode as (...a: unknown[]) => void)(new Uint8Array(8), 0, 12, 1, out, 0, 4)).toThrow(TypeError);
    expect(Array.from(out[0]!)).toEqual([9, 9, 9, 9]);
  });
});
