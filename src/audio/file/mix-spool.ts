/**
 * A rendered mix kept on disk for deliveries, read back in blocks as many times as the passes need
 * (measure, gain and limit, again if the loudness is off): memory stays one block, where the whole
 * mix in memory took 400 MB for 20 minutes of stereo, and more per destination.
 *
 * The spool is raw 32-bit float, interleaved, little-endian: the render's own Float32 samples, so a
 * delivery from the spool equals one from the mix in memory bit for bit, and no 4 GiB WAV limit. It
 * lives beside the deliveries (not in /tmp, often a RAM disk) and has no name: it is unlinked as soon
 * as it is open, so its space returns when the descriptor closes, even if faderd is killed midway
 * (where a named spool of gigabytes would stay behind).
 */
import fs from 'node:fs';
import path from 'node:path';
import { decodePcm, encodePcm, type PcmLayout } from './pcm.ts';
import type { BlockFn } from './resample-stream.ts';
import { LoudnessMeter } from '../../engine/dsp/loudness.ts';
import { TruePeakMeter } from '../../engine/dsp/truepeak.ts';

/** Frames per block read back. */
export const SPOOL_BLOCK = 65536;

/** A mix read front to back in blocks, any number of times. */
export interface MixSource {
  readonly sampleRate: number;
  readonly numChannels: number;
  readonly frames: number;
  /** The largest block forEachBlock passes. */
  readonly blockFrames: number;
  /** Calls `each` with consecutive blocks from the start (arrays reused between calls). */
  forEachBlock(each: BlockFn): void;
  /**
   * Integrated loudness and true peak of the whole mix at its own rate, when already known (measured
   * while it was written): a delivery at the mix's rate then needs no pass of its own to measure.
   */
  measured?(): MixFigures;
}

export interface MixFigures {
  readonly integratedLufs: number;
  readonly truePeakDbtp: number;
}

/** Whole channels in memory, as a MixSource (tests, and callers that already hold the mix). */
export function memoryMix(sampleRate: number, channels: readonly Float32Array[], blockFrames = SPOOL_BLOCK): MixSource {
  const frames = channels[0]?.length ?? 0;
  return {
    sampleRate,
    numChannels: channels.length,
    frames,
    blockFrames,
    forEachBlock(each) {
      for (let at = 0; at < frames; at += blockFrames) {
        const n = Math.min(blockFrames, frames - at);
        each(channels.map((c) => c.subarray(at, at + n)), n);
      }
    },
  };
}

export class MixSpool implements MixSource {
  /** The name it had for an instant (for messages). */
  readonly file: string;
  readonly blockFrames = SPOOL_BLOCK;
  frames = 0;
  private fd: number;
  private readonly layout: PcmLayout;
  private readonly bytes: Uint8Array;
  private readonly chans: Float32Array[];

  /** The mix's rate, known once the render has begun (begin()). */
  sampleRate = 0;
  private loud: LoudnessMeter | undefined;
  private peak: TruePeakMeter | undefined;
  private peakFinished = false;

  constructor(
    dir: string,
    readonly numChannels: number,
  ) {
    this.layout = { format: '32f', numChannels, bytesPerFrame: 4 * numChannels, littleEndian: true };
    this.bytes = new Uint8Array(SPOOL_BLOCK * this.layout.bytesPerFrame);
    this.chans = Array.from({ length: numChannels }, () => new Float32Array(SPOOL_BLOCK));
    this.file = path.join(dir, `.faderd-mix-${process.pid}-${Date.now().toString(36)}.f32`);
    this.fd = fs.openSync(this.file, 'wx+', 0o600);
    try {
      fs.unlinkSync(this.file);
    } catch (e) {
      fs.closeSync(this.fd);
      throw e;
    }
  }

  /**
   * Sets the rate before the first write; with `measure`, the mix's loudness and true peak are
   * measured as it is written (measured()), which saves every delivery at this rate a pass.
   */
  begin(sampleRate: number, measure = false): void {
    this.sampleRate = sampleRate;
    if (measure) {
      this.loud = new LoudnessMeter(sampleRate, this.numChannels);
      this.peak = new TruePeakMeter(sampleRate, this.numChannels);
    }
  }

  measured(): MixFigures {
    if (!this.loud || !this.peak) throw new Error('the spool was not measured (begin(rate, true))');
    // The reconstruction rings past the last sample: counted once, when the figures are first asked for.
    if (!this.peakFinished) this.peak.finish();
    this.peakFinished = true;
    return { integratedLufs: this.loud.integratedLufs, truePeakDbtp: this.peak.truePeakDbtp };
  }

  /** Appends `frames` frames (a MixSink); any number per call. */
  write(chans: readonly Float32Array[], frames: number): void {
    if (this.sampleRate === 0) throw new Error('MixSpool.write before begin()');
    this.loud?.process(chans, frames);
    this.peak?.process(chans, frames);
    for (let done = 0; done < frames; ) {
      const n = Math.min(SPOOL_BLOCK, frames - done);
      const part = done === 0 && n === frames ? chans : chans.map((c) => c.subarray(done, done + n));
      encodePcm(part, this.layout, this.bytes, n);
      this.io('write', this.bytes, n * this.layout.bytesPerFrame, this.frames * this.layout.bytesPerFrame);
      this.frames += n;
      done += n;
    }
  }

  forEachBlock(each: BlockFn): void {
    for (let at = 0; at < this.frames; at += SPOOL_BLOCK) {
      const n = Math.min(SPOOL_BLOCK, this.frames - at);
      this.io('read', this.bytes, n * this.layout.bytesPerFrame, at * this.layout.bytesPerFrame);
      decodePcm(this.bytes, 0, this.layout, this.chans, 0, n);
      each(this.chans, n);
    }
  }

  /** Closes and removes the spool file. Safe to call twice. */
  /** Closes the spool; its space is freed (it has no name). Safe to call twice. */
  close(): void {
    if (this.fd >= 0) fs.closeSync(this.fd);
    this.fd = -1;
  }

  private io(op: 'read' | 'write', buf: Uint8Array, len: number, position: number): void {
    let off = 0;
    while (off < len) {
      const n = op === 'read' ? fs.readSync(this.fd, buf, off, len - off, position + off) : fs.writeSync(this.fd, buf, off, len - off, position + off);
      if (!(n > 0)) throw new Error(`${this.file}: the mix spool ${op === 'read' ? 'ended early' : 'could not be written (no progress)'}`);
      off += n;
    }
  }
}
