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
    const set = (key: keyof typeof this.settings) => (v: number) => {
      this.settings[key] = v;
      this.dirty = true;
    };
    bind(`${base}/size`, set('sizePct'));
    bind(`${base}/decay`, set('decayMs'));
    bind(`${base}/damping`, set('dampingPct'));
    bind(`${base}/predelay`, set('predelayMs'));
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
    const set = (key: keyof typeof this.settings) => (v: number) => {
      this.settings[key] = v;
      this.dirty = true;
    };
    bind(`${base}/time`, set('timeMs'));
    bind(`${base}/feedback`, set('feedbackPct'));
    bind(`${base}/damping`, set('dampingPct'));
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
