/**
 * The polyphase resampler (src/engine/dsp/resample.ts) fed block by block: memory is one block plus
 * the kernel's width, where Resampler.process needs the whole channel and a Float64 copy of it.
 *
 * Output equals Resampler.process on the whole channel sample for sample: the same table, the same
 * sums in the same order, zeros before the start and after the end, and the same output length
 * (round(n · to / from), so the total input length is given up front).
 */
import type { Resampler } from '../../engine/dsp/resample.ts';

/** Receives resampled frames: `chans[c]` holds `frames` frames from index 0, reused after the call. */
export type BlockFn = (chans: readonly Float32Array[], frames: number) => void;

/** Output frames gathered before they are passed on. */
const OUT_BLOCK = 8192;

export class ResampleStream {
  /** Output frames the whole input makes. */
  readonly outLength: number;
  private readonly width: number;
  /** Per channel: input frames [histStart, histStart + histLen), zeros before 0 and after the end. */
  private readonly hist: Float64Array[];
  private histStart: number;
  private histLen: number;
  private readonly out: Float32Array[];
  private outFill = 0;
  /** The next output j, its integer input position i and phase numerator p (as in Resampler.process). */
  private j = 0;
  private i = 0;
  private p = 0;
  private pushed = 0;

  constructor(
    private readonly r: Resampler,
    channels: number,
    private readonly totalIn: number,
    private readonly maxBlockIn: number,
  ) {
    this.outLength = r.outputLength(totalIn);
    this.width = 2 * r.halfTaps;
    this.hist = Array.from({ length: channels }, () => new Float64Array(maxBlockIn + 2 * this.width));
    this.histStart = -this.width;
    this.histLen = this.width;
    this.out = Array.from({ length: channels }, () => new Float32Array(OUT_BLOCK));
  }

  /** Takes the next `frames` input frames (at most maxBlockIn); passes on every output they complete. */
  push(chans: readonly Float32Array[], frames: number, each: BlockFn): void {
    if (frames > this.maxBlockIn) throw new RangeError(`a block of ${frames} frames is more than the ${this.maxBlockIn} this stream was made for`);
    if (this.pushed + frames > this.totalIn) throw new RangeError(`more input than the ${this.totalIn} frames announced`);
    this.compact();
    for (let c = 0; c < this.hist.length; c++) {
      const h = this.hist[c]!;
      const src = chans[c]!;
      for (let k = 0; k < frames; k++) h[this.histLen + k] = src[k]!;
    }
    this.histLen += frames;
    this.pushed += frames;
    this.produce(each);
  }

  /** After the last input: the remaining outputs, with zeros past the end. */
  finish(each: BlockFn): void {
    if (this.pushed !== this.totalIn) throw new RangeError(`finished after ${this.pushed} of the ${this.totalIn} input frames announced`);
    while (this.j < this.outLength) {
      this.compact();
      const room = this.hist[0]!.length - this.histLen;
      for (const h of this.hist) h.fill(0, this.histLen, this.histLen + room);
      this.histLen += room;
      this.produce(each);
    }
    this.emit(each);
  }

  /** Drops inputs no output needs any more (those before i − halfTaps + 1). */
  private compact(): void {
    const drop = this.i - this.r.halfTaps + 1 - this.histStart;
    if (drop <= 0) return;
    for (const h of this.hist) h.copyWithin(0, drop, this.histLen);
    this.histStart += drop;
    this.histLen -= drop;
  }

  private produce(each: BlockFn): void {
    const { r } = this;
    const H = r.halfTaps;
    const L = r.up, M = r.down;
    const avail = this.histStart + this.histLen;
    let { i, p, j } = this;
    while (j < this.outLength && i + H < avail) {
      const base = i - H + 1 - this.histStart;
      for (let c = 0; c < this.hist.length; c++) {
        const y = r.at(this.hist[c]!, base, p);
        this.out[c]![this.outFill] = y;
      }
      j++;
      p += M;
      while (p >= L) {
        p -= L;
        i++;
      }
      if (++this.outFill === OUT_BLOCK) this.emit(each);
    }
    this.i = i;
    this.p = p;
    this.j = j;
    this.emit(each);
  }

  private emit(each: BlockFn): void {
    if (this.outFill === 0) return;
    const n = this.outFill;
    this.outFill = 0;
    each(this.out, n);
  }
}
