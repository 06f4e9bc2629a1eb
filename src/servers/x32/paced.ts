/**
 * Paced, coalesced sends to X32 clients. A new client's dump or a scene recall is hundreds of small
 * UDP datagrams at once; sent in one go they overflow a client's socket buffer (about 250 datagrams
 * by default on Linux) and the app silently misses values. So messages wait per client, the latest
 * value per address winning, and leave in slices of `perSlice` every `sliceMs`, clients taking turns.
 * The default slice (24 per millisecond) stays under what a Node client reads per turn of its event
 * loop (libuv takes 32 datagrams per socket per poll), so a client on this machine keeps up too.
 * The queue is bounded: a new address past `maxPending` for one client is dropped and counted.
 *
 * Each client also has a token bucket (`pace`, session `x32.pacing`; src/surfaces/pacing.ts): a
 * recall's hundreds of changes reach an app on a tablet at a pace its receive buffer survives (an
 * X32 app expects plain messages, as the console sends them, so nothing is bundled here).
 *
 *   const out = new PacedSender((peer, address, args) => endpoint.sendNow(peer, address, args));
 *   out.put('10.0.0.5:5000', '/ch/01/mix/fader', [{ type: 'f', value: 0.75 }]);
 *   // teardown: out.close() clears the timer and what waits.
 */
import type { OscArg } from '../../surfaces/types.ts';
import { DEFAULT_PACE, TokenBucket, type Pace } from '../../surfaces/pacing.ts';

export type PacedSend = (peer: string, address: string, args: readonly OscArg[]) => void;

export interface PacedOptions {
  readonly perSlice?: number;
  readonly sliceMs?: number;
  readonly maxPending?: number;
  /** Each client's pace; null: unpaced (the slices alone). Default: the UDP default. */
  readonly pace?: Pace | null;
  readonly now?: () => number;
}

export class PacedSender {
  private readonly waiting = new Map<string, Map<string, readonly OscArg[]>>();
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private readonly perSlice: number;
  private readonly sliceMs: number;
  private readonly maxPending: number;
  private readonly buckets = new Map<string, TokenBucket>();
  private readonly pace: Pace | null;
  private readonly now: () => number;
  dropped = 0;

  constructor(
    private readonly send: PacedSend,
    opts: PacedOptions = {},
  ) {
    this.perSlice = opts.perSlice ?? 24;
    this.sliceMs = opts.sliceMs ?? 1;
    this.maxPending = opts.maxPending ?? 16384;
    this.pace = opts.pace === undefined ? DEFAULT_PACE.udp : opts.pace;
    this.now = opts.now ?? Date.now;
  }

  put(peer: string, address: string, args: readonly OscArg[]): void {
    let q = this.waiting.get(peer);
    if (!q) this.waiting.set(peer, (q = new Map()));
    if (!q.has(address) && q.size >= this.maxPending) {
      this.dropped++;
      return;
    }
    q.set(address, args);
    // The first slice leaves on the next turn (an echo should not wait for a timer); later ones are paced.
    if (!this.timer && !this.immediate) this.immediate = setImmediate(() => this.slice());
  }

  /** Forgets what waits for a client that left. */
  forget(peer: string): void {
    this.waiting.delete(peer);
    this.buckets.delete(peer);
  }

  private bucketOf(peer: string): TokenBucket | undefined {
    if (!this.pace) return undefined;
    let b = this.buckets.get(peer);
    if (!b) this.buckets.set(peer, (b = new TokenBucket(this.pace, this.now)));
    return b;
  }

  private slice(): void {
    this.timer = undefined;
    this.immediate = undefined;
    let budget = this.perSlice;
    // Clients out of tokens sit this slice out; the next slice is due when the first has some again.
    const resting = new Set<string>();
    while (budget > 0 && this.waiting.size > resting.size) {
      // Clients take turns: a big dump to one does not hold back another's echo.
      const share = Math.max(1, Math.floor(budget / (this.waiting.size - resting.size)));
      for (const [peer, q] of this.waiting) {
        if (resting.has(peer)) continue;
        const bucket = this.bucketOf(peer);
        // Granted once per turn: tokens that come while this loop runs wait for the next slice.
        const allowed = bucket ? bucket.grant(Math.min(share, q.size)) : share;
        let n = 0;
        for (const [address, args] of q) {
          if (n >= share) break;
          if (n++ >= allowed) {
            resting.add(peer);
            break;
          }
          q.delete(address);
          this.send(peer, address, args);
          budget--;
        }
        if (q.size === 0) {
          this.waiting.delete(peer);
          if (bucket?.idle) this.buckets.delete(peer);
        }
        if (budget <= 0) break;
      }
    }
    if (this.waiting.size === 0) return;
    let wait = this.sliceMs;
    if (resting.size === this.waiting.size) {
      wait = Infinity;
      for (const peer of resting) wait = Math.min(wait, this.bucketOf(peer)!.waitMs());
    }
    this.timer = setTimeout(() => this.slice(), wait);
  }

  get pending(): number {
    let n = 0;
    for (const q of this.waiting.values()) n += q.size;
    return n;
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.timer = undefined;
    this.immediate = undefined;
    this.waiting.clear();
    this.buckets.clear();
  }
}
