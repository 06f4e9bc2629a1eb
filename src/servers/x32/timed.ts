/**
 * The X32's timed subscriptions: `/meters`, `/subscribe`, `/formatsubscribe` and `/batchsubscribe`
 * each send one message every 50 ms × time factor to the client that asked, for 10 s; `/renew`
 * (one name, or all of a client's) restarts the 10 s; `/unsubscribe` ends them. A subscription is
 * named (`/meters/1`, `/ch/01/mix/on`, or the alias a client chose), and asking again under the same
 * name replaces it rather than adding a second stream. Time is injected so the schedule is testable.
 *
 *   const t = new TimedSubscriptions({ leaseMs: 10_000, now: Date.now });
 *   t.add('10.0.0.5:5000', '/meters/1', 50, () => send(...));
 *   t.run();          // sends what is due, drops what expired; returns when to call it next
 */

/** 50 ms × factor, where factors outside 1..99 mean 1 (as the console reads them). */
export const intervalFor = (timeFactor: number | undefined): number => 50 * (timeFactor !== undefined && timeFactor >= 1 && timeFactor <= 99 ? Math.floor(timeFactor) : 1);

interface Timed {
  readonly name: string;
  readonly intervalMs: number;
  readonly send: () => void;
  nextAt: number;
  expiresAt: number;
}

export interface TimedOptions {
  readonly leaseMs: number;
  readonly now?: () => number;
  /** Subscriptions one client may hold. */
  readonly maxPerClient?: number;
  /** Clients that may hold subscriptions at once. */
  readonly maxClients?: number;
}

export class TimedSubscriptions {
  private readonly clients = new Map<string, Map<string, Timed>>();
  private readonly now: () => number;
  refused = 0;
  expired = 0;

  constructor(private readonly opts: TimedOptions) {
    this.now = opts.now ?? Date.now;
  }

  /** Starts (or restarts) a named subscription; false when the client or the table is full. */
  add(peer: string, name: string, intervalMs: number, send: () => void): boolean {
    let subs = this.clients.get(peer);
    if (!subs) {
      if (this.clients.size >= (this.opts.maxClients ?? 64)) return this.refuse();
      this.clients.set(peer, (subs = new Map()));
    }
    if (!subs.has(name) && subs.size >= (this.opts.maxPerClient ?? 32)) return this.refuse();
    const t = this.now();
    // The first message goes out at once, as a console answers a request.
    subs.set(name, { name, intervalMs, send, nextAt: t, expiresAt: t + this.opts.leaseMs });
    return true;
  }

  private refuse(): false {
    this.refused++;
    return false;
  }

  /** Restarts the lease of one named subscription, or of all the client's; returns how many. */
  renew(peer: string, name?: string): number {
    const subs = this.clients.get(peer);
    if (!subs) return 0;
    const t = this.now();
    let n = 0;
    for (const s of subs.values()) {
      if ((name === undefined || s.name === name) && s.expiresAt > t) {
        s.expiresAt = t + this.opts.leaseMs;
        n++;
      }
    }
    return n;
  }

  /** Ends one named subscription, or all of the client's. */
  remove(peer: string, name?: string): void {
    if (name === undefined) this.clients.delete(peer);
    else this.clients.get(peer)?.delete(name);
  }

  has(peer: string, name: string): boolean {
    const s = this.clients.get(peer)?.get(name);
    return s !== undefined && s.expiresAt > this.now();
  }

  /**
   * Sends every due subscription once and drops expired ones. A subscription that fell behind (a
   * stalled event loop) skips the missed sends instead of bursting them. Returns the delay until
   * the next send, or undefined when nothing is left.
   */
  run(): number | undefined {
    const t = this.now();
    let next = Infinity;
    for (const [peer, subs] of this.clients) {
      for (const [name, s] of subs) {
        if (s.expiresAt <= t) {
          subs.delete(name);
          this.expired++;
          continue;
        }
        if (s.nextAt <= t) {
          s.send();
          s.nextAt += s.intervalMs;
          if (s.nextAt <= t) s.nextAt = t + s.intervalMs;
        }
        next = Math.min(next, s.nextAt, s.expiresAt);
      }
      if (subs.size === 0) this.clients.delete(peer);
    }
    return next === Infinity ? undefined : Math.max(0, next - t);
  }

  get size(): number {
    let n = 0;
    for (const subs of this.clients.values()) n += subs.size;
    return n;
  }

  clear(): void {
    this.clients.clear();
  }
}
