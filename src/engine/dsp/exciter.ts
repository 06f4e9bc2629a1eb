/**
 * Exciter for subtle brightness: the 2.5–7.5 kHz band is isolated (4th-order band-pass), bent by a
 * polynomial (b² and b³: only 2nd and 3rd harmonics, so nothing folds back at 44.1 kHz and above), the
 * result high-passed at 2.5 kHz again (removes the DC and low difference tones b² makes) and mixed in.
 * Amount 100 % adds the products with gain 1; 0 % bypasses exactly.
 *
 * The added harmonics grow with the band's level (squared and cubed), as in tape and tube exciters:
 * a band tone peaking at −20 dBFS gets, at 100 %, a 2nd harmonic of a²/2 = −46 dBFS (26 dB under it).
 *
 * Thread rules: the constructor allocates; configure(), process() and reset() do not and never throw.
 */
import { BiquadBank } from './biquad.ts';
import { checkBlock, checkPositive } from './util.ts';

export const EXCITER_LOW_HZ = 2500;
export const EXCITER_HIGH_HZ = 7500;

export class Exciter {
  private readonly channels: number;
  private readonly bandHp: BiquadBank[];
  private readonly bandLp: BiquadBank[];
  private readonly outHp: BiquadBank[];
  private readonly band: Float32Array[];
  /** Current and target amount (0..1). */
  private readonly amt = new Float64Array(2);

  constructor(sampleRate: number, maxBlock: number, channels = 2) {
    checkPositive('sampleRate', sampleRate);
    checkBlock('maxBlock', maxBlock);
    checkBlock('channels', channels);
    this.channels = channels;
    const bank = (type: 'highpass' | 'lowpass', f: number): BiquadBank[] =>
      [0, 1].map(() => {
        const b = new BiquadBank(sampleRate, channels);
        b.configure(type, Math.min(f, sampleRate * 0.45), Math.SQRT1_2);
        return b;
      });
    this.bandHp = bank('highpass', EXCITER_LOW_HZ);
    this.bandLp = bank('lowpass', EXCITER_HIGH_HZ);
    this.outHp = bank('highpass', EXCITER_LOW_HZ);
    this.band = Array.from({ length: channels }, () => new Float32Array(maxBlock));
  }

  configure(amountPct: number): void {
    this.amt[1] = amountPct;
    this.configureFrom(this.amt, 1);
  }

  /**
   * configure(a[at]): the audio thread's way (a double passed to a call V8 does not inline is boxed
   * on the heap, one read from an array is not).
   */
  configureFrom(a: Float64Array, at: number): void {
    const v = a[at]!;
    this.amt[1] = (v !== v ? 0 : v < 0 ? 0 : v > 100 ? 100 : v) / 100;
  }

  /** Takes the configured amount at once instead of gliding to it over the next block. */
  settle(): void {
    this.amt[0] = this.amt[1]!;
  }

  reset(): void {
    for (let k = 0; k < 2; k++) {
      this.bandHp[k]!.reset();
      this.bandLp[k]!.reset();
      this.outHp[k]!.reset();
    }
  }

  process(chans: Float32Array[], frames: number): void {
    const a0 = this.amt[0]!, a1 = this.amt[1]!;
    if (a0 === 0 && a1 === 0) return;
    const nch = this.channels;
    for (let c = 0; c < nch; c++) {
      const src = chans[c]!, dst = this.band[c]!;
      for (let i = 0; i < frames; i++) dst[i] = src[i]!;
    }
    this.bandHp[0]!.processWith(this.bandHp[1]!, this.band, nch, frames);
    this.bandLp[0]!.processWith(this.bandLp[1]!, this.band, nch, frames);
    for (let c = 0; c < nch; c++) {
      const b = this.band[c]!;
      for (let i = 0; i < frames; i++) {
        const x = b[i]!;
        b[i] = x * x + x * x * x;
      }
    }
    this.outHp[0]!.processWith(this.outHp[1]!, this.band, nch, frames);
    const inv = frames > 0 ? 1 / frames : 0;
    for (let c = 0; c < nch; c++) {
      const buf = chans[c]!, b = this.band[c]!;
      for (let i = 0; i < frames; i++) buf[i]! += (a0 + (a1 - a0) * (i + 1) * inv) * b[i]!;
    }
    this.amt[0] = a1;
  }
}
