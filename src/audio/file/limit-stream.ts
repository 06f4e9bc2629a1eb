/**
 * Gain then true-peak limiting of a stream, latency removed: the streaming form of gainAndLimit
 * (src/engine/mastering/export.ts), which worked on whole channels. The limiter is fed the very
 * blocks gainAndLimit fed it (`block` frames from the start, the gained input followed by its
 * latency in zeros), so the output is the same sample for sample.
 */
import type { TruePeakLimiter } from '../../engine/dsp/limiter.ts';
import type { BlockFn } from './resample-stream.ts';

export class GainLimitStream {
  private readonly stage: Float32Array[];
  private readonly gain: number;
  private fill = 0;
  /** Limiter output frames still to drop (its latency). */
  private skip: number;

  constructor(
    private readonly lim: TruePeakLimiter,
    channels: number,
    gainDb: number,
    private readonly block: number,
  ) {
    this.stage = Array.from({ length: channels }, () => new Float32Array(block));
    this.gain = Math.pow(10, gainDb / 20);
    this.skip = lim.latencyFrames;
  }

  push(chans: readonly Float32Array[], frames: number, each: BlockFn): void {
    const g = this.gain;
    for (let done = 0; done < frames; ) {
      const m = Math.min(this.block - this.fill, frames - done);
      for (let c = 0; c < this.stage.length; c++) {
        const st = this.stage[c]!;
        const src = chans[c]!;
        for (let k = 0; k < m; k++) st[this.fill + k] = src[done + k]! * g;
      }
      this.fill += m;
      done += m;
      if (this.fill === this.block) this.run(each);
    }
  }

  /** After the last input: the latency in zeros through the limiter, and the rest passed on. */
  finish(each: BlockFn): void {
    for (let zeros = this.lim.latencyFrames; zeros > 0; ) {
      const m = Math.min(this.block - this.fill, zeros);
      for (const st of this.stage) st.fill(0, this.fill, this.fill + m);
      this.fill += m;
      zeros -= m;
      if (this.fill === this.block) this.run(each);
    }
    if (this.fill > 0) this.run(each);
  }

  private run(each: BlockFn): void {
    const f = this.fill;
    this.fill = 0;
    this.lim.process(this.stage, f);
    const from = Math.min(this.skip, f);
    this.skip -= from;
    if (from === 0) each(this.stage, f);
    else if (from < f) each(this.stage.map((s) => s.subarray(from, f)), f - from);
  }
}
