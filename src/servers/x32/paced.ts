/**
 * Paced, coalesced sends to X32 clients. A new client's dump or a scene recall is hundreds of small
 * UDP datagrams at once; sent in one go they overflow a client's socket buffer (about 250 datagrams
 * by default on Linux) and the app silently misses values. So messages wait per client, the latest
 * value per address winning, and leave in slices of `perSlice` every `sliceMs`, clients taking turns.
 * The default slice (24 per millisecond) stays under what a Node client reads per turn of its event
 * loop (libuv takes 32 datagrams per socket per poll), so a client on this machine keeps up too.
 * The queue is bounded: a new address past `maxPending` for one client is dropped and counted.
 *
 *   const out = new PacedSender((peer, address, args) => endpoint.sendNow(peer, address, args));
 *   out.put('10.0.0.5:5000', '/ch/01/mix/fader', [{ type: 'f', value: 0.75 }]);
 *   // teardown: out.close() clears the timer and what waits.
 */
import type { OscArg } from '../../surfaces/types.ts';

export type PacedSend = (peer: string, address: string, args: readonly OscArg[]) => void;

export interface PacedOptions {
  readonly perSlice?: number;
  readonly sliceMs?: number;
  readonly maxPending?: number;
}

export class PacedSender {
  private readonly waiting = new Map<string, Map<string, readonly OscArg[]>>();
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private readonly perSlice: number;
  private readonly sliceMs: number;
  private readonly maxPending: number;
  dropped = 0;

  constructor(
    private readonly send: PacedSend,
    opts: PacedOptions = {},
  ) {
    this.perSlice = opts.perSlice ?? 24;
    this.sliceMs = opts.sliceMs ?? 1;
    this.maxPending = opts.maxPending ?? 16384;
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
  }

  private slice(): void {
    this.timer = undefined;
    this.immediate = undefined;
    let budget = this.perSlice;
    while (budget > 0 && this.waiting.size > 0) {
      // Clients take turns: a big dump to one does not hold back another's echo.
      const share = Math.max(1, Math.floor(budget / this.waiting.size));
      for (const [peer, q] of this.waiting) {
        let n = 0;
        for (const [address, args] of q) {
          if (n++ >= share) break;
          q.delete(address);
          this.send(peer, address, args);
          budget--;
        }
        if (q.size === 0) this.waiting.delete(peer);
        if (budget <= 0) break;
      }
    }
    if (this.waiting.size > 0) this.timer = setTimeout(() => this.slice(), this.sliceMs);
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
  }
}
