/**
 * WAV I/O through the `wavefile` library: 16/24/32-bit integer and 32-bit float PCM, any channel
 * count. Audio crosses this boundary as one Float32Array per channel, full scale ±1.0.
 */
import fs from 'node:fs';
import wavefile from 'wavefile';

const { WaveFile } = wavefile;

export interface WavAudio {
  readonly sampleRate: number;
  /** One array per channel, ±1.0 full scale. */
  readonly channels: Float32Array[];
  /** Bit depth code as stored: '16', '24', '32' (int) or '32f'. */
  readonly bitDepth: string;
}

export class WavError extends Error {
  readonly file: string;
  constructor(file: string, message: string) {
    super(`${file}: ${message}`);
    this.name = 'WavError';
    this.file = file;
  }
}

const SUPPORTED = new Set(['16', '24', '32', '32f']);

/** Reads a WAV file; unsupported or damaged files throw WavError naming the file. */
export function readWav(file: string): WavAudio {
  let buf: Buffer;
  try {
    buf = fs.readFileSync(file);
  } catch (e) {
    throw new WavError(file, `cannot read: ${(e as Error).message}`);
  }
  return decodeWav(buf, file);
}

export function decodeWav(buf: Uint8Array, file = '<buffer>'): WavAudio {
  const wav = new WaveFile();
  try {
    wav.fromBuffer(buf);
  } catch (e) {
    throw new WavError(file, `not a readable WAV file (${(e as Error).message})`);
  }
  const fmt = wav.fmt as { sampleRate: number; numChannels: number; audioFormat: number };
  const depth = wav.bitDepth;
  if (!SUPPORTED.has(depth)) throw new WavError(file, `unsupported sample format ${depth}-bit (use 16, 24 or 32-bit integer, or 32-bit float PCM)`);
  if (fmt.numChannels < 1) throw new WavError(file, 'no channels');
  const raw = wav.getSamples(false, Float64Array) as unknown as Float64Array | Float64Array[];
  const perChannel: Float64Array[] = fmt.numChannels === 1 ? [raw as Float64Array] : (raw as Float64Array[]);
  const scale = depth === '32f' ? 1 : 1 / Math.pow(2, Number(depth) - 1);
  const channels = perChannel.map((ch) => {
    const out = new Float32Array(ch.length);
    for (let i = 0; i < ch.length; i++) out[i] = ch[i]! * scale;
    return out;
  });
  return { sampleRate: fmt.sampleRate, channels, bitDepth: depth };
}

export interface WavWriteOptions {
  /** '16' | '24' | '32' integer, or '32f' float (default). Integer output is clipped at full scale. */
  readonly bitDepth?: '16' | '24' | '32' | '32f';
}

/** Encodes channels to WAV bytes. Integer formats round to nearest and clip at full scale. */
export function encodeWav(channels: ReadonlyArray<Float32Array>, sampleRate: number, opts: WavWriteOptions = {}): Uint8Array {
  const depth = opts.bitDepth ?? '32f';
  const wav = new WaveFile();
  const n = channels[0]?.length ?? 0;
  let data: Array<Float32Array | Int32Array | Float64Array>;
  if (depth === '32f') data = channels.map((c) => c);
  else {
    const bits = Number(depth);
    const full = Math.pow(2, bits - 1);
    data = channels.map((c) => {
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const v = Math.round(c[i]! * full);
        out[i] = v > full - 1 ? full - 1 : v < -full ? -full : v;
      }
      return out;
    });
  }
  wav.fromScratch(channels.length, sampleRate, depth, data as unknown as Float64Array[]);
  return wav.toBuffer();
}

/** Writes a WAV file atomically (temp file, then rename), so a reader never sees a half-written file. */
export function writeWav(file: string, channels: ReadonlyArray<Float32Array>, sampleRate: number, opts: WavWriteOptions = {}): void {
  const bytes = encodeWav(channels, sampleRate, opts);
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, bytes);
  fs.renameSync(tmp, file);
}
