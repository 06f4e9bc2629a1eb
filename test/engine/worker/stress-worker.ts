/**
 * One side of a two-thread stress test of the engine's shared-memory channels (see
 * shared-memory.test.ts): a writer that hammers for a fixed number of iterations, or a reader that
 * checks every value it sees was written whole and in order. Both start on the same shared flag so
 * they overlap as much as the machine lets them.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { MeterSnapshotReader, MeterSnapshotWriter, STATUS, type MeterSnapshotBuffers } from '../../../src/engine/worker/meter-snapshot.ts';
import { ParamQueueReader, ParamQueueWriter, type ParamQueueBuffers } from '../../../src/engine/worker/param-queue.ts';

export interface StressJob {
  readonly role: 'snapshot-writer' | 'snapshot-reader' | 'queue-writer' | 'queue-reader';
  /** [0]: go (set by the main thread), [1]: writer done, [2]: workers ready. */
  readonly flags: SharedArrayBuffer;
  readonly iterations: number;
  readonly snapshot?: MeterSnapshotBuffers;
  readonly queue?: ParamQueueBuffers;
}

export interface StressResult {
  readonly role: StressJob['role'];
  /** Snapshots read or changes drained. */
  readonly seen: number;
  /** Values read that no single write produced (torn), or out of order. */
  readonly bad: number;
  readonly firstBad?: string;
}

/** The param index the queue writer pairs with change number `k`, so the reader can tell a pair that belongs together. */
export const indexFor = (k: number): number => (k * 7919) % 1021;

const job = workerData as StressJob;
const flags = new Int32Array(job.flags);
Atomics.add(flags, 2, 1);
Atomics.notify(flags, 2);
while (Atomics.load(flags, 0) === 0) Atomics.wait(flags, 0, 0, 50);

function snapshotWriter(b: MeterSnapshotBuffers): StressResult {
  const w = new MeterSnapshotWriter(b);
  const meters = new Float64Array(b.size);
  const status = new Float64Array(STATUS.count);
  const indexes = Int32Array.from({ length: b.size }, (_, i) => i);
  for (let k = 1; k <= job.iterations; k++) {
    meters.fill(k);
    status.fill(k);
    w.publish(meters, indexes, status);
  }
  Atomics.store(flags, 1, 1);
  return { role: job.role, seen: job.iterations, bad: 0 };
}

function snapshotReader(b: MeterSnapshotBuffers): StressResult {
  const r = new MeterSnapshotReader(b);
  let seen = 0;
  let bad = 0;
  let last = 0;
  let firstBad: string | undefined;
  const check = (): void => {
    if (!r.read()) return;
    seen++;
    // A whole publication holds one number everywhere; a torn copy mixes two.
    const v = r.values;
    const k = v[0]!;
    let torn = k < last;
    for (let i = 1; i < v.length && !torn; i++) if (v[i] !== k) torn = true;
    if (torn) {
      bad++;
      firstBad ??= `snapshot ${seen}: slot 0 = ${k}, last whole = ${last}, values ${[...new Set(v)].slice(0, 4).join(', ')}`;
    } else last = k;
  };
  while (Atomics.load(flags, 1) === 0) check();
  check();
  return { role: job.role, seen, bad, ...(firstBad ? { firstBad } : {}) };
}

function queueWriter(b: ParamQueueBuffers): StressResult {
  const w = new ParamQueueWriter(b);
  for (let k = 0; k < job.iterations; k++) {
    // Spin while the ring is full rather than let changes coalesce: every change must arrive.
    if (!w.push(indexFor(k), k + 0.5)) while (w.flush() > 0);
  }
  Atomics.store(flags, 1, 1);
  return { role: job.role, seen: job.iterations, bad: 0 };
}

function queueReader(b: ParamQueueBuffers): StressResult {
  const r = new ParamQueueReader(b);
  let next = 0;
  let bad = 0;
  let firstBad: string | undefined;
  const apply = (index: number, value: number): void => {
    if (index !== indexFor(next) || value !== next + 0.5) {
      bad++;
      firstBad ??= `change ${next}: got (${index}, ${value}), written (${indexFor(next)}, ${next + 0.5})`;
    }
    next++;
  };
  while (next < job.iterations) {
    r.drain(apply);
    // The writer is done and the ring empty, yet changes are missing: stop and report.
    if (Atomics.load(flags, 1) === 1 && r.drain(apply) === 0 && next < job.iterations) {
      bad++;
      firstBad ??= `${job.iterations - next} changes never arrived`;
      break;
    }
  }
  return { role: job.role, seen: next, bad, ...(firstBad ? { firstBad } : {}) };
}

const result =
  job.role === 'snapshot-writer'
    ? snapshotWriter(job.snapshot!)
    : job.role === 'snapshot-reader'
      ? snapshotReader(job.snapshot!)
      : job.role === 'queue-writer'
        ? queueWriter(job.queue!)
        : queueReader(job.queue!);
parentPort!.postMessage(result);
