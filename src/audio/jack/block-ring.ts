/**
 * A lock-free single-producer single-consumer ring of audio blocks in a SharedArrayBuffer: how the
 * JACK process callback (native, src: native/jack-bridge/src/ring.h) and the engine worker hand
 * blocks to each other. Each slot holds one block of planar float32 channels and the number of the
 * device cycle it belongs to, so a reader can tell a block that is due from one that came too late.
 *
 * The layout is written into the header by createBlockRing and read back by both sides (the native
 * side never assumes it), so it exists in one place:
 *
 *   Int32 [0]                 head: blocks written (wraps as int32)
 *   Int32 [16]                tail: blocks read (its own cache line)
 *   Int32 [32..35]            slots, channels, frames, data offset (in floats)
 *   Int32 [64 .. 64+slots)    cycle number of each slot's block
 *   Float32 [data ..]         slot s, channel c starts at data + (s * channels + c) * frames
 *
 * The producer fills the slot at `head & (slots-1)` and then publishes it by storing head + 1; the
 * consumer reads the slot at `tail & (slots-1)` and then frees it by storing tail + 1 (sequentially
 * consistent stores, which order the plain data writes before them on both sides). Nothing here
 * allocates after construction: each slot's channel views are made once.
 */

export const HEAD = 0;
export const TAIL = 16;
const LAYOUT = 32;
const SEQ = 64;

export interface BlockRingBuffers {
  readonly sab: SharedArrayBuffer;
}

/** Allocates a ring of `slots` (a power of two ≥ 2) blocks of `channels` × `frames` float32 samples. */
export function createBlockRing(slots: number, channels: number, frames: number): BlockRingBuffers {
  if (!Number.isInteger(Math.log2(slots)) || slots < 2 || slots > 1024) throw new TypeError(`"slots" must be a power of two 2..1024, got ${slots}`);
  if (!Number.isInteger(channels) || channels < 0 || channels > 1024) throw new TypeError(`"channels" must be an integer 0..1024, got ${channels}`);
  if (!Number.isInteger(frames) || frames < 1 || frames > 16384) throw new TypeError(`"frames" must be an integer 1..16384, got ${frames}`);
  const data = SEQ + slots;
  const sab = new SharedArrayBuffer((data + slots * Math.max(1, channels) * frames) * 4);
  const h = new Int32Array(sab, 0, SEQ);
  h[LAYOUT] = slots;
  h[LAYOUT + 1] = channels;
  h[LAYOUT + 2] = frames;
  h[LAYOUT + 3] = data;
  return { sab };
}

/** One end (or both, in tests) of a ring made by createBlockRing. */
export class BlockRing {
  readonly slots: number;
  readonly channels: number;
  readonly frames: number;
  /** The head and tail counters, for Atomics.wait/notify by JavaScript producers and consumers. */
  readonly ctl: Int32Array;
  private readonly seq: Int32Array;
  private readonly views: Float32Array[][];
  private readonly mask: number;

  constructor(readonly buffers: BlockRingBuffers) {
    const h = new Int32Array(buffers.sab, 0, SEQ);
    this.slots = h[LAYOUT]!;
    this.channels = h[LAYOUT + 1]!;
    this.frames = h[LAYOUT + 2]!;
    const data = h[LAYOUT + 3]!;
    this.ctl = h;
    this.mask = this.slots - 1;
    this.seq = new Int32Array(buffers.sab, SEQ * 4, this.slots);
    this.views = Array.from({ length: this.slots }, (_, s) =>
      Array.from({ length: this.channels }, (_, c) => new Float32Array(buffers.sab, (data + (s * this.channels + c) * this.frames) * 4, this.frames)),
    );
  }

  /** Blocks ready to read. */
  get readable(): number {
    return (Atomics.load(this.ctl, HEAD) - Atomics.load(this.ctl, TAIL)) | 0;
  }

  /** Free slots. */
  get writable(): number {
    return this.slots - this.readable;
  }

  // ---- producer ----

  /** The slot the producer fills next, or -1 when the ring is full. */
  writeSlot(): number {
    const head = Atomics.load(this.ctl, HEAD);
    if (((head - Atomics.load(this.ctl, TAIL)) | 0) >= this.slots) return -1;
    return head & this.mask;
  }

  /** Publishes the slot from writeSlot() as the block of device cycle `cycle`. */
  commitWrite(cycle: number): void {
    const head = Atomics.load(this.ctl, HEAD);
    this.seq[head & this.mask] = cycle;
    Atomics.store(this.ctl, HEAD, (head + 1) | 0);
  }

  // ---- consumer ----

  /** The slot the consumer reads next, or -1 when the ring is empty. */
  readSlot(): number {
    const tail = Atomics.load(this.ctl, TAIL);
    if (tail === Atomics.load(this.ctl, HEAD)) return -1;
    return tail & this.mask;
  }

  /** Frees the slot from readSlot(). */
  commitRead(): void {
    Atomics.store(this.ctl, TAIL, (Atomics.load(this.ctl, TAIL) + 1) | 0);
  }

  // ---- either side ----

  /** Channel `c` of `slot` (a view made once: no allocation). */
  channel(slot: number, c: number): Float32Array {
    return this.views[slot]![c]!;
  }

  /** The device cycle of the block in `slot`. */
  cycleOf(slot: number): number {
    return this.seq[slot]!;
  }
}
