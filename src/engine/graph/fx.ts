/**
 * The effect inside an fx return (reverb or stereo delay), bound to /fx/K/{size,decay,damping,predelay}
 * or /fx/K/{time,feedback,damping}. 100 % wet: the return strip after it sets the level.
 */
import { Reverb } from '../dsp/reverb.ts';
import { StereoDelay } from '../dsp/delay.ts';
import type { ParamBinder } from '../types.ts';

export interface FxProcessor {
  bindParams(bind: ParamBinder, base: string): void;
  /** Audio thread: stereo in → stereo out (separate buffers). */
  process(inL: Float32Array, inR: Float32Array, outL: Float32Array, outR: Float32Array, frames: number): void;
  reset(): void;
}

class ReverbFx implements FxProcessor {
  private readonly reverb: Reverb;
  private readonly settings = { sizePct: 60, decayMs: 1800, dampingPct: 40, predelayMs: 20 };
  private dirty = true;
  constructor(sampleRate: number, maxBlock: number) {
    this.reverb = new Reverb(sampleRate, maxBlock);
  }
  bindParams(bind: ParamBinder, base: string): void {
    // One closure per field: a store under a key that varies is a generic store, which boxes the double.
    const s = this.settings;
    bind(`${base}/size`, (v) => { s.sizePct = v[0]!; this.dirty = true; });
    bind(`${base}/decay`, (v) => { s.decayMs = v[0]!; this.dirty = true; });
    bind(`${base}/damping`, (v) => { s.dampingPct = v[0]!; this.dirty = true; });
    bind(`${base}/predelay`, (v) => { s.predelayMs = v[0]!; this.dirty = true; });
  }
  process(inL: Float32Array, inR: Float32Array, outL: Float32Array, outR: Float32Array, frames: number): void {
    if (this.dirty) {
      this.reverb.configure(this.settings);
      this.dirty = false;
    }
    this.reverb.process(inL, inR, outL, outR, frames);
  }
  reset(): void {
    this.reverb.reset();
  }
}

class DelayFx implements FxProcessor {
  private readonly delay: StereoDelay;
  private readonly settings = { timeMs: 350, feedbackPct: 35, dampingPct: 30 };
  private dirty = true;
  /** The first block starts at the set time; later time changes glide. */
  private settled = false;
  constructor(sampleRate: number, maxBlock: number) {
    this.delay = new StereoDelay(sampleRate, maxBlock, 2000);
  }
  bindParams(bind: ParamBinder, base: string): void {
    // One closure per field (see ReverbFx).
    const s = this.settings;
    bind(`${base}/time`, (v) => { s.timeMs = v[0]!; this.dirty = true; });
    bind(`${base}/feedback`, (v) => { s.feedbackPct = v[0]!; this.dirty = true; });
    bind(`${base}/damping`, (v) => { s.dampingPct = v[0]!; this.dirty = true; });
  }
  process(inL: Float32Array, inR: Float32Array, outL: Float32Array, outR: Float32Array, frames: number): void {
    if (this.dirty) {
      this.delay.configure(this.settings);
      this.dirty = false;
    }
    if (!this.settled) {
      this.delay.settle();
      this.settled = true;
    }
    this.delay.process(inL, inR, outL, outR, frames);
  }
  reset(): void {
    this.delay.reset();
  }
}

export function createFx(type: 'reverb' | 'delay', sampleRate: number, maxBlock: number): FxProcessor {
  return type === 'reverb' ? new ReverbFx(sampleRate, maxBlock) : new DelayFx(sampleRate, maxBlock);
}
