/**
 * Interleaved device samples ↔ the engine's planar Float32Array channels, allocation-free: the
 * backend reuses one Buffer per direction. Integers are little-endian, full scale ±1.0; output is
 * clipped and rounded.
 */
import type { SampleFormatName } from './addon.ts';

export const BYTES_PER_SAMPLE: Record<SampleFormatName, number> = { float32: 4, int16: 2, int24: 3, int32: 4 };

/**
 * Spreads `frames` interleaved frames of `deviceChannels` into `channels` (extra device channels are
 * ignored; channels beyond the device's are left silent).
 */
export function deinterleave(buf: Buffer, format: SampleFormatName, deviceChannels: number, channels: ReadonlyArray<Float32Array>, frames: number): void {
  const bps = BYTES_PER_SAMPLE[format];
  const used = Math.min(deviceChannels, channels.length);
  const stride = deviceChannels * bps;
  for (let c = 0; c < used; c++) {
    const dst = channels[c]!;
    let off = c * bps;
    switch (format) {
      case 'float32':
        for (let i = 0; i < frames; i++, off += stride) dst[i] = buf.readFloatLE(off);
        break;
      case 'int16':
        for (let i = 0; i < frames; i++, off += stride) dst[i] = buf.readInt16LE(off) / 32768;
        break;
      case 'int24':
        for (let i = 0; i < frames; i++, off += stride) dst[i] = buf.readIntLE(off, 3) / 8388608;
        break;
      case 'int32':
        for (let i = 0; i < frames; i++, off += stride) dst[i] = buf.readInt32LE(off) / 2147483648;
        break;
    }
  }
  for (let c = used; c < channels.length; c++) channels[c]!.fill(0, 0, frames);
}

const clip = (x: number): number => (x > 1 ? 1 : x < -1 ? -1 : x);

/** Interleaves `channels` into `buf` as `deviceChannels` device channels (missing ones silent). */
export function interleave(channels: ReadonlyArray<Float32Array>, frames: number, buf: Buffer, format: SampleFormatName, deviceChannels: number): void {
  const bps = BYTES_PER_SAMPLE[format];
  const stride = deviceChannels * bps;
  for (let c = 0; c < deviceChannels; c++) {
    const src = c < channels.length ? channels[c]! : undefined;
    let off = c * bps;
    switch (format) {
      case 'float32':
        for (let i = 0; i < frames; i++, off += stride) buf.writeFloatLE(src ? src[i]! : 0, off);
        break;
      case 'int16':
        for (let i = 0; i < frames; i++, off += stride) buf.writeInt16LE(src ? Math.max(-32768, Math.min(32767, Math.round(clip(src[i]!) * 32768))) : 0, off);
        break;
      case 'int24':
        for (let i = 0; i < frames; i++, off += stride) buf.writeIntLE(src ? Math.max(-8388608, Math.min(8388607, Math.round(clip(src[i]!) * 8388608))) : 0, off, 3);
        break;
      case 'int32':
        for (let i = 0; i < frames; i++, off += stride) buf.writeInt32LE(src ? Math.max(-2147483648, Math.min(2147483647, Math.round(clip(src[i]!) * 2147483648))) : 0, off);
        break;
    }
  }
}
