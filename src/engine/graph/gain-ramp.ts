import { SmoothedGain } from '../dsp/smoother.ts';

/**
 * A SmoothedGain plus the two facts the graph asks of it every block, kept as plain fields: the
 * target and the frames left until the ramp lands on it. Reading them costs nothing (a double
 * returned from a getter that isn't inlined is boxed on the heap, and this runs per block).
 */
export class GainRamp {
  readonly gain: SmoothedGain;
  /** Initialised here as a number (not left undefined until the constructor): a field that starts
   *  undefined holds any value, and a double stored in such a field is boxed anew on every store. */
  target = 1;
  /** Frames until the ramp lands exactly on `target` (0: steady). */
  left = 0;

  constructor(sampleRate: number, initial = 1) {
    this.gain = new SmoothedGain(sampleRate);
    this.gain.setImmediateGain(initial);
    this.target = initial;
  }

  /**
   * Where the param path writes the gain for setNext(): a double passed to a call V8 does not inline
   * is boxed on the heap (see ParamCell), one in an array is not.
   */
  readonly next = new Float64Array(1);

  /** Ramps to `g` (linear gain), or snaps to it when `snap` (before the first block). */
  set(g: number, snap: boolean): void {
    this.next[0] = g;
    this.setNext(snap);
  }

  /** set(next[0], snap). */
  setNext(snap: boolean): void {
    const next = this.next;
    const g = next[0]!;
    if (g !== g) return;
    if (snap) {
      this.gain.setImmediateGainAt(next, 0);
      this.target = g;
      this.left = 0;
      return;
    }
    if (g === this.target) return;
    this.gain.setTargetGainAt(next, 0);
    this.target = g;
    this.left = this.gain.rampSamples;
  }

  /** set() to the gain of `db[0]` decibels (-Infinity: 0), as params/taper.ts's dbToGain. */
  setDb(db: Float64Array, snap: boolean): void {
    const d = db[0]!;
    this.next[0] = d === -Infinity ? 0 : Math.pow(10, d / 20);
    this.setNext(snap);
  }

  /** Audio thread: writes the next `frames` gains and advances the ramp. */
  fill(out: Float32Array, frames: number): void {
    this.gain.fill(out, frames);
    this.left = this.left > frames ? this.left - frames : 0;
  }
}
