/**
 * One end of a block ring in a worker thread, for the cross-thread test: the writer fills `blocks`
 * blocks with a pattern that names the block, channel and frame; the reader checks every block it
 * reads is that block, whole, in order. A side that cannot go on spins a while (so that it looks at
 * the other side's counter the moment it moves, where ordering bugs show) and then waits on it
 * (Atomics.wait); it posts { ok, blocks, waits } or { ok: false, error } at the end.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { BlockRing, HEAD, TAIL, type BlockRingBuffers } from '../../../src/audio/jack/block-ring.ts';

export interface RingWorkerData {
  readonly role: 'writer' | 'reader';
  readonly buffers: BlockRingBuffers;
  readonly blocks: number;
}

/** The value a block carries: exact in float32 (integers below 2^24). */
export const sample = (block: number, channel: number, frame: number): number => ((block * 7919 + channel * 131 + frame) % 1_000_003) + 1;

const { role, buffers, blocks } = workerData as RingWorkerData;
const ring = new BlockRing(buffers);
let waits = 0;
let spins = 0;

/** Spins first, then sleeps on the counter until it moves (or 50 ms pass). */
function idle(counter: number): void {
  if (++spins % 2000 !== 0) return;
  waits++;
  Atomics.wait(ring.ctl, counter, Atomics.load(ring.ctl, counter), 50);
}

function write(): void {
  for (let k = 0; k < blocks; k++) {
    let slot = ring.writeSlot();
    while (slot < 0) {
      idle(TAIL);
      slot = ring.writeSlot();
    }
    for (let c = 0; c < ring.channels; c++) {
      const ch = ring.channel(slot, c);
      for (let i = 0; i < ring.frames; i++) ch[i] = sample(k, c, i);
    }
    ring.commitWrite(k);
    Atomics.notify(ring.ctl, HEAD);
  }
}

function read(): void {
  for (let k = 0; k < blocks; k++) {
    let slot = ring.readSlot();
    while (slot < 0) {
      idle(HEAD);
      slot = ring.readSlot();
    }
    if (ring.cycleOf(slot) !== k) throw new Error(`block ${k} read as block ${ring.cycleOf(slot)}`);
    for (let c = 0; c < ring.channels; c++) {
      const ch = ring.channel(slot, c);
      for (let i = 0; i < ring.frames; i++)
        if (ch[i] !== sample(k, c, i)) throw new Error(`block ${k} channel ${c} frame ${i}: ${ch[i]} instead of ${sample(k, c, i)} (a torn or overwritten block)`);
    }
    ring.commitRead();
    Atomics.notify(ring.ctl, TAIL);
  }
}

try {
  if (role === 'writer') write();
  else read();
  parentPort!.postMessage({ ok: true, blocks, waits });
} catch (e) {
  parentPort!.postMessage({ ok: false, error: (e as Error).message });
}
