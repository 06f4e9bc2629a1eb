/**
 * Writing a WAV file block by block, so a render of any length holds one block of encoded bytes
 * instead of the whole file (a 20-minute 24-bit mix was 345 MB of samples plus a copy of them).
 *
 * The bytes equal encodeWav's for the same samples: the same header (wavefile's, with its two sizes
 * patched at the end) and the same encoder per block. The guarantees are those of a saved file
 * (src/params/atomic-file.ts): the samples go to a temp file in the target's directory (dot-named,
 * never read), every short write is continued and one that makes no progress is an error; commit()
 * patches the header, fsyncs, renames over the target and fsyncs the directory. Any failure, or
 * abort(), removes the temp file: the target is either untouched or complete, never partial.
 *
 *   const w = new WavStreamWriter('mix.wav', 2, 48000, '24');
 *   try { for (...) w.write(block, frames); w.commit(); } catch (e) { w.abort(); throw e; }
 */
import fs from 'node:fs';
import path from 'node:path';
import { fsyncDir } from '../../util/fsync-dir.ts';
import { encodePcm, type PcmLayout, type SampleFormat } from './pcm.ts';
import { encodeWav } from './wav.ts';

/** Test seam for the writer's system calls (a short write, a full disk); production never changes it. */
export const writerIo = {
  writeSync: (fd: number, buf: Uint8Array, offset: number, length: number, position: number | null): number => fs.writeSync(fd, buf, offset, length, position),
  fsyncSync: (fd: number): void => fs.fsyncSync(fd),
};

/** A RIFF chunk size is 32 bits: the data chunk and the whole file must fit (no RF64). */
const MAX_RIFF_BYTES = 0xffffffff;
const HEADER_BYTES = 44;

/** wavefile's header for no samples (the canonical 44 bytes), with the sizes of `dataBytes` of samples. */
function wavHeader(layout: PcmLayout, sampleRate: number, dataBytes: number): Uint8Array {
  const header = encodeWav(Array.from({ length: layout.numChannels }, () => new Float32Array(0)), sampleRate, { bitDepth: layout.format });
  if (header.length !== HEADER_BYTES || Buffer.from(header.subarray(36, 40)).toString('latin1') !== 'data') {
    throw new Error(`unexpected WAV header layout from the container library (${header.length} bytes)`);
  }
  const view = new DataView(header.buffer, header.byteOffset, header.length);
  view.setUint32(4, HEADER_BYTES - 8 + dataBytes, true);
  view.setUint32(40, dataBytes, true);
  return header;
}

export class WavStreamWriter {
  readonly file: string;
  readonly layout: PcmLayout;
  /** Frames written so far. */
  frames = 0;
  private readonly tmp: string;
  private fd: number;
  private bytes: Uint8Array;
  private dataBytes = 0;
  private readonly unnamed: boolean;

  /**
   * `sampleRate` may be set later, up to commit(): a render knows it once its stems are open, after
   * the output was opened (so a wrong -o fails before any audio is rendered).
   *
   * `unnamed`: the samples go to a file unlinked as soon as it is open, which nothing can leave
   * behind (a kill, a crash); commit() then copies it to the named temp file, at the cost of writing
   * the file twice. For a delivery's candidates, of which all but one are thrown away.
   */
  constructor(
    file: string,
    numChannels: number,
    public sampleRate: number,
    format: SampleFormat,
    opts: { readonly unnamed?: boolean } = {},
  ) {
    this.file = file;
    const bytesPerSample = format === '16' ? 2 : format === '24' ? 3 : 4;
    this.layout = { format, numChannels, bytesPerFrame: bytesPerSample * numChannels, littleEndian: true };
    // The header's layout is checked now, not after a long render.
    wavHeader(this.layout, 48000, 0);
    this.bytes = new Uint8Array(0);
    this.tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
    this.unnamed = opts.unnamed === true;
    this.fd = fs.openSync(this.tmp, this.unnamed ? 'w+' : 'w', 0o644);
    try {
      if (this.unnamed) fs.unlinkSync(this.tmp);
      this.writeAt(new Uint8Array(HEADER_BYTES), HEADER_BYTES, 0);
    } catch (e) {
      this.abort();
      throw e;
    }
  }

