/**
 * The engine's two shared-memory channels under two threads at once: a writer and a reader in
 * separate worker threads hammer for a fixed number of iterations (not a time, so a slow machine only
 * takes longer), and the reader checks that every value it took was written whole and in order.
 * The meter snapshot's seqlock must never hand over a copy torn by a publication in progress; the
 * param queue must never let the reader at a slot before its data is in.
 *
 * A race shows only when both threads run at the same moment; on an idle machine with two cores they
 * do most of the time. A machine so loaded that they never overlap makes these tests pass without
 * proving much, never fail wrongly.
 */
import { describe, expect, it } from 'vitest';
import { tsWorker } from '../../../src/engine/worker/ts-worker.ts';
import { createMeterSnapshotBuffers } from '../../../src/engine/worker/meter-snapshot.ts';
import { createParamQueueBuffers } from '../../../src/engine/worker/param-queue.ts';
import type { StressJob, StressResult } from './stress-worker.ts';

const entry = new URL('./stress-worker.ts', import.meta.url);

/** Runs a writer and a reader worker on the same buffers, started together; resolves with both results. */
async function race(jobs: Array<Omit<StressJob, 'flags'>>): Promise<StressResult[]> {
  const flags = new SharedArrayBuffer(12);
  const f = new Int32Array(flags);
  const workers = jobs.map((j) => tsWorker(entry, { ...j, flags }));
  try {
    const results = workers.map(
      (w) =>
        new Promise<StressResult>((resolve, reject) => {
          w.once('message', resolve);
          w.once('error', reject);
          w.once('exit', (code) => reject(new Error(`stress worker exited with ${code} before reporting`)));
        }),
    );
    // Both threads loaded (tsx compiles each on its own), then go.
    while (Atomics.load(f, 2) < workers.length) await new Promise((r) => setTimeout(r, 10));
    Atomics.store(f, 0, 1);
    Atomics.notify(f, 0);
    return await Promise.all(results);
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

describe('shared memory between the control plane and the engine, two threads at once', () => {
  it('meter snapshot: every copy the reader takes is one whole publication, never older than the last', async () => {
    const snapshot = createMeterSnapshotBuffers(4096);
    const [writer, reader] = await race([
      { role: 'snapshot-writer', iterations: 40_000, snapshot },
      { role: 'snapshot-reader', iterations: 0, snapshot },
    ]);
    expect(writer!.seen).toBe(40_000);
    expect(reader!.seen).toBeGreaterThan(0);
    expect({ bad: reader!.bad, first: reader!.firstBad }).toEqual({ bad: 0, first: undefined });
  }, 120_000);

  it('param queue: every change arrives once, in order, with its own index and value', async () => {
    const queue = createParamQueueBuffers(64);
    const [writer, reader] = await race([
      { role: 'queue-writer', iterations: 200_000, queue },
      { role: 'queue-reader', iterations: 200_000, queue },
    ]);
    expect(writer!.seen).toBe(200_000);
    expect({ seen: reader!.seen, bad: reader!.bad, first: reader!.firstBad }).toEqual({ seen: 200_000, bad: 0, first: undefined });
  }, 120_000);
});
