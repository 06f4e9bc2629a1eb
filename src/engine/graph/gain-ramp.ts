import { SmoothedGain } from '../dsp/smoother.ts';

/**
 * A SmoothedGain plus the two facts the graph asks of it every block, kept as plain fields: the
 * target and the frames left until the ramp lands on it. Reading them costs nothing (a double
 * returned from a getter that isn't inlined is boxed on the heap, and this runs per block).
 */
export class GainRamp {
  readonly gain: SmoothedGain;
  target: number;
  /** Frames until the ramp lands exactly on `target` (0: steady). */
  left = 0;

  constructor(sampleRate: number, initial = 1) {
    this.gain = new SmoothedGain(sampleRate);
    this.gain.setImmediateGain(initial);
    this.target = initial;
  }

  /** Ramps to `g` (linear gain), or snaps to it when `snap` (before the first block). */
  set(g: number, snap: boolean): void {
    if (Number.isNaN(g)) return;
    if (snap) {
      this.gain.setImmediateGain(g);
      this.target = g;
      this.left = 0;
      return;
    }
    if (g === this.target) return;
    this.gain.setTargetGain(g);
    this.target = g;
    this.left = this.gain.rampSamples;
  }

  /** Audio thread: writes the next `frames` gains and advances the ramp. */
  fill(out: Float32Array, frames: number): void {
    this.gain.fill(out, frames);
    this.left = this.left > frames ? this.left - frames : 0;
  }
}
