/**
 * Character stage: drive into a tanh waveshaper, then a make-up gain chosen so that a sine peaking at
 * the reference level (-18 dBFS, a typical operating level) comes out at the same peak whatever the
 * drive. More drive therefore means more harmonics and a flatter top at the same working level, not
 * just more volume; material hotter than the reference is progressively squashed.
 *
 * Drive, make-up and mix glide with a 10 ms one-pole, so moving them while playing does not zipper.
 * The shaper is memoryless and runs at the base rate; run it inside an oversampler when aliasing of
 * high, heavily driven material matters.
 *
 * Thread rules: configure() and process() are audio-thread safe (no allocation, no throw).
 */
import { checkPositive, clampNum, dbToGain, onePoleCoeff } from './util.ts';

export interface SaturationSettings {
  driveDb: number;
  mixPct: number;
}

/** Peak level (dBFS) whose sine keeps its peak level through the stage. */
export const SATURATION_REFERENCE_DB = -18;

/** Make-up gain for a drive (linear): ref / tanh(drive·ref). */
export function saturationMakeup(drive: number): number {
  const r = dbToGain(SATURATION_REFERENCE_DB);
  return r / Math.tanh(drive * r);
}

export class Saturator {
  private readonly glide: number;
  private drive = 1;
  private makeup = saturationMakeup(1);
  private wet = 1;
  private driveTarget = 1;
  private makeupTarget = saturationMakeup(1);
  private wetTarget = 1;
  private settled = true;

  constructor(sampleRate: number) {
    checkPositive('sampleRate', sampleRate);
    this.glide = onePoleCoeff(10, sampleRate);
  }

  configure(s: SaturationSettings): void {
    const drive = dbToGain(clampNum(s.driveDb, 0, 48, 0));
    this.driveTarget = drive;
    this.makeupTarget = saturationMakeup(drive);
    this.wetTarget = clampNum(s.mixPct, 0, 100, 100) / 100;
    this.settled = false;
  }

  /** Snaps the glide to the configured values (initial state). */
  settle(): void {
    this.drive = this.driveTarget;
    this.makeup = this.makeupTarget;
    this.wet = this.wetTarget;
    this.settled = true;
  }

  process(buf: Float32Array, frames: number): void {
    if (this.settled) {
      const g = this.drive, c = this.makeup * this.wet, dry = 1 - this.wet;
      for (let i = 0; i < frames; i++) {
        const x = buf[i]!;
        buf[i] = dry * x + c * Math.tanh(g * x);
      }
      return;
    }
    const a = this.glide, b = 1 - a;
    const gT = this.driveTarget, cT = this.makeupTarget, wT = this.wetTarget;
    let g = this.drive, c = this.makeup, w = this.wet;
    for (let i = 0; i < frames; i++) {
      g = a * g + b * gT;
      c = a * c + b * cT;
      w = a * w + b * wT;
      const x = buf[i]!;
      buf[i] = (1 - w) * x + w * c * Math.tanh(g * x);
    }
    this.drive = g;
    this.makeup = c;
    this.wet = w;
    // Close enough to be inaudible: switch to the cheaper steady loop.
    if (Math.abs(g - gT) < 1e-6 * gT && Math.abs(c - cT) < 1e-6 * cT && Math.abs(w - wT) < 1e-6) this.settle();
  }
}
