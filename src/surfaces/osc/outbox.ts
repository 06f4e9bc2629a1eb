/**
 * Per-client feedback queue with coalescing: the latest value per address wins, so a fader storm
 * sends each client at most one message per address per flush. Fast entries flush on the next
 * turn of the event loop; slow ones (meters) at a fixed rate. The queue is bounded: a new address
 * beyond `maxPending` is dropped and counted (existing addresses still update).
 *
 *   const box = new Outbox((peer, address, args) => sock.send(...), { maxPending: 1024, slowRateHz: 30 });
 *   box.put('127.0.0.1:9001', '/ch/1/fader', [{ type: 'f', value: -6 }]);
 *   // teardown: box.close() clears timers and pending entries.
 */
import type { OscArg } from '../types.ts';

export type OutboxSend = (peer: string, address: string, args: readonly OscArg[]) => void;

export interface OutboxOptions {
  readonly maxPending?: number;
  readonly slowRateHz?: number;
}

export class Outbox {
  private readonly fast = new Map<string, Map<string, readonly OscArg[]>>();
  private readonly slow = new Map<string, Map<string, readonly OscArg[]>>();
  private immediate: NodeJS.Immediate | undefined;
  private interval: NodeJS.Timeout | undefined;
  private readonly maxPending: number;
  private readonly slowMs: number;
  dropped = 0;

  constructor(
    private readonly sendFn: OutboxSend,
    opts: OutboxOptions = {},
  ) {
    this.maxPending = opts.maxPending ?? 1024;
    this.slowMs = 1000 / (opts.slowRateHz ?? 30);
  }

  put(peer: string, address: string, args: readonly OscArg[], slow = false): void {
    const maps = slow ? this.slow : this.fast;
    let m = maps.get(peer);
    if (!m) maps.set(peer, (m = new Map()));
    if (!m.has(address) && m.size >= this.maxPending) {
      this.dropped++;
      return;
    }
    m.set(address, args);
    if (slow) {
      this.interval ??= setInterval(() => this.flushSlow(), this.slowMs);
    } else {
      this.immediate ??= setImmediate(() => this.flushFast());
    }
  }

  /** Forgets what is queued for a client that left. */
  forget(peer: string): void {
    this.fast.delete(peer);
    this.slow.delete(peer);
  }

  private drain(maps: Map<string, Map<string, readonly OscArg[]>>): void {
    const entries = [...maps];
    maps.clear();
    for (const [peer, m] of entries) for (const [address, args] of m) this.sendFn(peer, address, args);
  }

  private flushFast(): void {
    this.immediate = undefined;
    this.drain(this.fast);
  }

  private flushSlow(): void {
    if (this.slow.size === 0) {
      clearInterval(this.interval);
      this.interval = undefined;
      return;
    }
    this.drain(this.slow);
  }

  close(): void {
    if (this.immediate) clearImmediate(this.immediate);
    if (this.interval) clearInterval(this.interval);
    this.immediate = undefined;
    this.interval = undefined;
    this.fast.clear();
    this.slow.clear();
  }
}
