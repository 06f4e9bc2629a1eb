/**
 * Character stage: drive into a tanh waveshaper, then a make-up gain chosen so that a sine peaking at
 * the reference level (-18 dBFS, a typical operating level) keeps its RMS level whatever the drive.
 * More drive therefore means more harmonics and a flatter top at the same working loudness, not just
 * more volume; material hotter than the reference is progressively squashed.
 *
 * Drive and make-up glide together in the log domain (a 10 ms one-pole on their dB values), so the
 * small-signal gain (drive × make-up) never bumps up during a move; mix glides linearly.
 * The shaper is memoryless and runs at the base rate, not oversampled: high, heavily driven material
 * aliases.
 *
 * Thread rules: configure() and process() are audio-thread safe (no allocation, no throw).
 */
import { DB_TO_LN, checkPositive, onePoleCoeff } from './util.ts';

export interface SaturationSettings {
  driveDb: number;
  mixPct: number;
}

/** Peak level (dBFS) whose sine keeps its peak level through the stage. */
export const SATURATION_REFERENCE_DB = -18;

const MAKEUP_POINTS = 64;

/**
 * Make-up gain (linear) for a drive (linear): RMS of the reference sine over RMS of its shaped version,
 * by a midpoint sum over a quarter period (enough: tanh of a sine is smooth). Allocation-free.
 */
export function saturationMakeup(drive: number): number {
  MAKEUP_IO[0] = drive;
  makeupInto(MAKEUP_IO);
  return MAKEUP_IO[1]!;
}

/** saturationMakeup's argument and result, for callers on the audio thread (see makeupInto). */
const MAKEUP_IO = new Float64Array(2);

/**
 * saturationMakeup(a[0]) into a[1]. fastTanh is written out (its exact arithmetic): configure() runs
 * on the audio thread, where a double returned from a call V8 does not inline is boxed on the heap.
 */
function makeupInto(a: Float64Array): void {
  const drive = a[0]!;
  const r = Math.exp(SATURATION_REFERENCE_DB * DB_TO_LN);
  let sum = 0;
  for (let k = 0; k < MAKEUP_POINTS; k++) {
    const x = drive * r * Math.sin(((k + 0.5) * Math.PI) / (2 * MAKEUP_POINTS));
    let y: number;
    if (x < 2 && x > -2) {
      const x2 = x * x;
      y = (x * (135135 + x2 * (17325 + x2 * (378 + x2)))) / (135135 + x2 * (62370 + x2 * (3150 + 28 * x2)));
    } else {
      const t = 1 - 2 / (Math.exp(x < 0 ? -2 * x : 2 * x) + 1);
      y = x < 0 ? -t : t;
    }
    sum += y * y;
  }
  a[1] = r / Math.sqrt((2 * sum) / MAKEUP_POINTS);
}

export class Saturator {
  private readonly glide: number;
  // Drive and make-up are held as natural logs so they glide geometrically.
  private lnDrive = 0;
  private lnMakeup = Math.log(saturationMakeup(1));
  private wet = 1;
  private lnDriveTarget = 0;
  private lnMakeupTarget = Math.log(saturationMakeup(1));
  private wetTarget = 1;
  private settled = true;

  constructor(sampleRate: number) {
    checkPositive('sampleRate', sampleRate);
    this.glide = onePoleCoeff(10, sampleRate);
  }

  configure(s: SaturationSettings): void {
    // Clamps and conversions written out, the make-up computed in place: this runs on the audio
    // thread when a setting changes, and a double passed to or returned from a call V8 does not
    // inline is boxed on the heap.
    const dIn = s.driveDb, mIn = s.mixPct;
    const driveDb = dIn !== dIn ? 0 : dIn < 0 ? 0 : dIn > 48 ? 48 : dIn;
    const drive = Math.exp(driveDb * DB_TO_LN);
    this.lnDriveTarget = Math.log(drive);
    const io = MAKEUP_IO;
    io[0] = drive;
    makeupInto(io);
    this.lnMakeupTarget = Math.log(io[1]!);
    this.wetTarget = (mIn !== mIn ? 100 : mIn < 0 ? 0 : mIn > 100 ? 100 : mIn) / 100;
    this.settled = false;
  }

  /** Snaps the glide to the configured values (initial state). */
  settle(): void {
    this.lnDrive = this.lnDriveTarget;
    this.lnMakeup = this.lnMakeupTarget;
    this.wet = this.wetTarget;
    this.settled = true;
  }

  process(buf: Float32Array, frames: number): void {
    if (this.settled) {
      const g = Math.exp(this.lnDrive), c = Math.exp(this.lnMakeup) * this.wet, dry = 1 - this.wet;
      if (dry === 1) return;
      // fastTanh written out: a call that V8 leaves un-inlined returns a boxed double per sample.
      for (let i = 0; i < frames; i++) {
        const x = buf[i]!;
        const u = g * x;
        let t: number;
        if (u < 2 && u > -2) {
          const u2 = u * u;
          t = (u * (135135 + u2 * (17325 + u2 * (378 + u2)))) / (135135 + u2 * (62370 + u2 * (3150 + 28 * u2)));
        } else {
          const e = 1 - 2 / (Math.exp(u < 0 ? -2 * u : 2 * u) + 1);
          t = u < 0 ? -e : e;
        }
        buf[i] = dry * x + c * t;
      }
      return;
    }
    const a = this.glide, b = 1 - a;
    const dT = this.lnDriveTarget, mT = this.lnMakeupTarget, wT = this.wetTarget;
    let ld = this.lnDrive, lm = this.lnMakeup, w = this.wet;
    for (let i = 0; i < frames; i++) {
      ld = a * ld + b * dT;
      lm = a * lm + b * mT;
      w = a * w + b * wT;
      const x = buf[i]!;
      const u = Math.exp(ld) * x;
      let t: number;
      if (u < 2 && u > -2) {
        const u2 = u * u;
        t = (u * (135135 + u2 * (17325 + u2 * (378 + u2)))) / (135135 + u2 * (62370 + u2 * (3150 + 28 * u2)));
      } else {
        const e = 1 - 2 / (Math.exp(u < 0 ? -2 * u : 2 * u) + 1);
        t = u < 0 ? -e : e;
      }
      buf[i] = (1 - w) * x + w * Math.exp(lm) * t;
    }
    this.lnDrive = ld;
    this.lnMakeup = lm;
    this.wet = w;
    // Within 1e-6 (in ln units, about 1e-5 dB) the glide is inaudible: switch to the cheaper loop.
    if (Math.abs(ld - dT) < 1e-6 && Math.abs(lm - mT) < 1e-6 && Math.abs(w - wT) < 1e-6) this.settle();
  }
}
