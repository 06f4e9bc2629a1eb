/**
 * Stereo width by mid/side: M = (L+R)/2, S = (L−R)/2, S scaled by widthPct/100, back to L = M+S, R = M−S.
 * 0 % is mono, 100 % unchanged, 200 % doubles the side.
 *
 * Mono bass splits both M and S with the same 4th-order Linkwitz-Riley crossover and drops the side's
 * low band: L = AP(M) + w·HP(S), R = AP(M) − w·HP(S), where AP = LP + HP is the crossover's own
 * all-pass (a 2nd-order Butterworth all-pass, flat in magnitude). Only a split whose low and high parts
 * sum flat keeps hard-panned highs where they are: a hard-left source gives R = LP(L)/2, -51 dB at
 * 440 Hz for a 120 Hz crossover, where high-passing the side alone (M left untouched) leaked -8 dB,
 * since the high-pass's phase shift leaves M − HP(S) ≠ 0 well above the corner. The price is the
 * crossover's phase shift on everything (inaudible, as in any crossover); magnitudes are untouched.
 *
 * Width and the mono-bass switch glide linearly across each block, so moves do not click; settle()
 * takes the configured values at once (before the first block).
 *
 * Thread rules: the constructor allocates; configure(), settle(), process() and reset() do not and
 * never throw.
 */
import { BiquadBank } from './biquad.ts';
import { checkBlock, checkPositive, clampNum } from './util.ts';

export interface WidthSettings {
  readonly widthPct: number;
  readonly monoBass: boolean;
  readonly monoFreqHz: number;
}

export class StereoWidth {
  private readonly hp1: BiquadBank;
  private readonly hp2: BiquadBank;
  private readonly ap: BiquadBank;
  private readonly side: Float32Array;
  private readonly sideHp: Float32Array;
  private readonly sideHpArr: Float32Array[];
  private readonly midAp: Float32Array;
  private readonly midApArr: Float32Array[];
  /** Current and target: side gain, mono-bass mix. */
  private readonly g = Float64Array.of(1, 1, 1, 1);

  constructor(sampleRate: number, maxBlock: number) {
    checkPositive('sampleRate', sampleRate);
    checkBlock('maxBlock', maxBlock);
    this.hp1 = new BiquadBank(sampleRate, 1);
    this.hp2 = new BiquadBank(sampleRate, 1);
    this.ap = new BiquadBank(sampleRate, 1);
    this.side = new Float32Array(maxBlock);
    this.sideHp = new Float32Array(maxBlock);
    this.sideHpArr = [this.sideHp];
    this.midAp = new Float32Array(maxBlock);
    this.midApArr = [this.midAp];
    this.configure({ widthPct: 100, monoBass: true, monoFreqHz: 120 });
    this.settle();
  }

  /** Jumps to the configured width and mono-bass mix without gliding. */
  settle(): void {
    this.g[0] = this.g[1]!;
    this.g[2] = this.g[3]!;
  }

  configure(s: WidthSettings): void {
    this.g[1] = clampNum(s.widthPct, 0, 400, 100) / 100;
    this.g[3] = s.monoBass ? 1 : 0;
    const f = clampNum(s.monoFreqHz, 10, 2000, 120);
    // Linkwitz-Riley: two identical Butterworth sections; LP4 + HP4 is the Butterworth all-pass.
    this.hp1.configure('highpass', f, Math.SQRT1_2);
    this.hp2.configure('highpass', f, Math.SQRT1_2);
    this.ap.configure('allpass', f, Math.SQRT1_2);
  }

  reset(): void {
    this.hp1.reset();
    this.hp2.reset();
    this.ap.reset();
  }

  process(left: Float32Array, right: Float32Array, frames: number): void {
    const g = this.g;
    const w0 = g[0]!, w1 = g[1]!, m0 = g[2]!, m1 = g[3]!;
    const side = this.side, hp = this.sideHp, mid = this.midAp;
    for (let i = 0; i < frames; i++) {
      const s = 0.5 * (left[i]! - right[i]!);
      side[i] = s;
      hp[i] = s;
      mid[i] = 0.5 * (left[i]! + right[i]!);
    }
    // The filters always run so switching mono-bass on finds them settled.
    this.hp1.processWith(this.hp2, this.sideHpArr, 1, frames);
    this.ap.process(this.midApArr, 1, frames);
    if (w0 === 1 && w1 === 1 && m0 === 0 && m1 === 0) return;
    const inv = frames > 0 ? 1 / frames : 0;
    for (let i = 0; i < frames; i++) {
      const t = (i + 1) * inv;
      const w = w0 + (w1 - w0) * t;
      const mb = m0 + (m1 - m0) * t;
      const m = 0.5 * (left[i]! + right[i]!);
      const mo = m + mb * (mid[i]! - m);
      const s = w * (side[i]! + mb * (hp[i]! - side[i]!));
      left[i] = mo + s;
      right[i] = mo - s;
    }
    g[0] = w1;
    g[2] = m1;
  }
}
