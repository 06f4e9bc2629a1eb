/**
 * Feedback subscribers with a time-to-live, like an X32's `/xremote` clients: a client that does
 * not renew within `timeoutMs` is dropped. Each client holds a list of entries (a pattern and what
 * the owner needs to know about it); the table knows nothing of params.
 */
export interface Subscriber<E> {
  readonly peer: string;
  expiresAt: number;
  entries: E[];
}

export class SubscriberTable<E> {
  private readonly subs = new Map<string, Subscriber<E>>();
  /** Subscriptions refused because the table was full. */
  refused = 0;
  expired = 0;

  constructor(
    private readonly timeoutMs: number,
    private readonly maxSubscribers = 64,
    private readonly now: () => number = Date.now,
  ) {}

  /** Renews a client, creating it when new; returns it (undefined when the table is full) and whether it is new. */
  renew(peer: string): { sub: Subscriber<E> | undefined; added: boolean } {
    let s = this.subs.get(peer);
    const added = !s;
    if (!s) {
      if (this.subs.size >= this.maxSubscribers) {
        this.refused++;
        return { sub: undefined, added: false };
      }
      s = { peer, expiresAt: 0, entries: [] };
      this.subs.set(peer, s);
    }
    s.expiresAt = this.now() + this.timeoutMs;
    return { sub: s, added };
  }

  get(peer: string): Subscriber<E> | undefined {
    return this.subs.get(peer);
  }

  remove(peer: string): boolean {
    return this.subs.delete(peer);
  }

  /** Drops clients whose time ran out; returns their peers. */
  sweep(): string[] {
    const t = this.now();
    const gone: string[] = [];
    for (const [peer, s] of this.subs) {
      if (s.expiresAt <= t) {
        this.subs.delete(peer);
        gone.push(peer);
      }
    }
    this.expired += gone.length;
    return gone;
  }

  /** Live clients (those past their time are skipped even before the next sweep). */
  *live(): IterableIterator<Subscriber<E>> {
    const t = this.now();
    for (const s of this.subs.values()) if (s.expiresAt > t) yield s;
  }

  get size(): number {
    return this.subs.size;
  }

  clear(): void {
    this.subs.clear();
  }
}
