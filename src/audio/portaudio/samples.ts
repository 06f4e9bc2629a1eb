/**
 * Interleaved device samples ↔ the engine's planar Float32Array channels, allocation-free: the
 * backend reuses one Buffer per direction. Integers are little-endian, full scale ±1.0; output is
 * clipped and rounded.
 *
 * Samples are read and written through typed-array views of the Buffer, made once per Buffer and
 * kept in a WeakMap, not through Buffer's readFloatLE/writeInt16LE...: those are calls returning or
 * taking a double, which V8 boxes (16 bytes per sample) wherever it does not inline them, and the
 * audio path must not depend on the inliner. The views are in the machine's byte order, so a
 * big-endian machine, or a Buffer not aligned to its sample size, takes Buffer's methods instead.
 */
import os from 'node:os';
import type { SampleFormatName } from './addon.ts';

export const BYTES_PER_SAMPLE: Record<SampleFormatName, number> = { float32: 4, int16: 2, int24: 3, int32: 4 };

const LITTLE_ENDIAN = os.endianness() === 'LE';

interface Views {
  readonly f32: Float32Array | undefined;
  readonly i32: Int32Array | undefined;
  readonly i16: Int16Array | undefined;
  readonly u8: Uint8Array;
}

const views = new WeakMap<Buffer, Views>();

/** The Buffer's views (made at its first use: the backend's Buffers are made once, at open). */
function viewsOf(buf: Buffer): Views {
  let v = views.get(buf);
  if (v === undefined) {
    const { buffer, byteOffset, length } = buf;
    const at = (bytes: number): boolean => LITTLE_ENDIAN && byteOffset % bytes === 0;
    v = {
      f32: at(4) ? new Float32Array(buffer, byteOffset, length >> 2) : undefined,
      i32: at(4) ? new Int32Array(buffer, byteOffset, length >> 2) : undefined,
      i16: at(2) ? new Int16Array(buffer, byteOffset, length >> 1) : undefined,
      u8: new Uint8Array(buffer, byteOffset, length),
    };
    views.set(buf, v);
  }
  return v;
}

/**
 * Spreads `frames` interleaved frames of `deviceChannels` into `channels` (extra device channels are
 * ignored; channels beyond the device's are left silent).
 */
export function deinterleave(buf: Buffer, format: SampleFormatName, deviceChannels: number, channels: ReadonlyArray<Float32Array>, frames: number): void {
  const v = viewsOf(buf);
  const used = Math.min(deviceChannels, channels.length);
  for (let c = 0; c < used; c++) {
    const dst = channels[c]!;
    if (format === 'float32' && v.f32) {
      const src = v.f32;
      for (let i = 0, k = c; i < frames; i++, k += deviceChannels) dst[i] = src[k]!;
    } else if (format === 'int16' && v.i16) {
      const src = v.i16;
      for (let i = 0, k = c; i < frames; i++, k += deviceChannels) dst[i] = src[k]! / 32768;
    } else if (format === 'int32' && v.i32) {
      const src = v.i32;
      for (let i = 0, k = c; i < frames; i++, k += deviceChannels) dst[i] = src[k]! / 2147483648;
    } else if (format === 'int24') {
      const u8 = v.u8;
      const stride = deviceChannels * 3;
      for (let i = 0, o = c * 3; i < frames; i++, o += stride) dst[i] = (((u8[o]! | (u8[o + 1]! << 8) | (u8[o + 2]! << 16)) << 8) >> 8) / 8388608;
    } else deinterleaveSlow(buf, format, deviceChannels, dst, c, frames);
  }
  for (let c = used; c < channels.length; c++) channels[c]!.fill(0, 0, frames);
}

/** Interleaves `channels` into `buf` as `deviceChannels` device channels (missing ones silent). */
export function interleave(channels: ReadonlyArray<Float32Array>, frames: number, buf: Buffer, format: SampleFormatName, deviceChannels: number): void {
  const v = viewsOf(buf);
  for (let c = 0; c < deviceChannels; c++) {
    if (c >= channels.length) {
      silence(v.u8, format, deviceChannels, c, frames);
      continue;
    }
    const src = channels[c]!;
    if (format === 'float32' && v.f32) {
      const dst = v.f32;
      for (let i = 0, k = c; i < frames; i++, k += deviceChannels) dst[k] = src[i]!;
    } else if (format === 'int16' && v.i16) {
      const dst = v.i16;
      for (let i = 0, k = c; i < frames; i++, k += deviceChannels) {
        const x = Math.round(src[i]! * 32768);
        dst[k] = x > 32767 ? 32767 : x < -32768 ? -32768 : x;
      }
    } else if (format === 'int32' && v.i32) {
      const dst = v.i32;
      for (let i = 0, k = c; i < frames; i++, k += deviceChannels) {
        const x = Math.round(src[i]! * 2147483648);
        dst[k] = x > 2147483647 ? 2147483647 : x < -2147483648 ? -2147483648 : x;
      }
    } else if (format === 'int24') {
      const u8 = v.u8;
      const stride = deviceChannels * 3;
      for (let i = 0, o = c * 3; i < frames; i++, o += stride) {
        const r = Math.round(src[i]! * 8388608);
        const x = r > 8388607 ? 8388607 : r < -8388608 ? -8388608 : r;
        u8[o] = x & 0xff;
        u8[o + 1] = (x >> 8) & 0xff;
        u8[o + 2] = (x >> 16) & 0xff;
      }
    } else interleaveSlow(src, frames, buf, format, deviceChannels, c);
  }
}

/** Zeroes one device channel (a device with more outputs than the engine). */
function silence(u8: Uint8Array, format: SampleFormatName, deviceChannels: number, c: number, frames: number): void {
  const bps = BYTES_PER_SAMPLE[format];
  const stride = deviceChannels * bps;
  for (let i = 0, o = c * bps; i < frames; i++, o += stride) for (let b = 0; b < bps; b++) u8[o + b] = 0;
}

/** Big-endian machines and unaligned Buffers: Buffer's own little-endian methods. */
function deinterleaveSlow(buf: Buffer, format: SampleFormatName, deviceChannels: number, dst: Float32Array, c: number, frames: number): void {
  const bps = BYTES_PER_SAMPLE[format];
  const stride = deviceChannels * bps;
  for (let i = 0, off = c * bps; i < frames; i++, off += stride) {
    if (format === 'float32') dst[i] = buf.readFloatLE(off);
    else if (format === 'int16') dst[i] = buf.readInt16LE(off) / 32768;
    else if (format === 'int24') dst[i] = buf.readIntLE(off, 3) / 8388608;
    else dst[i] = buf.readInt32LE(off) / 2147483648;
  }
}

function interleaveSlow(src: Float32Array, frames: number, buf: Buffer, format: SampleFormatName, deviceChannels: number, c: number): void {
  const bps = BYTES_PER_SAMPLE[format];
  const stride = deviceChannels * bps;
  const clip = (x: number): number => (x > 1 ? 1 : x < -1 ? -1 : x);
  for (let i = 0, off = c * bps; i < frames; i++, off += stride) {
    if (format === 'float32') buf.writeFloatLE(src[i]!, off);
    else if (format === 'int16') buf.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(clip(src[i]!) * 32768))), off);
    else if (format === 'int24') buf.writeIntLE(Math.max(-8388608, Math.min(8388607, Math.round(clip(src[i]!) * 8388608))), off, 3);
    else buf.writeInt32LE(Math.max(-2147483648, Math.min(2147483647, Math.round(clip(src[i]!) * 2147483648))), off);
  }
}
