/**
 * A send from a strip to a bus or fx input: smoothed level, pre- or post-fader tap. A mono source
 * feeds both sides of a stereo destination at -3.01 dB (the centre of the pan law), so a channel
 * reaching the master through a subgroup bus has the level it has when panned straight there.
 * A stereo source into a mono destination is summed at half level each side.
 */
import { SmoothedGain } from '../dsp/smoother.ts';
import { dbToGain } from '../../params/taper.ts';
import type { ParamBinder } from '../types.ts';
import { addRampedScaled, addScaled, addSumRamped, addSumScaled } from './mix.ts';
import { steady, type Strip } from './strip.ts';

export class Send {
  private readonly level: SmoothedGain;
  private pre = false;

  constructor(
    sampleRate: number,
    private readonly from: Strip,
    private readonly to: readonly Float32Array[],
  ) {
    this.level = new SmoothedGain(sampleRate);
    this.level.setImmediateGain(0);
  }

  /** Binds `${prefix}/level` and `${prefix}/pre`. */
  bindParams(bind: ParamBinder, prefix: string): void {
    bind(`${prefix}/level`, (v) => this.from.setGain(this.level, dbToGain(v)));
    bind(`${prefix}/pre`, (v) => {
      this.pre = v !== 0;
    });
  }

  /** Audio thread: adds this send into its destination. Call after the source's processPost(). */
  process(frames: number): void {
    const g = this.level;
    if (steady(g)) {
      const k = g.current;
      if (k === 0) return;
      this.mix(k, undefined, frames);
    } else {
      g.fill(this.from.ramp, frames);
      this.mix(1, this.from.ramp, frames);
    }
  }

  private mix(k: number, ramp: Float32Array | undefined, frames: number): void {
    const src = this.pre ? this.from.bufs : this.from.post;
    const to = this.to;
    if (src.length === to.length || src.length === 1) {
      const side = src.length < to.length ? Math.SQRT1_2 : 1;
      for (let c = 0; c < to.length; c++) {
        const s = src[src.length === 1 ? 0 : c]!;
        if (ramp) addRampedScaled(s, to[c]!, ramp, side, frames);
        else addScaled(s, to[c]!, k * side, frames);
      }
    } else if (ramp) addSumRamped(src[0]!, src[1]!, to[0]!, ramp, 0.5, frames);
    else addSumScaled(src[0]!, src[1]!, to[0]!, 0.5 * k, frames);
  }
}