  /** Throws, naming the file, when `frames` frames in all would not fit in a WAV file. */
  checkFits(frames: number): void {
    if (HEADER_BYTES + frames * this.layout.bytesPerFrame - 8 > MAX_RIFF_BYTES) {
      throw new Error(
        `${this.file}: more than a WAV file can hold (4 GiB of samples, at ${frames} frames of ${this.layout.numChannels} channels at ${this.layout.format} bits); use fewer bits or a shorter render`,
      );
    }
  }

  /** Appends `frames` frames of `channels` (one array per channel, from index 0). */
  write(channels: ReadonlyArray<Float32Array>, frames: number): void {
    if (this.fd < 0) throw new Error(`${this.file}: the writer is closed`);
    if (frames <= 0) return;
    const len = frames * this.layout.bytesPerFrame;
    this.checkFits(this.frames + frames);
    if (this.bytes.length < len) this.bytes = new Uint8Array(len);
    encodePcm(channels, this.layout, this.bytes, frames);
    this.writeAt(this.bytes, len, HEADER_BYTES + this.dataBytes);
    this.dataBytes += len;
    this.frames += frames;
  }

  /** Fills in the sizes, fsyncs and renames the file into place (then fsyncs its directory). */
  commit(): void {
    if (this.fd < 0) throw new Error(`${this.file}: the writer is closed`);
    try {
      const header = wavHeader(this.layout, this.sampleRate, this.dataBytes);
      this.writeAt(header, header.length, 0);
      if (this.unnamed) this.copyToTmp();
      else writerIo.fsyncSync(this.fd);
      fs.closeSync(this.fd);
      this.fd = -1;
      fs.renameSync(this.tmp, this.file);
    } catch (e) {
      this.abort();
      throw e;
    }
    fsyncDir(path.dirname(this.file), (fd) => writerIo.fsyncSync(fd));
  }

  /** Copies the unnamed file into the named temp file and fsyncs it (the copy's window is all that a kill can leave). */
  private copyToTmp(): void {
    const total = HEADER_BYTES + this.dataBytes;
    const buf = new Uint8Array(Math.min(total, 1 << 20));
    const src = this.fd;
    const dst = fs.openSync(this.tmp, 'w', 0o644);
    try {
      for (let at = 0; at < total; ) {
        const want = Math.min(buf.length, total - at);
        let got = 0;
        while (got < want) {
          const n = fs.readSync(src, buf, got, want - got, at + got);
          if (n === 0) throw new Error(`${this.file}: the unnamed temp file ended early`);
          got += n;
        }
        for (let off = 0; off < want; ) {
          const n = writerIo.writeSync(dst, buf, off, want - off, at + off);
          if (!(n > 0)) throw new Error(`${this.file}: short write: ${at + off} of ${total} bytes written, then no progress`);
          off += n;
        }
        at += want;
      }
      writerIo.fsyncSync(dst);
    } finally {
      fs.closeSync(dst);
    }
  }

  /** Closes and removes the temp file; the target is left as it was. Safe to call twice. */
  abort(): void {
    if (this.fd >= 0) {
      try {
        fs.closeSync(this.fd);
      } catch {
        // Already unusable; the file is removed below.
      }
      this.fd = -1;
    }
    fs.rmSync(this.tmp, { force: true });
  }

  /** Writes all of buf[0, len) at `position`, continuing short writes. */
  private writeAt(buf: Uint8Array, len: number, position: number): void {
    let off = 0;
    while (off < len) {
      const n = writerIo.writeSync(this.fd, buf, off, len - off, position + off);
      if (!(n > 0)) throw new Error(`${this.file}: short write: ${off} of ${len} bytes written, then no progress`);
      off += n;
    }
  }
}

