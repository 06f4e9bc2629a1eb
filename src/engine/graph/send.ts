/**
 * A send from a strip to a bus or fx input: smoothed level, pre- or post-fader tap. A mono source
 * feeds both sides of a stereo destination at -3.01 dB (the centre of the pan law), so a channel
 * reaching the master through a subgroup bus has the level it has when panned straight there.
 * A stereo source into a mono destination is summed at half level each side.
 *
 * The summing loops live in this file (not imported) so the hot path makes direct calls.
 */
import type { ParamBinder } from '../types.ts';
import { GainRamp } from './gain-ramp.ts';
import type { Strip } from './strip.ts';

/**
 * Where sends add up: the destination's sides, plus (for a stereo destination) one mono sum for its
 * mono sources, spread to both sides once per block by fold() instead of twice per send.
 */
export class SendInput {
  readonly sides: readonly Float32Array[];
  readonly mono: Float32Array;

  constructor(sides: readonly Float32Array[], maxBlock: number) {
    this.sides = sides;
    this.mono = new Float32Array(sides.length === 2 ? maxBlock : 0);
  }

  /** Audio thread: silence before the sends of a block. */
  clear(frames: number): void {
    for (const s of this.sides) s.fill(0, 0, frames);
    if (this.sides.length === 2) this.mono.fill(0, 0, frames);
  }

  /** Audio thread: adds the mono sum to both sides at the pan-law centre (-3.01 dB). */
  fold(frames: number): void {
    if (this.sides.length !== 2) return;
    const m = this.mono;
    const l = this.sides[0]!;
    const r = this.sides[1]!;
    const k = Math.SQRT1_2;
    for (let i = 0; i < frames; i++) {
      const v = m[i]! * k;
      l[i]! += v;
      r[i]! += v;
    }
  }
}

export class Send {
  private readonly level: GainRamp;
  private pre = false;
  /**
   * The gain the summing loops apply on top of the ramp (1 while ramping, else the level), handed to
   * them in a typed array: a double passed to a call V8 does not inline is boxed on the heap, and
   * in a large graph the inliner's budget runs out before it reaches these calls.
   */
  private readonly gain = new Float64Array(1);

  constructor(
    sampleRate: number,
    private readonly from: Strip,
    private readonly into: SendInput,
  ) {
    this.level = new GainRamp(sampleRate, 0);
  }

  /** Binds `${prefix}/level` and `${prefix}/pre`. */
  bindParams(bind: ParamBinder, prefix: string): void {
    bind(`${prefix}/level`, (v) => this.level.setDb(v, this.from.snap));
    bind(`${prefix}/pre`, (v) => {
      this.pre = v[0]! !== 0;
    });
  }

  /** Audio thread: adds this send into its destination. Call after the source's processPost(). */
  process(frames: number): void {
    const level = this.level;
    if (level.left > 0) {
      const ramp = this.from.ramp;
      level.fill(ramp, frames);
      this.gain[0] = 1;
      this.mix(ramp, frames);
    } else if (level.target !== 0) {
      this.gain[0] = level.target;
      this.mix(null, frames);
    }
  }

  /**
   * The one array this send adds its source into at a steady level, or null when it is ramping,
   * silent, or not mono to one array (those take process()).
   */
  private steadyMonoDest(): Float32Array | null {
    const level = this.level;
    if (level.left > 0 || level.target === 0) return null;
    const src = this.pre ? this.from.bufs : this.from.post;
    if (src.length !== 1) return null;
    const to = this.into.sides;
    this.gain[0] = level.target;
    return to.length === 1 ? to[0]! : this.into.mono;
  }

  private source(): Float32Array {
    return (this.pre ? this.from.bufs : this.from.post)[0]!;
  }

  /**
   * Audio thread: every send of one strip. Steady sends of a mono source run two at a time, in one
   * pass that reads the source once (sends are most of a channel's summing work).
   */
  static processAll(sends: readonly Send[], frames: number): void {
    let held: Send | null = null;
    let heldDest: Float32Array | null = null;
    for (let i = 0; i < sends.length; i++) {
      const s = sends[i]!;
      const dest = s.steadyMonoDest();
      if (dest === null) {
        s.process(frames);
      } else if (held !== null && heldDest !== null && held.source() === s.source()) {
        addMonoPair(s.source(), heldDest, held.gain, dest, s.gain, frames);
        held = null;
        heldDest = null;
      } else {
        if (held !== null) held.process(frames);
        held = s;
        heldDest = dest;
      }
    }
    if (held !== null) held.process(frames);
  }

  private mix(ramp: Float32Array | null, frames: number): void {
    const src = this.pre ? this.from.bufs : this.from.post;
    const to = this.into.sides;
    const g = this.gain;
    if (src.length === 1) addMono(src[0]!, to.length === 1 ? to[0]! : this.into.mono, g, ramp, frames);
    else if (to.length === 2) addStereo(src[0]!, src[1]!, to[0]!, to[1]!, g, ramp, frames);
    else addStereoToMono(src[0]!, src[1]!, to[0]!, g, ramp, frames);
  }
}

function addMono(x: Float32Array, d: Float32Array, g: Float64Array, ramp: Float32Array | null, frames: number): void {
  const k = g[0]!;
  if (ramp) for (let i = 0; i < frames; i++) d[i]! += x[i]! * ramp[i]! * k;
  else for (let i = 0; i < frames; i++) d[i]! += x[i]! * k;
}

function addStereo(xl: Float32Array, xr: Float32Array, dl: Float32Array, dr: Float32Array, g: Float64Array, ramp: Float32Array | null, frames: number): void {
  const k = g[0]!;
  if (ramp) {
    for (let i = 0; i < frames; i++) {
      const g = ramp[i]! * k;
      dl[i]! += xl[i]! * g;
      dr[i]! += xr[i]! * g;
    }
  } else {
    for (let i = 0; i < frames; i++) {
      dl[i]! += xl[i]! * k;
      dr[i]! += xr[i]! * k;
    }
  }
}

function addMonoPair(x: Float32Array, d1: Float32Array, g1: Float64Array, d2: Float32Array, g2: Float64Array, frames: number): void {
  const k1 = g1[0]!;
  const k2 = g2[0]!;
  for (let i = 0; i < frames; i++) {
    const v = x[i]!;
    d1[i]! += v * k1;
    d2[i]! += v * k2;
  }
}

/** A stereo source into a mono destination: each side at half the send's gain. */
function addStereoToMono(xl: Float32Array, xr: Float32Array, d: Float32Array, g: Float64Array, ramp: Float32Array | null, frames: number): void {
  const k = g[0]! * 0.5;
  if (ramp) for (let i = 0; i < frames; i++) d[i]! += (xl[i]! + xr[i]!) * ramp[i]! * k;
  else for (let i = 0; i < frames; i++) d[i]! += (xl[i]! + xr[i]!) * k;
}
