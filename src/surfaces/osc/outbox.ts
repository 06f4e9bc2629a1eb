/**
 * Per-client feedback queue with coalescing: the latest value per address wins, so a fader storm
 * sends each client at most one message per address per flush. Fast entries flush on the next
 * turn of the event loop; slow ones (meters) at a fixed rate.
 *
 * Every client's queue is bounded, whatever its transport (#14): a client whose connection does not
 * drain (`congested`: a WebSocket whose send buffer is full, a UDP socket whose send queue backs up)
 * is not written to; its values wait here, coalesced, so what waits is at most one value per address.
 * A client that stays congested for `stallMs`, or whose waiting addresses reach `maxPending`, is
 * dropped (`onDrop` with the reason: the owner closes it, logs it and forgets its subscription). A
 * client that drains is never dropped: reaching `maxPending` then just sends what waits at once.
 *
 *   const box = new Outbox((peer, address, args) => sock.send(...), { maxPending: 1024, slowRateHz: 30,
 *     congested: (peer) => ws(peer).bufferedAmount > 256 * 1024, onDrop: (peer, why) => ws(peer).terminate() });
 *   box.put('127.0.0.1:9001', '/ch/1/fader', [{ type: 'f', value: -6 }]);
 *   // teardown: box.close() clears timers and pending entries.
 */
import type { OscArg } from '../types.ts';

export type OutboxSend = (peer: string, address: string, args: readonly OscArg[]) => void;

export interface OutboxOptions {
  /** Distinct addresses waiting per client (fast and slow together). Default 1024. */
  readonly maxPending?: number;
  readonly slowRateHz?: number;
  /** Whether a client's connection cannot take more now. Default: never. */
  readonly congested?: (peer: string) => boolean;
  /** How long a client may stay congested before it is dropped. Default 5 s. */
  readonly stallMs?: number;
  /** Called once when a client is dropped; its queue is already forgotten. */
  readonly onDrop?: (peer: string, reason: string) => void;
  readonly now?: () => number;
}

type Queue = Map<string, readonly OscArg[]>;

/** How often a held (congested) client is looked at again. */
const RETRY_MS = 20;

export class Outbox {
  private readonly fast = new Map<string, Queue>();
  private readonly slow = new Map<string, Queue>();
  /** Congested clients: since when. */
  private readonly stalled = new Map<string, number>();
  private immediate: NodeJS.Immediate | undefined;
  private interval: NodeJS.Timeout | undefined;
  private retry: NodeJS.Timeout | undefined;
  private readonly maxPending: number;
  private readonly slowMs: number;
  private readonly stallMs: number;
  private readonly congested: (peer: string) => boolean;
  private readonly now: () => number;
  /** Values that could not be queued (kept for callers that count losses; now only after close). */
  dropped = 0;
  /** Clients dropped because their connection did not drain. */
  droppedClients = 0;
  /** Flushes that held a congested client's values back. */
  held = 0;
  /** The most values ever waiting for one client: the bound, measured. */
  peakPending = 0;

  constructor(
    private readonly sendFn: OutboxSend,
    private readonly opts: OutboxOptions = {},
  ) {
    this.maxPending = opts.maxPending ?? 1024;
    this.slowMs = 1000 / (opts.slowRateHz ?? 30);
    this.stallMs = opts.stallMs ?? 5000;
    this.congested = opts.congested ?? (() => false);
    this.now = opts.now ?? Date.now;
  }

  put(peer: string, address: string, args: readonly OscArg[], slow = false): void {
    const maps = slow ? this.slow : this.fast;
    let m = maps.get(peer);
    if (!m) maps.set(peer, (m = new Map()));
    if (!m.has(address) && this.pending(peer) >= this.maxPending) {
      if (this.congested(peer)) {
        this.drop(peer, `${this.pending(peer)} values waiting while its connection does not drain`);
        return;
      }
      // A client that keeps up gets what waits at once rather than losing a value.
      this.flushPeer(peer);
      maps.set(peer, (m = new Map()));
    }
    m.set(address, args);
    const n = this.pending(peer);
    if (n > this.peakPending) this.peakPending = n;
    if (slow) {
      this.interval ??= setInterval(() => this.flushSlow(), this.slowMs);
    } else {
      this.immediate ??= setImmediate(() => this.flushFast());
    }
  }

  /** Values waiting for a client. */
  pending(peer: string): number {
    return (this.fast.get(peer)?.size ?? 0) + (this.slow.get(peer)?.size ?? 0);
  }

  /** Values waiting for every client together. */
  get totalPending(): number {
    let n = 0;
    for (const m of this.fast.values()) n += m.size;
    for (const m of this.slow.values()) n += m.size;
    return n;
  }

  /** Forgets what is queued for a client that left. */
  forget(peer: string): void {
    this.fast.delete(peer);
    this.slow.delete(peer);
    this.stalled.delete(peer);
  }

  private drop(peer: string, reason: string): void {
    this.forget(peer);
    this.droppedClients++;
    this.opts.onDrop?.(peer, reason);
  }

  /** Sends what waits for a client, unless its connection is congested (then it keeps waiting). */
  private drainPeer(maps: Map<string, Queue>, peer: string, m: Queue): void {
    if (this.congested(peer)) {
      this.held++;
      const since = this.stalled.get(peer) ?? this.now();
      this.stalled.set(peer, since);
      if (this.now() - since >= this.stallMs) {
        this.drop(peer, `its connection has not drained for ${Math.round((this.now() - since) / 1000)} s`);
        return;
      }
      // Newer values that arrived meanwhile stay newest.
      const newer = maps.get(peer);
      if (newer) for (const [a, v] of m) if (!newer.has(a)) newer.set(a, v);
      maps.set(peer, newer ?? m);
      this.retry ??= setTimeout(() => {
        this.retry = undefined;
        this.flushFast();
      }, RETRY_MS);
      return;
    }
    this.stalled.delete(peer);
    for (const [address, args] of m) this.sendFn(peer, address, args);
  }

  private flushPeer(peer: string): void {
    for (const maps of [this.fast, this.slow]) {
      const m = maps.get(peer);
      if (!m) continue;
      maps.delete(peer);
      for (const [address, args] of m) this.sendFn(peer, address, args);
    }
  }

  private drain(maps: Map<string, Queue>): void {
    const entries = [...maps];
    maps.clear();
    for (const [peer, m] of entries) this.drainPeer(maps, peer, m);
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
    if (this.retry) clearTimeout(this.retry);
    this.immediate = undefined;
    this.interval = undefined;
    this.retry = undefined;
    this.fast.clear();
    this.slow.clear();
    this.stalled.clear();
  }
}
