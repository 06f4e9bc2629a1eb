/**
 * WAV I/O: 16/24/32-bit integer and 32-bit float PCM, any channel count. Audio crosses this boundary
 * as one Float32Array per channel, full scale ±1.0.
 *
 * The `wavefile` library reads and writes the container (RIFF/RIFX chunks, fmt, WAVE_FORMAT_EXTENSIBLE);
 * the sample bytes of the data chunk are converted here, straight to and from Float32, because
 * wavefile's own sample access goes through a Float64 copy of every sample (for a long multitrack,
 * gigabytes of transient memory) and a generic per-sample unpacker.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import type wavefileModule from 'wavefile';
import { decodePcm, encodePcm, type PcmLayout, type SampleFormat } from './pcm.ts';
import { openRegularFile, readRegularFile } from '../../util/read-file.ts';

/**
 * wavefile, loaded at the first file read or written: the daemon imports this module, but only a
 * render or loudness command needs the library (~3 MB of RSS otherwise).
 */
let waveFileClass: typeof wavefileModule.WaveFile | undefined;
const waveFile = (): typeof wavefileModule.WaveFile =>
  (waveFileClass ??= (createRequire(import.meta.url)('wavefile') as typeof wavefileModule).WaveFile);

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

const WAVE_FORMAT_PCM = 1;
const WAVE_FORMAT_IEEE_FLOAT = 3;
const WAVE_FORMAT_EXTENSIBLE = 0xfffe;

/** Where a file's samples are: its format, and the data chunk's byte range. */
export interface WavHeader extends PcmLayout {
  readonly sampleRate: number;
  readonly bitDepth: SampleFormat;
  /** Byte offset of the first sample in the file (or buffer). */
  readonly dataStart: number;
  /** Whole frames in the data chunk, as its header declares. */
  readonly frames: number;
}

interface WavefileFields {
  fmt: { sampleRate: number; numChannels: number; audioFormat: number; bitsPerSample: number; blockAlign: number; subformat: number[] };
  container: string;
  /** The data chunk: its declared size, and its bytes (a view into the parsed Buffer, not a copy). */
  data: { chunkSize: number; samples: Uint8Array };
}

/**
 * Parses the container of `bytes` (the whole file, or its first bytes): the format, and where the
 * samples start. The samples themselves are not touched.
 */
function parseHeader(bytes: Uint8Array, file: string): WavHeader {
  // On a Buffer, wavefile's slice of the data chunk is a view: no copy, and its offset tells where
  // the samples start.
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  const wav = new (waveFile())();
  try {
    wav.fromBuffer(buf);
  } catch (e) {
    throw new WavError(file, `not a readable WAV file (${(e as Error).message})`);
  }
  const { fmt, container, data } = wav as unknown as WavefileFields;
  // The format code of an extensible header is the first 32 bits of its subformat GUID.
  const code = fmt.audioFormat === WAVE_FORMAT_EXTENSIBLE ? (fmt.subformat[0] ?? 0) : fmt.audioFormat;
  const bits = fmt.bitsPerSample;
  let format: SampleFormat | undefined;
  if (code === WAVE_FORMAT_IEEE_FLOAT && bits === 32) format = '32f';
  else if (code === WAVE_FORMAT_PCM && (bits === 16 || bits === 24 || bits === 32)) format = String(bits) as '16' | '24' | '32';
  if (!format) {
    const named: Record<number, string> = { 2: 'ADPCM', 6: 'A-law', 7: 'µ-law', 0x11: 'IMA ADPCM', 0x55: 'MP3' };
    const what = code === WAVE_FORMAT_IEEE_FLOAT ? `${bits}-bit float` : code === WAVE_FORMAT_PCM ? `${bits}-bit integer` : `${named[code] ?? 'encoded'} audio (WAV format code ${code}), ${bits}-bit`;
    throw new WavError(file, `unsupported sample format: ${what} (use 16, 24 or 32-bit integer, or 32-bit float PCM)`);
  }
  if (fmt.numChannels < 1) throw new WavError(file, 'no channels');
  // A rate of 0 (or absurd) would divide durations by zero downstream: refused as damaged.
  if (!(fmt.sampleRate >= 1000 && fmt.sampleRate <= 768_000)) throw new WavError(file, `sample rate ${fmt.sampleRate} Hz is not a real one (1000..768000)`);
  const bytesPerFrame = (bits / 8) * fmt.numChannels;
  if (fmt.blockAlign !== bytesPerFrame) throw new WavError(file, `block align ${fmt.blockAlign} does not match ${fmt.numChannels} channels of ${bits} bits`);
  return {
    sampleRate: fmt.sampleRate,
    bitDepth: format,
    format,
    numChannels: fmt.numChannels,
    bytesPerFrame,
    littleEndian: container !== 'RIFX',
    dataStart: data.samples.byteOffset - buf.byteOffset,
    frames: Math.floor(data.chunkSize / bytesPerFrame),
  };
}

