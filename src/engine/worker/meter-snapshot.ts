/**
 * Meters and health from the engine worker to the control plane: one shared snapshot guarded by a
 * sequence counter (a seqlock). The audio side publishes at a fixed rate without allocating or
 * waiting; the control side copies the newest consistent snapshot on its own timer, so any number of
 * engine updates between two reads coalesce into one.
 */

/**
 * Health slots that follow the meter values. loadMean/loadMax are those of the last closed status
 * period (see statusPeriods); `periods` is the number of the request that closed it.
 */
export const STATUS = {
  blocks: 0,
  late: 1,
  dropped: 2,
  loadMean: 3,
  loadMax: 4,
  periods: 5,
  /** The engine's own delay in frames (the limiter's look-ahead while it is in the path). */
  engineLatency: 6,
  count: 7,
} as const;

export interface MeterSnapshotBuffers {
  readonly sab: SharedArrayBuffer;
  readonly size: number;
}

/** The sequence counter, then the status-period counter (one Int32 each). */
const SEQ_BYTES = 8;

/** Shared memory for `size` meter values (indexed like the param registry) plus the health slots. */
export function createMeterSnapshotBuffers(size: number): MeterSnapshotBuffers {
  return { sab: new SharedArrayBuffer(SEQ_BYTES + (size + STATUS.count) * 8), size };
}

/**
 * The status-period counter: the control side adds 1 at the end of each status period, and the audio
 * side, at its next block, closes the DSP load figures over the blocks since the previous request. So
 * a period is the reader's, not a window of the engine's own, and every block counts in exactly one.
 */
export function statusPeriods(buffers: MeterSnapshotBuffers): Int32Array {
  return new Int32Array(buffers.sab, 4, 1);
}

export class MeterSnapshotWriter {
  private readonly seq: Int32Array;
  private readonly data: Float64Array;

  constructor(readonly buffers: MeterSnapshotBuffers) {
    this.seq = new Int32Array(buffers.sab, 0, 1);
    this.data = new Float64Array(buffers.sab, SEQ_BYTES, buffers.size + STATUS.count);
  }

  /** Audio side: copies meter values at `indexes` and the health figures. */
  publish(meters: Float64Array, indexes: Int32Array, status: Float64Array): void {
    Atomics.add(this.seq, 0, 1); // odd: writing
    const d = this.data;
    for (let k = 0; k < indexes.length; k++) {
      const i = indexes[k]!;
      d[i] = meters[i]!;
    }
    const base = this.buffers.size;
    for (let k = 0; k < STATUS.count; k++) d[base + k] = status[k]!;
    Atomics.add(this.seq, 0, 1); // even: consistent
  }
}

export class MeterSnapshotReader {
  private readonly seq: Int32Array;
  private readonly data: Float64Array;
  private lastSeq = 0;
  /** The newest consistent copy: meters by param index, then the health slots. */
  readonly values: Float64Array;

  constructor(readonly buffers: MeterSnapshotBuffers) {
    this.seq = new Int32Array(buffers.sab, 0, 1);
    this.data = new Float64Array(buffers.sab, SEQ_BYTES, buffers.size + STATUS.count);
    this.values = new Float64Array(buffers.size + STATUS.count);
  }

  /** Copies the snapshot if the engine published since the last read; returns whether it did. */
  read(): boolean {
    for (let attempt = 0; attempt < 8; attempt++) {
      const s1 = Atomics.load(this.seq, 0);
      if (s1 === this.lastSeq) return false;
      if (s1 & 1) continue;
      this.values.set(this.data);
      if (Atomics.load(this.seq, 0) === s1) {
        this.lastSeq = s1;
        return true;
      }
    }
    // The writer publishes at ~30 Hz and takes microseconds; the next timer tick will succeed.
    return false;
  }

  status(slot: number): number {
    return this.values[this.buffers.size + slot]!;
  }
}
