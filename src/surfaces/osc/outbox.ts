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
 * Pacing (`pace`, src/surfaces/pacing.ts): a client's feedback leaves through a token bucket, `burst`
 * datagrams at once and then `rate` per second, so a scene recall reaches a tablet at a pace its
 * receive buffer survives; what waits meanwhile stays coalesced (latest value per address, in the
 * order the addresses first came). A paced client at `maxPending` sends its oldest waiting value for
 * each new address rather than everything at once. With `bundle` for a client, the values leave
 * packed into OSC bundles of up to its bundle size, each charged as the receive buffer it takes
 * (datagramCost: a 1400-byte bundle as three small datagrams).
 *
 *   const box = new Outbox((peer, address, args) => sock.send(...), { maxPending: 8192, slowRateHz: 30,
 *     congested: (peer) => ws(peer).bufferedAmount > 256 * 1024, onDrop: (peer, why) => ws(peer).terminate() });
 *   box.put('127.0.0.1:9001', '/ch/1/fader', [{ type: 'f', value: -6 }]);
 *   // teardown: box.close() clears timers and pending entries.
 */
import type { OscArg } from '../types.ts';
import { datagramCost, TokenBucket, type Pace } from '../pacing.ts';

export type OutboxSend = (peer: string, address: string, args: readonly OscArg[]) => void;

export interface OutboxOptions {
  /** Distinct addresses waiting per client (fast and slow together). Default 8192: a recall of every param of a big session waits whole. */
  readonly maxPending?: number;
  readonly slowRateHz?: number;
  /** Whether a client's connection cannot take more now. Default: never. */
  readonly congested?: (peer: string) => boolean;
  /** How long a client may stay congested before it is dropped. Default 5 s. */
  readonly stallMs?: number;
  /** Called once when a client is dropped; its queue is already forgotten. */
  readonly onDrop?: (peer: string, reason: string) => void;
  readonly now?: () => number;
  /** A client's pace (undefined: unpaced). Asked once per client while it has a bucket. */
  readonly pace?: (peer: string) => Pace | undefined;
  /** Largest bundle for a client (0: one message per datagram). Needs `encode` and `sendPacket`. */
  readonly bundleBytes?: (peer: string) => number;
  /** Encodes one message (undefined: it cannot be, and is skipped). */
  readonly encode?: (address: string, args: readonly OscArg[]) => Uint8Array | undefined;
  /** Sends one encoded packet (a bundle) to a client. */
  readonly sendPacket?: (peer: string, bytes: Uint8Array) => void;
}

type Queue = Map<string, readonly OscArg[]>;

/** How often a held (congested) client is looked at again. */
const RETRY_MS = 20;
/** "#bundle\0" and its time tag. */
const BUNDLE_HEAD = 16;

export class Outbox {
  private readonly fast = new Map<string, Queue>();
  private readonly slow = new Map<string, Queue>();
  /** Congested clients: since when. */
  private readonly stalled = new Map<string, number>();
  private immediate: NodeJS.Immediate | undefined;
  private interval: NodeJS.Timeout | undefined;
  private retry: NodeJS.Timeout | undefined;
  private retryDue = 0;
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
  /** Flushes that left values waiting for a paced client's next tokens. */
  paced = 0;
  /** Paced clients' buckets; forgotten once full again with nothing waiting. */
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(
    private readonly sendFn: OutboxSend,
    private readonly opts: OutboxOptions = {},
  ) {
    this.maxPending = opts.maxPending ?? 8192;
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
      if (this.bucketOf(peer)) {
        // Paced: the oldest waiting value leaves now, one per new address, not the whole queue.
        this.sendOldest(peer);
      } else {
        // A client that keeps up gets what waits at once rather than losing a value.
        this.flushPeer(peer);
        maps.set(peer, (m = new Map()));
      }
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
    this.buckets.delete(peer);
  }

  private bucketOf(peer: string): TokenBucket | undefined {
    let b = this.buckets.get(peer);
    if (b) return b;
    const pace = this.opts.pace?.(peer);
    if (!pace) return undefined;
    this.buckets.set(peer, (b = new TokenBucket(pace, this.now)));
    return b;
  }

