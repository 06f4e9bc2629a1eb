import { describe, expect, it } from 'vitest';
import { createParamQueueBuffers, ParamQueueReader, ParamQueueWriter } from '../../../src/engine/worker/param-queue.ts';

function drainAll(r: ParamQueueReader): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  r.drain((i, v) => out.push([i, v]));
  return out;
}

describe('param queue', () => {
  it('delivers changes in order, across the wrap of the ring', () => {
    const b = createParamQueueBuffers(8);
    const w = new ParamQueueWriter(b);
    const r = new ParamQueueReader(b);
    for (let round = 0; round < 5; round++) {
      for (let k = 0; k < 6; k++) expect(w.push(k, round * 10 + k)).toBe(true);
      expect(drainAll(r)).toEqual(Array.from({ length: 6 }, (_, k) => [k, round * 10 + k]));
    }
    expect(drainAll(r)).toEqual([]);
  });

  it('never blocks when full: waiting changes coalesce, latest value wins, and flush in later', () => {
    const b = createParamQueueBuffers(4);
    const w = new ParamQueueWriter(b);
    const r = new ParamQueueReader(b);
    for (let k = 0; k < 4; k++) w.push(k, k);
    expect(w.push(7, 1)).toBe(false);
    expect(w.push(8, 1)).toBe(false);
    expect(w.push(7, 2)).toBe(false); // supersedes the waiting 7=1
    expect(w.waiting).toBe(2);
    expect(w.overflowed).toBe(3);
    expect(drainAll(r)).toEqual([[0, 0], [1, 1], [2, 2], [3, 3]]);
    expect(w.flush()).toBe(0);
    expect(drainAll(r)).toEqual([[8, 1], [7, 2]]);
  });

  it('keeps newer changes behind waiting ones so an older value never lands last', () => {
    const b = createParamQueueBuffers(2);
    const w = new ParamQueueWriter(b);
    const r = new ParamQueueReader(b);
    w.push(1, 1);
    w.push(2, 1);
    w.push(3, 1); // waits
    r.drain(() => {}); // room again, but 3=1 still waits until the next push or flush
    w.push(3, 2);
    w.flush();
    const got = drainAll(r);
    expect(got.filter(([i]) => i === 3).at(-1)).toEqual([3, 2]);
  });

  it('works across threads: a worker reads what the main thread wrote through shared memory', async () => {
    const { Worker } = await import('node:worker_threads');
    const b = createParamQueueBuffers(1024);
    const w = new ParamQueueWriter(b);
    for (let k = 0; k < 500; k++) w.push(k, k / 2);
    // Plain JS worker: the ring layout is the contract, so it is read here by hand.
    const code = `const { workerData, parentPort } = require('node:worker_threads');
      const { sab, capacity } = workerData; const ctl = new Int32Array(sab, 0, 2);
      const idx = new Int32Array(sab, 8, capacity); const val = new Float64Array(sab, 8 + capacity * 4, capacity);
      let sum = 0, n = 0; const head = Atomics.load(ctl, 0);
      for (let t = Atomics.load(ctl, 1); t !== head; t++) { sum += idx[t & (capacity - 1)] + val[t & (capacity - 1)]; n++; }
      Atomics.store(ctl, 1, head); parentPort.postMessage({ sum, n });`;
    const worker = new Worker(code, { eval: true, workerData: b });
    const msg = await new Promise<{ sum: number; n: number }>((res) => worker.once('message', res));
    await worker.terminate();
    expect(msg.n).toBe(500);
    expect(msg.sum).toBe(Array.from({ length: 500 }, (_, k) => k + k / 2).reduce((a, x) => a + x, 0));
    expect(drainAll(new ParamQueueReader(b))).toEqual([]);
  });
});