function truncated(file: string, h: WavHeader, haveBytes: number): WavError {
  return new WavError(file, `truncated data chunk: it declares ${h.frames * h.bytesPerFrame} bytes of samples but the file holds ${Math.max(0, haveBytes)}`);
}

/** Reads a WAV file; unsupported or damaged files throw WavError naming the file. */
export function readWav(file: string): WavAudio {
  let buf: Buffer;
  try {
    buf = readRegularFile(file, 'wav');
  } catch (e) {
    const m = (e as Error).message.replace(/^cannot read wav: /, '');
      // The message is shown after the file's name: "it is a directory", not the name again.
      throw new WavError(file, `cannot read: ${m.startsWith(`${file} is `) ? `it ${m.slice(file.length + 1)}` : m.startsWith(`${file}: `) ? m.slice(file.length + 2) : m}`);
  }
  return decodeWav(buf, file);
}

export function decodeWav(buf: Uint8Array, file = '<buffer>'): WavAudio {
  const h = parseHeader(buf, file);
  const bytes = h.frames * h.bytesPerFrame;
  if (buf.length - h.dataStart < bytes) throw truncated(file, h, buf.length - h.dataStart);
  const channels = Array.from({ length: h.numChannels }, () => new Float32Array(h.frames));
  decodePcm(buf, h.dataStart, h, channels, 0, h.frames);
  refuseNonFinite(channels, h.frames, 0, file, h.sampleRate);
  return { sampleRate: h.sampleRate, channels, bitDepth: h.bitDepth };
}

/** First bytes read for a header; a file whose data chunk starts later is read further. */
const HEAD_BYTES = 64 * 1024;

/**
 * A WAV file open for reading frames on demand (offline render: memory stays near one block per
 * file instead of the whole file). close() releases the descriptor.
 */
export class WavReader {
  readonly file: string;
  readonly header: WavHeader;
  private fd: number;
  private bytes = new Uint8Array(0);

  constructor(file: string) {
    this.file = file;
    let fd: number;
    try {
      // A FIFO or a device (a symlink to /dev/zero) is refused at once instead of blocking or never ending.
      fd = openRegularFile(file, 'wav').fd;
    } catch (e) {
      const m = (e as Error).message.replace(/^cannot read wav: /, '');
      // The message is shown after the file's name: "it is a directory", not the name again.
      throw new WavError(file, `cannot read: ${m.startsWith(`${file} is `) ? `it ${m.slice(file.length + 1)}` : m.startsWith(`${file}: `) ? m.slice(file.length + 2) : m}`);
    }
    try {
      const size = fs.fstatSync(fd).size;
      this.header = readHeader(fd, size, file);
      const have = size - this.header.dataStart;
      if (have < this.header.frames * this.header.bytesPerFrame) throw truncated(file, this.header, have);
    } catch (e) {
      fs.closeSync(fd);
      throw e instanceof WavError ? e : new WavError(file, `cannot read: ${(e as Error).message}`);
    }
    this.fd = fd;
  }