  private sendOldest(peer: string): void {
    for (const maps of [this.fast, this.slow]) {
      const m = maps.get(peer);
      const first = m?.entries().next();
      if (!m || !first || first.done) continue;
      m.delete(first.value[0]);
      this.sendFn(peer, first.value[0], first.value[1]);
      return;
    }
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
      this.wake(RETRY_MS);
      return;
    }
    this.stalled.delete(peer);
    const bucket = this.bucketOf(peer);
    const bundle = this.opts.encode && this.opts.sendPacket ? (this.opts.bundleBytes?.(peer) ?? 0) : 0;
    if (!bucket && bundle === 0) {
      for (const [address, args] of m) this.sendFn(peer, address, args);
      return;
    }
    if (bundle > 0) {
      this.sendBundled(peer, m, bucket, bundle);
    } else {
      let n = bucket!.grant(m.size);
      for (const [address, args] of m) {
        if (n-- <= 0) break;
        m.delete(address);
        this.sendFn(peer, address, args);
      }
    }
    if (m.size === 0) {
      if (bucket?.idle) this.buckets.delete(peer);
      return;
    }
    // Out of tokens: the rest waits, in its order, newer values that came meanwhile winning.
    this.paced++;
    const newer = maps.get(peer);
    if (newer) for (const [a, v] of newer) m.set(a, v);
    maps.set(peer, m);
    this.wake(bucket ? bucket.waitMs(bundle > 0 ? datagramCost(bundle) : 1) : RETRY_MS);
  }

  /** Packs what waits into bundles of up to `maxBytes`, one token each; a lone message goes plain. */
  private sendBundled(peer: string, m: Queue, bucket: TokenBucket | undefined, maxBytes: number): void {
    const parts: Uint8Array[] = [];
    let size = BUNDLE_HEAD;
    // A full bundle's cost each: a bigger datagram takes more of the receiver's buffer.
    const cost = datagramCost(maxBytes);
    let n = bucket ? bucket.grant(m.size, cost) : Infinity;
    for (const [address, args] of m) {
      const bytes = this.opts.encode!(address, args);
      if (!bytes) {
        m.delete(address);
        continue;
      }
      if (parts.length > 0 && size + 4 + bytes.length > maxBytes) {
        this.sendParts(peer, parts, size);
        parts.length = 0;
        size = BUNDLE_HEAD;
      }
      if (parts.length === 0 && n-- <= 0) break;
      m.delete(address);
      parts.push(bytes);
      size += 4 + bytes.length;
    }
    if (parts.length > 0) this.sendParts(peer, parts, size);
    if (bucket && n > 0) bucket.refund(n * cost);
  }

  private sendParts(peer: string, parts: readonly Uint8Array[], size: number): void {
    if (parts.length === 1) return this.opts.sendPacket!(peer, parts[0]!);
    const out = Buffer.allocUnsafe(size);
    out.write('#bundle\0', 0, 'latin1');
    // Time tag 1: "immediately".
    out.writeUInt32BE(0, 8);
    out.writeUInt32BE(1, 12);
    let at = BUNDLE_HEAD;
    for (const p of parts) {
      out.writeInt32BE(p.length, at);
      out.set(p, at + 4);
      at += 4 + p.length;
    }
    this.opts.sendPacket!(peer, out);
  }

  /**
   * Flushes again in `ms` (the earliest of what is asked), in the check phase: never twice in one
   * turn of the event loop, so a reader in this process (a test, a bench) polls between flushes.
   */
  private wake(ms: number): void {
    const due = this.now() + ms;
    if (this.retry && this.retryDue <= due) return;
    if (this.retry) clearTimeout(this.retry);
    this.retryDue = due;
    this.retry = setTimeout(() => {
      this.retry = undefined;
      this.immediate ??= setImmediate(() => this.flushFast());
    }, ms);
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
    this.buckets.clear();
  }
}
