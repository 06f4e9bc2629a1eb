/**
 * TPDF dither of a stream, equal to one Dither.process call over whole channels. That call draws its
 * noise for all of channel 0, then all of channel 1, from one xorshift32 generator; block by block,
 * each channel gets its own Dither whose generator starts where the whole-file call's would be when
 * it reached that channel: 2 draws per frame of every channel before it, reached by jumping ahead
 * (xorshift32 is linear over GF(2), so n steps are a 32×32 bit matrix raised to the n-th power).
 */
import { Dither, DITHER_SEED } from '../../engine/dsp/dither.ts';

/** The xorshift32 step as a bit matrix: column b is the step applied to the state 1 << b. */
function stepMatrix(): Uint32Array {
  const m = new Uint32Array(32);
  for (let b = 0; b < 32; b++) {
    let s = (1 << b) >>> 0;
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    m[b] = s;
  }
  return m;
}

function apply(m: Uint32Array, v: number): number {
  let out = 0;
  for (let b = 0; b < 32; b++) if ((v >>> b) & 1) out ^= m[b]!;
  return out >>> 0;
}

/** a∘b: apply b, then a. */
function compose(a: Uint32Array, b: Uint32Array): Uint32Array {
  const m = new Uint32Array(32);
  for (let k = 0; k < 32; k++) m[k] = apply(a, b[k]!);
  return m;
}

/** The xorshift32 state `steps` steps after `seed`. */
export function xorshift32Jump(seed: number, steps: number): number {
  let s = seed >>> 0;
  let m = stepMatrix();
  for (let n = steps; n > 0; n = Math.floor(n / 2)) {
    if (n % 2 === 1) s = apply(m, s);
    m = compose(m, m);
  }
  return s;
}

export class DitherStream {
  private readonly dithers: Dither[];
  private readonly one: Float32Array[] = [new Float32Array(0)];

  /** For `totalFrames` frames of `channels` channels, to `bits` bits, as `new Dither(channels)` would. */
  constructor(channels: number, totalFrames: number, bits: number) {
    this.dithers = Array.from({ length: channels }, (_, c) => {
      const d = new Dither(1, xorshift32Jump(DITHER_SEED, 2 * totalFrames * c));
      d.configure({ bits, shaping: false });
      return d;
    });
  }

  /** Dithers and requantizes `chans` in place. */
  process(chans: readonly Float32Array[], frames: number): void {
    for (let c = 0; c < this.dithers.length; c++) {
      this.one[0] = chans[c]!;
      this.dithers[c]!.process(this.one, frames);
    }
  }
}