  /** Decodes frames [start, start + count) into `out[c]` from `outOffset`; frames past the end read as silence. */
  read(start: number, count: number, out: readonly Float32Array[], outOffset = 0): void {
    const h = this.header;
    const n = Math.max(0, Math.min(count, h.frames - start));
    if (n > 0) {
      const len = n * h.bytesPerFrame;
      if (this.bytes.length < len) this.bytes = new Uint8Array(len);
      let got = 0;
      while (got < len) {
        const r = fs.readSync(this.fd, this.bytes, got, len - got, h.dataStart + start * h.bytesPerFrame + got);
        if (r === 0) throw new WavError(this.file, 'the file got shorter while it was being read');
        got += r;
      }
      decodePcm(this.bytes, 0, h, out, outOffset, n);
    }
    for (let c = 0; c < h.numChannels; c++) out[c]!.fill(0, outOffset + n, outOffset + count);
  }

  close(): void {
    if (this.fd >= 0) fs.closeSync(this.fd);
    this.fd = -1;
  }
}

function readHeader(fd: number, size: number, file: string): WavHeader {
  let want = Math.min(size, HEAD_BYTES);
  for (;;) {
    const head = Buffer.alloc(want);
    const got = fs.readSync(fd, head, 0, want, 0);
    try {
      // A data chunk that starts beyond these bytes is not found: wavefile says so, and we read on.
      return parseHeader(head.subarray(0, got), file);
    } catch (e) {
      // Large chunks before the data chunk (bext, iXML, JUNK): read further, up to the whole file.
      if (want >= size) throw e;
      want = Math.min(size, want * 16);
    }
  }
}

export interface WavWriteOptions {
  /** '16' | '24' | '32' integer, or '32f' float (default). Integer output is clipped at full scale. */
  readonly bitDepth?: SampleFormat;
}

/** Encodes channels to WAV bytes. Integer formats round to nearest and clip at full scale. */
export function encodeWav(channels: ReadonlyArray<Float32Array>, sampleRate: number, opts: WavWriteOptions = {}): Uint8Array {
  const format = opts.bitDepth ?? '32f';
  const wav = new (waveFile())();
  // wavefile writes the header for an empty data chunk; the samples are packed here, once.
  wav.fromScratch(channels.length, sampleRate, format, []);
  const numChannels = channels.length;
  const frames = channels[0]?.length ?? 0;
  const bytesPerFrame = (format === '16' ? 2 : format === '24' ? 3 : 4) * numChannels;
  const samples = new Uint8Array(frames * bytesPerFrame);
  encodePcm(channels, { format, numChannels, bytesPerFrame, littleEndian: true }, samples, frames);
  const data = (wav as unknown as { data: { samples: Uint8Array; chunkSize: number } }).data;
  data.samples = samples;
  data.chunkSize = samples.length;
  return wav.toBuffer();
}

/** Writes a WAV file atomically (temp file, then rename), so a reader never sees a half-written file. */
export function writeWav(file: string, channels: ReadonlyArray<Float32Array>, sampleRate: number, opts: WavWriteOptions = {}): void {
  const bytes = encodeWav(channels, sampleRate, opts);
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, bytes);
  fs.renameSync(tmp, file);
}

/**
 * Refuses a block holding a NaN or infinite sample (a float file can): such a sample would poison
 * every filter and meter it reaches. The error names the frame, its time and the channel.
 */
export function refuseNonFinite(channels: readonly Float32Array[], frames: number, firstFrame: number, file: string, sampleRate: number): void {
  for (let c = 0; c < channels.length; c++) {
    const x = channels[c]!;
    for (let i = 0; i < frames; i++) {
      const v = x[i]!;
      if (v - v !== 0) {
        const at = firstFrame + i;
        throw new WavError(file, `${Number.isNaN(v) ? 'NaN' : v > 0 ? '+Inf' : '-Inf'} sample at frame ${at} (${(at / sampleRate).toFixed(3)} s), channel ${c + 1}: not audio`);
      }
    }
  }
}
