import type { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { BlockRing, createBlockRing, HEAD, TAIL } from '../../../src/audio/jack/block-ring.ts';
import { tsWorker } from '../../../src/engine/worker/ts-worker.ts';
import type { RingWorkerData } from './ring-worker.ts';

const entry = new URL('./ring-worker.ts', import.meta.url);

function finished(w: Worker): Promise<{ ok: boolean; blocks?: number; waits?: number; error?: string }> {
  return new Promise((resolve, reject) => {
    w.once('message', resolve);
    w.once('error', reject);
    w.once('exit', (code) => reject(new Error(`ring worker exited with ${code} before reporting`)));
  });
}

async function hammer(slots: number, channels: number, frames: number, blocks: number, startAt = 0) {
  const buffers = createBlockRing(slots, channels, frames);
  const ring = new BlockRing(buffers);
  // Both counters start where the test says: near 2^31 they wrap during the run.
  Atomics.store(ring.ctl, HEAD, startAt);
  Atomics.store(ring.ctl, TAIL, startAt);
  const reader = tsWorker(entry, { role: 'reader', buffers, blocks } satisfies RingWorkerData);
  const writer = tsWorker(entry, { role: 'writer', buffers, blocks } satisfies RingWorkerData);
  try {
    const results = [finished(reader), finished(writer)];
    // A side that fails stops; the other would wait for it for ever.
    const failed = new Promise<never>((_, reject) => {
      for (const p of results) void p.then((m) => !m.ok && reject(new Error(m.error)), reject);
    });
    const [r, w] = await Promise.race([Promise.all(results), failed]);
    return { reader: r, writer: w, ring };
  } finally {
    await Promise.all([reader.terminate(), writer.terminate()]);
  }
}

describe('block ring', () => {
  it('hands every block from a writer thread to a reader thread whole and in order, through a small ring', async () => {
    const { reader, writer, ring } = await hammer(2, 3, 64, 20_000);
    expect(writer).toMatchObject({ ok: true, blocks: 20_000 });
    expect(reader).toMatchObject({ ok: true, blocks: 20_000 });
    expect(ring.readable).toBe(0);
  }, 60_000);

  it('keeps order while its counters wrap past 2^31', async () => {
    const { reader, writer } = await hammer(8, 2, 32, 5_000, 0x7fff_f000);
    expect(writer).toMatchObject({ ok: true });
    expect(reader).toMatchObject({ ok: true, blocks: 5_000 });
  }, 60_000);

  it('refuses to write into a full ring and to read from an empty one', () => {
    const ring = new BlockRing(createBlockRing(4, 1, 8));
    expect(ring.readSlot()).toBe(-1);
    for (let k = 0; k < 4; k++) {
      const slot = ring.writeSlot();
      expect(slot).toBe(k);
      ring.channel(slot, 0).fill(k + 1);
      ring.commitWrite(100 + k);
    }
    expect(ring.writeSlot()).toBe(-1);
    expect(ring.readable).toBe(4);
    const first = ring.readSlot();
    expect(ring.cycleOf(first)).toBe(100);
    expect(ring.channel(first, 0)[7]).toBe(1);
    ring.commitRead();
    expect(ring.writeSlot()).toBe(0);
    expect(ring.writable).toBe(1);
  });

  it('says what is wrong with a ring it cannot make', () => {
    expect(() => createBlockRing(3, 2, 128)).toThrow(/"slots" must be a power of two/);
    expect(() => createBlockRing(8, -1, 128)).toThrow(/"channels"/);
    expect(() => createBlockRing(8, 2, 0)).toThrow(/"frames"/);
  });

  it('keeps its layout in its own header, where the other end reads it', () => {
    const buffers = createBlockRing(16, 5, 96);
    const other = new BlockRing(buffers);
    expect({ slots: other.slots, channels: other.channels, frames: other.frames }).toEqual({ slots: 16, channels: 5, frames: 96 });
    // Channel views do not overlap: the last sample of one is followed by the first of the next.
    const a = other.channel(3, 4);
    const b = other.channel(4, 0);
    expect(b.byteOffset - a.byteOffset).toBe(96 * 4);
  });
});
