/**
 * Feedback subscribers with a time-to-live, like an X32's `/xremote` clients: a client that does
 * not renew within `timeoutMs` is dropped. Each client holds a list of entries (a pattern and what
 * the owner needs to know about it); the table knows nothing of params.
 *
 * The table is bounded, and with `evict` set it is also fair, so a flood of sources cannot lock a
 * genuine client out of feedback:
 *   - a source host may hold at most `maxPerHost` places and an address range (IPv4 /24, IPv6 /64)
 *     at most `maxPerRange`: a 65th port on one host takes the place of that host's own least
 *     recently renewed client, not someone else's;
 *   - a full table makes room by evicting the least recently renewed client of the lowest rank:
 *     explicit subscribers (`/subscribe`, `/xremote`) outrank implicit ones (a client that merely
 *     sent something), so an implicit newcomer never displaces an explicit subscriber;
 *   - permanent clients (the session's `remotes:`) never expire, are never evicted and take no
 *     place from the caps.
 * Without `evict` (an X32 holds 4 clients and refuses the 5th) a full table refuses newcomers.
 */
import net from 'node:net';

export interface Subscriber<E> {
  readonly peer: string;
  expiresAt: number;
  /** When it last renewed: the eviction order. */
  renewedAt: number;
  /** Subscribed on purpose (outranks a client that merely sent something). */
  explicit: boolean;
  /** A fixed remote from the session: never expires, never evicted. */
  readonly permanent: boolean;
  entries: E[];
}

export interface SubscriberTableOptions {
  /** Make room for a newcomer by evicting the least recently renewed client of a rank not above its own. */
  readonly evict?: boolean;
  /** Places one source host may hold. Default: no cap. */
  readonly maxPerHost?: number;
  /** Places one address range (IPv4 /24, IPv6 /64) may hold. Default: no cap. */
  readonly maxPerRange?: number;
}

export interface RenewOptions {
  readonly explicit?: boolean;
  readonly permanent?: boolean;
  /** This renewal's time to live instead of the table's (Infinity: until removed, e.g. a connection). */
  readonly lease?: number;
}

export interface RenewResult<E> {
  /** Undefined when the table had no place it could give. */
  readonly sub: Subscriber<E> | undefined;
  readonly added: boolean;
  /** A client evicted to make room, to forget along with its queue. */
  readonly evicted?: string;
}

/** The host part of a peer name: `host:port`, `[v6]:port`, `ws:host:port`. */
export function peerHost(peer: string): string {
  const rest = peer.startsWith('ws:') ? peer.slice(3) : peer;
  const i = rest.lastIndexOf(':');
  return (i < 0 ? rest : rest.slice(0, i)).replace(/^\[|\]$/g, '');
}

/** The address range a host belongs to for the caps: its IPv4 /24 or IPv6 /64. */
export function addressRange(host: string): string {
  if (net.isIPv4(host)) return host.slice(0, host.lastIndexOf('.')) + '.0/24';
  if (!net.isIPv6(host)) return host;
  const [head = '', tail] = host.split('::');
  const h = head ? head.split(':') : [];
  const t = tail === undefined ? [] : tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array<string>(Math.max(0, 8 - h.length - t.length)).fill('0'), ...t];
  return groups.slice(0, 4).map((g) => g.toLowerCase().replace(/^0+(?=.)/, '')).join(':') + '::/64';
}

export class SubscriberTable<E> {
  private readonly subs = new Map<string, Subscriber<E>>();
  /** Subscriptions refused because the table (or the source's share of it) was full. */
  refused = 0;
  expired = 0;
  /** Clients evicted to make room for a newcomer. */
  evicted = 0;
  private readonly opts: SubscriberTableOptions;

  constructor(
    private readonly timeoutMs: number,
    private readonly maxSubscribers = 64,
    private readonly now: () => number = Date.now,
    opts: SubscriberTableOptions = {},
  ) {
    this.opts = opts;
  }

  /**
   * Renews a client, creating it when new (making room if the table is fair); returns it (undefined
   * when refused), whether it is new, and whom it displaced. `explicit` only ever upgrades a client.
   */
  renew(peer: string, o: RenewOptions = {}): RenewResult<E> {
    const t = this.now();
    let s = this.subs.get(peer);
    if (s && s.expiresAt <= t) {
      // Lapsed but not swept yet: it comes back as a new client (its owner sends it the present again).
      this.subs.delete(peer);
      this.expired++;
      s = undefined;
    }
    let evicted: string | undefined;
    const added = !s;
    if (!s) {
      const permanent = o.permanent ?? false;
      if (!permanent) {
        const room = this.makeRoom(peer, o.explicit ?? false);
        if (room === false) {
          this.refused++;
          return { sub: undefined, added: false };
        }
        if (room !== true) evicted = room;
      }
      s = { peer, expiresAt: 0, renewedAt: t, explicit: false, permanent, entries: [] };
      this.subs.set(peer, s);
    }
    if (o.explicit) s.explicit = true;
    s.renewedAt = t;
    s.expiresAt = s.permanent ? Infinity : t + (o.lease ?? this.timeoutMs);
    return evicted !== undefined ? { sub: s, added, evicted } : { sub: s, added };
  }

  /** Frees a place for a newcomer: true when one is free, the evicted peer, or false when none can be had. */
  private makeRoom(peer: string, explicit: boolean): true | string | false {
    const host = peerHost(peer);
    const range = addressRange(host);
    const { maxPerHost = Infinity, maxPerRange = Infinity } = this.opts;
    const counted = [...this.subs.values()].filter((s) => !s.permanent);
    const scopes: Array<[number, Array<Subscriber<E>>]> = [
      [maxPerHost, counted.filter((s) => peerHost(s.peer) === host)],
      [maxPerRange, counted.filter((s) => addressRange(peerHost(s.peer)) === range)],
      [this.maxSubscribers, counted],
    ];
    for (const [cap, members] of scopes) {
      if (members.length < cap) continue;
      if (!this.opts.evict) return false;
      const victim = this.victim(members, explicit);
      if (!victim) return false;
      this.subs.delete(victim.peer);
      this.evicted++;
      return victim.peer;
    }
    return true;
  }

  /** The lowest-ranked, least recently renewed client a newcomer of this rank may displace. */
  private victim(members: Array<Subscriber<E>>, explicit: boolean): Subscriber<E> | undefined {
    let best: Subscriber<E> | undefined;
    for (const s of members) {
      if (s.explicit && !explicit) continue;
      if (!best || Number(s.explicit) < Number(best.explicit) || (s.explicit === best.explicit && s.renewedAt < best.renewedAt)) best = s;
    }
    return best;
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
