/**
 * Reading a WAV file in bounded blocks, and measuring its loudness that way (`faderd loudness`):
 * memory stays one block per channel whatever the file's length, where reading the whole file needed
 * gigabytes for a 3-hour programme. The BS.1770 meter and the true-peak meter are fed block by block;
 * both keep their state across calls (the 400 ms gating blocks with 75 % overlap are built from
 * 100 ms hops that span block boundaries), so the figures equal a whole-file measurement's exactly.
 */
import { refuseNonFinite, WavReader, type WavHeader } from './wav.ts';
import { LoudnessMeter } from '../../engine/dsp/loudness.ts';
import { TruePeakMeter } from '../../engine/dsp/truepeak.ts';
import type { LoudnessFigures } from '../../engine/mastering/report.ts';

/** Frames per block by default: 64 K frames, 256 KB per channel of Float32 (plus the raw bytes). */
export const STREAM_BLOCK_FRAMES = 65536;

/** What a streamed pass cost in memory: the proof it stayed bounded. */
export interface StreamStats {
  /** Blocks read. */
  readonly blocks: number;
  /** Frames in each channel buffer (the block size): the decoded audio held at any time. */
  readonly bufferFrames: number;
}

/**
 * A WAV file read front to back in blocks of at most `blockFrames` frames, into one set of channel
 * buffers reused for every block. Errors are WavError naming the file (from WavReader).
 */
export class WavBlockReader {
  readonly header: WavHeader;
  /** One buffer per channel, `blockFrames` long; each block fills its first `frames` frames. */
  readonly channels: Float32Array[];
  private readonly reader: WavReader;
  private pos = 0;
  blocks = 0;

  constructor(
    file: string,
    readonly blockFrames = STREAM_BLOCK_FRAMES,
  ) {
    if (!(Number.isInteger(blockFrames) && blockFrames > 0)) throw new RangeError(`"blockFrames" must be a positive integer, got ${blockFrames}`);
    this.reader = new WavReader(file);
    this.header = this.reader.header;
    this.channels = Array.from({ length: this.header.numChannels }, () => new Float32Array(blockFrames));
  }

  /** Reads the next block; returns its frames (0 at the end). */
  next(): number {
    const n = Math.min(this.blockFrames, this.header.frames - this.pos);
    if (n <= 0) return 0;
    this.reader.read(this.pos, n, this.channels);
    this.pos += n;
    this.blocks++;
    return n;
  }

  close(): void {
    this.reader.close();
  }
}

/** Measures a WAV file block by block: the figures of measureProgramme, with what the pass held. */
export function measureWavStream(file: string, blockFrames = STREAM_BLOCK_FRAMES): { header: WavHeader; figures: LoudnessFigures; stats: StreamStats } {
  const r = new WavBlockReader(file, blockFrames);
  try {
    const h = r.header;
    const loud = new LoudnessMeter(h.sampleRate, h.numChannels);
    const peak = new TruePeakMeter(h.sampleRate, h.numChannels);
    let at = 0;
    for (let n = r.next(); n > 0; n = r.next()) {
      refuseNonFinite(r.channels, n, at, file, h.sampleRate);
      at += n;
      loud.process(r.channels, n);
      peak.process(r.channels, n);
    }
    peak.finish(); // the reconstruction rings past the last sample
    const integratedLufs = loud.integratedLufs;
    const truePeakDbtp = peak.truePeakDbtp;
    return {
      header: h,
      figures: {
        integratedLufs,
        lra: loud.loudnessRange,
        truePeakDbtp,
        shortTermMaxLufs: loud.maxShortTermLufs,
        momentaryMaxLufs: loud.maxMomentaryLufs,
        plr: Number.isFinite(integratedLufs) && Number.isFinite(truePeakDbtp) ? truePeakDbtp - integratedLufs : NaN,
        seconds: loud.seconds,
      },
      stats: { blocks: r.blocks, bufferFrames: r.blockFrames },
    };
  } finally {
    r.close();
  }
}
