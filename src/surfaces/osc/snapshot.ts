/**
 * Sends each new subscriber the current value of everything its subscription covers, paced: a
 * tablet that subscribes to a 256-channel session must not get 20,000 datagrams in one burst (a
 * phone's receive buffer holds a few hundred), and a flood of new subscribers must not turn one
 * packet each into thousands of replies. So every `intervalMs` at most `chunk` items go out in all,
 * shared round-robin among the clients waiting, and a client whose connection is congested waits.
 *
 * The pacer holds what to send (e.g. param defs), not values: the owner reads each value when its
 * turn comes, so a snapshot never sends a value older than a live change already sent.
 *
 *   const pacer = new SnapshotPacer<ParamDef>((peer, def) => sendCurrent(peer, def));
 *   pacer.start('127.0.0.1:9001', defs);     // adds to what that client still waits for
 *   pacer.cancel(peer); pacer.close();
 */

/** Sends one item to a peer; false when the peer cannot take more now (the item is kept for later). */
export type SnapshotSend<T> = (peer: string, item: T) => boolean;

export interface SnapshotOptions {
  /**
   * Items sent per interval, all clients together. Default 24: under the 32 datagrams libuv reads per
   * socket per turn, so even a Node client on this machine keeps up (src/servers/x32/paced.ts).
   */
  readonly chunk?: number;
  /** Pause between chunks. Default 1 ms (a timer's floor): 700 params take about 30 chunks. */
  readonly intervalMs?: number;
}

export class SnapshotPacer<T> {
  private readonly waiting = new Map<string, { items: T[]; next: number; seen: Set<T>; skip: Set<T> }>();
  private timer: NodeJS.Timeout | undefined;
  private readonly chunk: number;
  private readonly intervalMs: number;
  /** Items sent so far, all clients together. */
  sent = 0;

  constructor(
    private readonly send: SnapshotSend<T>,
    opts: SnapshotOptions = {},
    /** Called once a peer's snapshot is all sent (what waited behind it may go now). */
    private readonly done: (peer: string) => void = () => undefined,
  ) {
    this.chunk = Math.max(1, opts.chunk ?? 24);
    this.intervalMs = Math.max(0, opts.intervalMs ?? 1);
  }

  /** Queues items for a peer (once each while it waits); the first chunk goes out at once. */
  start(peer: string, items: Iterable<T>): void {
    let w = this.waiting.get(peer);
    if (!w) this.waiting.set(peer, (w = { items: [], next: 0, seen: new Set(), skip: new Set() }));
    for (const it of items) {
      if (w.seen.has(it)) continue;
      w.seen.add(it);
      w.items.push(it);
    }
    if (w.items.length === w.next) {
      this.waiting.delete(peer);
      this.done(peer);
    } else if (!this.timer) this.tick();
  }

  /**
   * Leaves an item out of what a peer still waits for: the client just wrote it, so its own value is
   * newer than anything the snapshot would read now and could only arrive after it, undoing it.
   */
  skip(peer: string, item: T): void {
    this.waiting.get(peer)?.skip.add(item);
  }

  /** Items a peer still waits for. */
  pending(peer: string): number {
    const w = this.waiting.get(peer);
    return w ? w.items.length - w.next : 0;
  }

  cancel(peer: string): void {
    this.waiting.delete(peer);
  }

  private tick(): void {
    this.timer = undefined;
    let budget = this.chunk;
    // Round-robin: one item per waiting client per pass, so each advances at the same pace.
    while (budget > 0 && this.waiting.size > 0) {
      let progressed = false;
      for (const [peer, w] of this.waiting) {
        if (budget === 0) break;
        const item = w.items[w.next]!;
        if (!w.skip.has(item) && !this.send(peer, item)) continue;
        progressed = true;
        budget--;
        this.sent++;
        if (++w.next === w.items.length) {
          this.waiting.delete(peer);
          this.done(peer);
        }
      }
      if (!progressed) break;
    }
    if (this.waiting.size > 0) {
      // Every waiting client congested: look again later rather than spin.
      this.timer = setTimeout(() => this.tick(), budget === this.chunk ? Math.max(20, this.intervalMs) : this.intervalMs);
      this.timer.unref?.();
    }
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.waiting.clear();
  }
}
