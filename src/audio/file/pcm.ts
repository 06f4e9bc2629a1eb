/**
 * The sample bytes of a WAV data chunk ↔ one Float32Array per channel, ±1.0 full scale. Integers
 * scale by 2^(bits-1) both ways, so -full scale reads as exactly -1.0; writing rounds to nearest and
 * clips at full scale.
 *
 * Little-endian data on a little-endian host goes through the dsp-kernels addon (native/dsp-kernels/
 * src/pcm.c), several times faster than this file's loops, which stay the reference and the
 * fallback (FADERD_KERNELS=ts, or no addon) and give the same samples and bytes.
 */
import { dspKernels } from '../../engine/native/dsp-kernels.ts';

export type SampleFormat = '16' | '24' | '32' | '32f';

export interface PcmLayout {
  readonly format: SampleFormat;
  readonly numChannels: number;
  /** numChannels × bytes per sample (the fmt chunk's block align). */
  readonly bytesPerFrame: number;
  /** RIFF is little-endian; RIFX big-endian. */
  readonly littleEndian: boolean;
}

const S16 = 1 / 32768;
const S24 = 1 / 8388608;
const S32 = 1 / 2147483648;

/** Whether this machine stores numbers little-endian, as RIFF does (x86 and arm64 both). */
const HOST_LE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Little-endian data on a little-endian host at an address aligned for its samples: a typed-array
 * view reads the samples directly (the same values as the DataView path, at about twice the speed).
 */
function direct(bytes: Uint8Array, offset: number, layout: PcmLayout, width: number): boolean {
  return HOST_LE && layout.littleEndian && (bytes.byteOffset + offset) % width === 0 && layout.bytesPerFrame === width * layout.numChannels;
}

type NativeDecode = (bytes: Uint8Array, offset: number, format: number, nch: number, out: readonly Float32Array[], at: number, frames: number) => void;
type NativeEncode = (chans: ReadonlyArray<Float32Array>, format: number, nch: number, bytes: Uint8Array, frames: number) => void;
const FORMAT_CODE: Record<SampleFormat, number> = { '16': 16, '24': 24, '32': 32, '32f': 0 };
/** Calls into the addon's codec so far: tests check the native path really ran. */
export const nativePcmCalls = new Int32Array(1);
let native: { decode: NativeDecode; encode: NativeEncode } | null | undefined;

const WIDTH: Record<SampleFormat, number> = { '16': 2, '24': 3, '32': 4, '32f': 4 };

/** Little-endian samples packed edge to edge (a frame is exactly its samples): what the addon reads. */
function packedLe(layout: PcmLayout): boolean {
  return layout.littleEndian && layout.bytesPerFrame === WIDTH[layout.format] * layout.numChannels;
}

/**
 * Whether `list` holds `nch` channels of at least `need` samples each, as the addon requires (it
 * refuses anything else; the TypeScript reads a missing sample as NaN and skips one past the end).
 */
function channelsFit(list: ReadonlyArray<Float32Array>, nch: number, need: number): boolean {
  if (nch > 64 || list.length < nch) return false;
  for (let c = 0; c < nch; c++) if (!(list[c]!.length >= need)) return false;
  return true;
}

/** The addon's codec for little-endian data on this (little-endian) host, or null. */
function nativeCodec(): { decode: NativeDecode; encode: NativeEncode } | null {
  if (native === undefined) {
    const k = HOST_LE ? dspKernels() : undefined;
    native = k && typeof k.pcmDecode === 'function' && typeof k.pcmEncode === 'function' ? { decode: k.pcmDecode as NativeDecode, encode: k.pcmEncode as NativeEncode } : null;
  }
  return native;
}

/** Decodes `frames` frames from `bytes` at byte `offset` into `out[c]` from index `at`. */
export function decodePcm(bytes: Uint8Array, offset: number, layout: PcmLayout, out: readonly Float32Array[], at: number, frames: number): void {
  // Views of bytes.buffer would reach past a subarray's end: the span is checked against bytes itself.
  if (bytes.length < offset + frames * layout.bytesPerFrame) throw new RangeError(`decodePcm: ${frames} frames at byte ${offset} run past the ${bytes.length} bytes`);
  const fast = packedLe(layout) && frames > 0 && channelsFit(out, layout.numChannels, at + frames) ? nativeCodec() : null;
  if (fast) {
    nativePcmCalls[0]!++;
    fast.decode(bytes, offset, FORMAT_CODE[layout.format], layout.numChannels, out, at, frames);
    return;
  }
  decodePcmTs(bytes, offset, layout, out, at, frames);
}

/** decodePcm in TypeScript: the reference. */
export function decodePcmTs(bytes: Uint8Array, offset: number, layout: PcmLayout, out: readonly Float32Array[], at: number, frames: number): void {
  const { format } = layout;
  if (format !== '24' && direct(bytes, offset, layout, format === '16' ? 2 : 4)) {
    decodeDirect(bytes, offset, layout, out, at, frames);
    return;
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, frames * layout.bytesPerFrame);
  const { numChannels: nch, bytesPerFrame: stride, littleEndian: le } = layout;
  for (let c = 0; c < nch; c++) {
    const dst = out[c]!;
    switch (layout.format) {
      case '16': {
        for (let i = 0, p = c * 2; i < frames; i++, p += stride) dst[at + i] = view.getInt16(p, le) * S16;
        break;
      }
      case '24': {
        // Three bytes, assembled into the top of an int32 and shifted back down to keep the sign.
        const lo = le ? 0 : 2;
        const hi = le ? 2 : 0;
        for (let i = 0, p = c * 3; i < frames; i++, p += stride) {
          const v = ((view.getUint8(p + hi) << 24) | (view.getUint8(p + 1) << 16) | (view.getUint8(p + lo) << 8)) >> 8;
          dst[at + i] = v * S24;
        }
        break;
      }
      case '32': {
        for (let i = 0, p = c * 4; i < frames; i++, p += stride) dst[at + i] = view.getInt32(p, le) * S32;
        break;
      }
      case '32f': {
        // Samples come out as they are, NaN and infinities included: each reader decides (refuse, or
        // replace with silence on request), since one would poison every filter it reaches for good.
        for (let i = 0, p = c * 4; i < frames; i++, p += stride) dst[at + i] = view.getFloat32(p, le);
        break;
      }
    }
  }
}

