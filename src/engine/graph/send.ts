/**
 * A send from a strip to a bus or fx input: smoothed level, pre- or post-fader tap. A mono source
 * feeds both sides of a stereo destination at -3.01 dB (the centre of the pan law), so a channel
 * reaching the master through a subgroup bus has the level it has when panned straight there.
 * A stereo source into a mono destination is summed at half level each side.
 *
 * The summing loops live in this file (not imported) so the hot path makes direct calls. With the
 * native kernels the graph queues the same sums as jobs instead (queue, queueFold: mix-batch.ts),
 * and these loops stay the reference the native ones are tested against.
 */
import type { ParamBinder } from '../types.ts';
import { GainRamp } from './gain-ramp.ts';
import type { Strip } from './strip.ts';
import { OP_FOLD, OP_MONO, OP_STEREO, OP_ST2MONO, type MixBatch } from '../native/mix-batch.ts';
import type { FilterPool } from '../native/biquad-batch.ts';

/**
 * Where sends add up: the destination's sides, plus (for a stereo destination) one mono sum for its
 * mono sources, spread to both sides once per block by fold() instead of twice per send.
 */
export class SendInput {
  readonly sides: readonly Float32Array[];
  readonly mono: Float32Array;
  /** With a pool (the sides must be in it too): the sides' and the mono sum's indices in pool.f32. */
  readonly sideAt: Int32Array;
  readonly monoAt: number = -1;

  constructor(sides: readonly Float32Array[], maxBlock: number, pool?: FilterPool) {
    this.sides = sides;
    const n = sides.length === 2 ? maxBlock : 0;
    this.mono = pool && n > 0 ? pool.floats(n) : new Float32Array(n);
    this.sideAt = new Int32Array(sides.length);
    if (pool) {
      sides.forEach((s, k) => (this.sideAt[k] = pool.at32(s)));
      if (n > 0) this.monoAt = pool.at32(this.mono);
    }
  }

  /** Floats a SendInput with `sides` sides takes from a pool. */
  static poolSize(sides: number, maxBlock: number): number {
    return sides === 2 ? maxBlock : 0;
  }

  /** Audio thread (pooled): fold() as a job of `mix`. */
  queueFold(mix: MixBatch): void {
    if (this.sides.length !== 2) return;
    mix.job(OP_FOLD, this.monoAt, -1, this.sideAt[0]!, this.sideAt[1]!, -1, 0, 0);
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
  /** With the native mix kernels: this send's own ramp (a job reads it at the flush) and its index. */
  private readonly ownRamp: Float32Array;
  private readonly rampAt: number = -1;

  /** `pool`: the native mix kernels' pool (queue()); the ramp then comes from it (poolSize floats). */
  constructor(
    sampleRate: number,
    private readonly from: Strip,
    private readonly into: SendInput,
    pool?: FilterPool,
  ) {
    this.level = new GainRamp(sampleRate, 0);
    this.ownRamp = pool ? pool.floats(from.ramp.length) : from.ramp;
    if (pool) this.rampAt = pool.at32(this.ownRamp);
  }

  /** Floats a Send takes from a pool. */
  static poolSize(maxBlock: number): number {
    return maxBlock;
  }

  /**
   * Audio thread (pooled): process() as a job of `mix`, the same arithmetic (mix.c): the source
   * (pre or post fader), the destination and the gain as process()/mix() pick them.
   */
  queue(mix: MixBatch, frames: number): void {
    const level = this.level;
    let k = 1;
    let ramp = -1;
    if (level.left > 0) {
      level.fill(this.ownRamp, frames);
      ramp = this.rampAt;
    } else if (level.target !== 0) k = level.target;
    else return;
    const from = this.from;
    const src = this.pre ? from.bufAt : from.postAt;
    const to = this.into.sideAt;
    let o: number;
    if (src.length === 1) {
      o = mix.job(OP_MONO, src[0]!, -1, to.length === 1 ? to[0]! : this.into.monoAt, -1, ramp, 0, 0);
    } else if (to.length === 2) {
      o = mix.job(OP_STEREO, src[0]!, src[1]!, to[0]!, to[1]!, ramp, 0, 0);
    } else {
      o = mix.job(OP_ST2MONO, src[0]!, src[1]!, to[0]!, -1, ramp, 0, 0);
      k *= 0.5;
    }
    mix.params[o] = k;
  }

  /** Audio thread (pooled): every send of one strip as jobs of `mix`. */
  static queueAll(sends: readonly Send[], mix: MixBatch, frames: number): void {
    for (let i = 0; i < sends.length; i++) sends[i]!.queue(mix, frames);
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
