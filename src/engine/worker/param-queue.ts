/**
 * Param changes from the control plane to the engine worker: a single-producer single-consumer ring
 * of (index, value) pairs in a SharedArrayBuffer. The producer never blocks: when the ring is full,
 * changes wait in a latest-value-wins map on the control side and go in at the next flush. The
 * consumer (audio thread) drains without allocating.
 */

const HEAD = 0; // next slot the producer writes
const TAIL = 1; // next slot the consumer reads
const HEADER_BYTES = 8;

export interface ParamQueueBuffers {
  readonly sab: SharedArrayBuffer;
  readonly capacity: number;
}

/** Allocates the shared memory for a queue of `capacity` (a power of two) entries. */
export function createParamQueueBuffers(capacity = 4096): ParamQueueBuffers {
  if (!Number.isInteger(Math.log2(capacity)) || capacity < 2) throw new TypeError(`"capacity" must be a power of two ≥ 2, got ${capacity}`);
  return { sab: new SharedArrayBuffer(HEADER_BYTES + capacity * 4 + capacity * 8), capacity };
}

function views(b: ParamQueueBuffers): { ctl: Int32Array; idx: Int32Array; val: Float64Array } {
  const valOffset = HEADER_BYTES + b.capacity * 4;
  // Float64Array needs an 8-byte aligned offset; capacity is a power of two ≥ 2 so it is.
  return {
    ctl: new Int32Array(b.sab, 0, 2),
    idx: new Int32Array(b.sab, HEADER_BYTES, b.capacity),
    val: new Float64Array(b.sab, valOffset, b.capacity),
  };
}

/** Control side. */
export class ParamQueueWriter {
  private readonly ctl: Int32Array;
  private readonly idx: Int32Array;
  private readonly val: Float64Array;
  private readonly mask: number;
  private readonly pending = new Map<number, number>();
  /** Changes that had to wait for room (and were coalesced when superseded). */
  overflowed = 0;

  constructor(readonly buffers: ParamQueueBuffers) {
    ({ ctl: this.ctl, idx: this.idx, val: this.val } = views(buffers));
    this.mask = buffers.capacity - 1;
  }

  /** Queues a change; never blocks. Returns false when it had to wait in the coalescing map. */
  push(index: number, value: number): boolean {
    // While anything waits, newer changes wait too: otherwise a flushed older value would win.
    if (this.pending.size > 0) this.flush();
    if (this.pending.size === 0 && this.tryPush(index, value)) return true;
    this.pending.delete(index);
    this.pending.set(index, value);
    this.overflowed++;
    return false;
  }

  /** Moves waiting changes into the ring as room allows; returns how many still wait. */
  flush(): number {
    for (const [i, v] of this.pending) {
      if (!this.tryPush(i, v)) break;
      this.pending.delete(i);
    }
    return this.pending.size;
  }

  get waiting(): number {
    return this.pending.size;
  }

  private tryPush(index: number, value: number): boolean {
    const head = Atomics.load(this.ctl, HEAD);
    const tail = Atomics.load(this.ctl, TAIL);
    if (((head - tail) | 0) >= this.buffers.capacity) return false;
    const slot = head & this.mask;
    this.idx[slot] = index;
    this.val[slot] = value;
    Atomics.store(this.ctl, HEAD, (head + 1) | 0);
    return true;
  }
}

/** Audio side: drain() applies every queued change in order, allocation-free. */
export class ParamQueueReader {
  private readonly ctl: Int32Array;
  private readonly idx: Int32Array;
  private readonly val: Float64Array;
  private readonly mask: number;

  constructor(buffers: ParamQueueBuffers) {
    ({ ctl: this.ctl, idx: this.idx, val: this.val } = views(buffers));
    this.mask = buffers.capacity - 1;
  }

  /** Applies queued changes through `apply`; returns how many. */
  drain(apply: (index: number, value: number) => void): number {
    const head = Atomics.load(this.ctl, HEAD);
    let tail = Atomics.load(this.ctl, TAIL);
    let n = 0;
    while (tail !== head) {
      const slot = tail & this.mask;
      apply(this.idx[slot]!, this.val[slot]!);
      tail = (tail + 1) | 0;
      n++;
    }
    Atomics.store(this.ctl, TAIL, tail);
    return n;
  }
}