function decodeDirect(bytes: Uint8Array, offset: number, layout: PcmLayout, out: readonly Float32Array[], at: number, frames: number): void {
  const nch = layout.numChannels;
  const start = bytes.byteOffset + offset;
  const len = frames * nch;
  if (layout.format === '16') {
    const src = new Int16Array(bytes.buffer, start, len);
    for (let c = 0; c < nch; c++) {
      const dst = out[c]!;
      for (let i = 0, p = c; i < frames; i++, p += nch) dst[at + i] = src[p]! * S16;
    }
  } else if (layout.format === '32') {
    const src = new Int32Array(bytes.buffer, start, len);
    for (let c = 0; c < nch; c++) {
      const dst = out[c]!;
      for (let i = 0, p = c; i < frames; i++, p += nch) dst[at + i] = src[p]! * S32;
    }
  } else {
    const src = new Float32Array(bytes.buffer, start, len);
    for (let c = 0; c < nch; c++) {
      const dst = out[c]!;
      for (let i = 0, p = c; i < frames; i++, p += nch) dst[at + i] = src[p]!;
    }
  }
}

/** Rounds to the nearest integer step and clips to [-full, full - 1]; NaN becomes 0. */
function quantize(x: number, full: number): number {
  const v = Math.round(x * full);
  return v > full - 1 ? full - 1 : v < -full ? -full : v === v ? v : 0;
}

/** Encodes `frames` frames of `channels` into `bytes` (interleaved, from byte 0). */
export function encodePcm(channels: ReadonlyArray<Float32Array>, layout: PcmLayout, bytes: Uint8Array, frames: number): void {
  if (bytes.length < frames * layout.bytesPerFrame) throw new RangeError(`encodePcm: ${frames} frames do not fit in ${bytes.length} bytes`);
  const fast = packedLe(layout) && frames > 0 && channelsFit(channels, layout.numChannels, frames) ? nativeCodec() : null;
  if (fast) {
    nativePcmCalls[0]!++;
    fast.encode(channels, FORMAT_CODE[layout.format], layout.numChannels, bytes, frames);
    return;
  }
  encodePcmTs(channels, layout, bytes, frames);
}

/** encodePcm in TypeScript: the reference. */
export function encodePcmTs(channels: ReadonlyArray<Float32Array>, layout: PcmLayout, bytes: Uint8Array, frames: number): void {
  const { format } = layout;
  if (format !== '24' && direct(bytes, 0, layout, format === '16' ? 2 : 4)) {
    encodeDirect(channels, layout, bytes, frames);
    return;
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, frames * layout.bytesPerFrame);
  const { numChannels: nch, bytesPerFrame: stride, littleEndian: le } = layout;
  for (let c = 0; c < nch; c++) {
    const src = channels[c]!;
    switch (layout.format) {
      case '16': {
        for (let i = 0, p = c * 2; i < frames; i++, p += stride) view.setInt16(p, quantize(src[i]!, 32768), le);
        break;
      }
      case '24': {
        const lo = le ? 0 : 2;
        const hi = le ? 2 : 0;
        for (let i = 0, p = c * 3; i < frames; i++, p += stride) {
          const v = quantize(src[i]!, 8388608);
          view.setUint8(p + lo, v & 0xff);
          view.setUint8(p + 1, (v >> 8) & 0xff);
          view.setUint8(p + hi, (v >> 16) & 0xff);
        }
        break;
      }
      case '32': {
        for (let i = 0, p = c * 4; i < frames; i++, p += stride) view.setInt32(p, quantize(src[i]!, 2147483648), le);
        break;
      }
      case '32f': {
        for (let i = 0, p = c * 4; i < frames; i++, p += stride) view.setFloat32(p, src[i]!, le);
        break;
      }
    }
  }
}

function encodeDirect(channels: ReadonlyArray<Float32Array>, layout: PcmLayout, bytes: Uint8Array, frames: number): void {
  const nch = layout.numChannels;
  const len = frames * nch;
  if (layout.format === '16') {
    const dst = new Int16Array(bytes.buffer, bytes.byteOffset, len);
    for (let c = 0; c < nch; c++) {
      const src = channels[c]!;
      for (let i = 0, p = c; i < frames; i++, p += nch) dst[p] = quantize(src[i]!, 32768);
    }
  } else if (layout.format === '32') {
    const dst = new Int32Array(bytes.buffer, bytes.byteOffset, len);
    for (let c = 0; c < nch; c++) {
      const src = channels[c]!;
      for (let i = 0, p = c; i < frames; i++, p += nch) dst[p] = quantize(src[i]!, 2147483648);
    }
  } else {
    const dst = new Float32Array(bytes.buffer, bytes.byteOffset, len);
    for (let c = 0; c < nch; c++) {
      const src = channels[c]!;
      for (let i = 0, p = c; i < frames; i++, p += nch) dst[p] = src[i]!;
    }
  }
}
