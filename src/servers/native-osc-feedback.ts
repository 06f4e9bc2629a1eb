/**
 * The native OSC server's subscribers: who hears which params, in which form, at which address.
 *
 * - A subscriber is named by where it listens (its reply target, see reply-target.ts), not by the
 *   port it sends from; the source ports that asked for it are remembered (a few per client), so a
 *   client's own changes are recognised as its own and its queries are answered where it listens.
 * - While a client's snapshot goes out, its live changes and query replies wait (coalesced per
 *   address) and follow it: the client sees the present, then what changed.
 * - New coverage asked for (`/subscribe`, `/xremote`, a session remote: a first subscription, one
 *   after expiry or a faderd restart, a new pattern) sends the current value of everything it covers
 *   at once, paced (snapshot.ts), before live changes. Asking again for what a client already holds
 *   only renews it (`/get` sends the present on demand).
 * - One form per client per address: of the entries covering an address the one asked for last
 *   wins (units or /norm), so a client subscribed both ways gets each change once.
 * - Echo (per client with `/echo 1`, or the session's default): a client's own writes come back
 *   with the value that stands, whether or not it changed, so a lost datagram shows as a value that
 *   does not come back.
 * - Fixed remotes from the session (`osc.remotes`) are permanent subscribers.
 */
import type { ParamChange, ParamStore } from '../params/store.ts';
import { toNormalized } from '../params/store.ts';
import type { ParamDef, ParamValue } from '../params/registry.ts';
import { compileAddressPattern, type AddressPattern } from '../util/osc-pattern.ts';
import type { OscArg } from '../surfaces/types.ts';
import { SubscriberTable, type Subscriber } from '../surfaces/osc/subscriptions.ts';
import { SnapshotPacer } from '../surfaces/osc/snapshot.ts';
import { peerName } from '../surfaces/osc/endpoint.ts';

export const NORM = '/norm';
/** Patterns one client may subscribe to: each costs a match per change, so it must be bounded. */
export const MAX_ENTRIES = 64;
/** Source ports remembered per subscriber (a client that restarts gets a new one each time). */
const MAX_SOURCES = 8;
/** Source → reply target routes remembered in all (oldest forgotten first). */
const MAX_ROUTES = 1024;

export interface Entry {
  readonly pattern: string;
  /** Undefined: every non-meter param. */
  readonly re: AddressPattern | undefined;
  readonly norm: boolean;
  /** Added by a message that was not a subscription (the form the client spoke). */
  readonly implicit: boolean;
}

/** What the subscribers need of the listener. */
export interface FeedbackOut {
  queue(peer: string, address: string, args: readonly OscArg[], slow?: boolean): void;
  forget(peer: string): void;
  /** False while the peer's connection cannot take more (its snapshot waits). */
  ready?(peer: string): boolean;
  /** Sends at once, past the queue (a WebSocket snapshot goes out as a query's replies do). */
  sendNow?(peer: string, address: string, args: readonly OscArg[]): void;
}

export interface RemoteSpec {
  readonly host: string;
  readonly port: number;
  /** Patterns, as `/subscribe` takes them; default every non-meter param in units. */
  readonly subscribe?: readonly string[];
  readonly echo?: boolean;
}

export interface NativeFeedbackOptions {
  readonly timeoutMs: number;
  /** Echo every client's own changes unless it says otherwise. Default false. */
  readonly echo?: boolean;
  readonly remotes?: readonly RemoteSpec[];
  readonly maxSubscribers?: number;
  readonly maxPerHost?: number;
  readonly maxPerRange?: number;
  /** Snapshot pacing: items per interval, all clients together. */
  readonly snapshotChunk?: number;
}

interface Extra {
  echo: boolean | undefined;
  readonly sources: Set<string>;
}

/** Thrown for a subscription request that cannot be honoured; the caller reports it like a param error. */
export class SubscriptionError extends Error {}

export class NativeFeedback {
  readonly table: SubscriberTable<Entry>;
  private readonly extra = new Map<string, Extra>();
  /**
   * Clients that fetch the whole mix themselves on connect (the web mixer's page queries every
   * address): no snapshot, which would only race with what the page does the moment it connects.
   */
  readonly fetchesItself = new Set<string>();
  /** Sending peer → the reply target it asked for. */
  private readonly routes = new Map<string, string>();
  private readonly pacer: SnapshotPacer<ParamDef>;
  /** What waits behind a client's snapshot: address → arguments (and whether it is a meter). */
  private readonly held = new Map<string, Map<string, { args: readonly OscArg[]; slow: boolean }>>();

  constructor(
    private readonly store: ParamStore,
    private readonly out: FeedbackOut,
    private readonly opts: NativeFeedbackOptions,
  ) {
    this.table = new SubscriberTable<Entry>(opts.timeoutMs, opts.maxSubscribers ?? 64, Date.now, {
      evict: true,
      maxPerHost: opts.maxPerHost ?? 16,
      maxPerRange: opts.maxPerRange ?? 48,
    });
    this.pacer = new SnapshotPacer<ParamDef>((peer, def) => this.sendCurrent(peer, def), { chunk: opts.snapshotChunk }, (peer) => this.release(peer));
  }

  /** Subscribes the session's fixed remotes (permanent) and sends them the current mix. */
  addRemotes(): void {
    for (const r of this.opts.remotes ?? []) {
      const peer = peerName(r.host, r.port);
      this.table.renew(peer, { explicit: true, permanent: true });
      this.extraOf(peer).echo = r.echo;
      this.subscribe(peer, peer, r.subscribe?.length ? r.subscribe : [], 'explicit');
    }
  }

  /** Where a sending peer hears back: the target it asked for, else itself. */
  replyTo(source: string): string {
    return this.routes.get(source) ?? source;
  }

  /** Any message from a client renews the subscription it belongs to. */
  renew(source: string): void {
    const target = this.replyTo(source);
    if (this.table.get(target)) this.table.renew(target, lease(target));
  }

  /**
   * Adds patterns for a client listening at `target` (asked from `source`); none means every
   * non-meter param in units. New coverage gets a snapshot. `implicit`: a client that merely sent
   * something gets the form it spoke, unless it chose its forms by subscribing.
   */
  subscribe(source: string, target: string, patterns: readonly string[], how: 'explicit' | 'implicit'): void {
    const explicit = how === 'explicit';
    const { sub, added, evicted } = this.table.renew(target, { explicit, ...lease(target) });
    if (evicted !== undefined) this.dropped(evicted);
    if (!sub) {
      if (explicit) throw new SubscriptionError(`subscription refused: the table is full (${this.table.size} clients)`);
      return;
    }
    if (added) this.extra.set(target, { echo: undefined, sources: new Set() });
    this.link(source, target);
    if (!explicit && sub.entries.some((e) => !e.implicit)) return;
    const fresh: Entry[] = [];
    for (const p of patterns.length ? patterns : ['*']) {
      const entry = entryFor(p, !explicit);
      const at = sub.entries.findIndex((e) => e.pattern === entry.pattern);
      if (at >= 0) {
        // Asked again: it becomes the latest, so its form wins from now on.
        if (at !== sub.entries.length - 1) sub.entries.push(...sub.entries.splice(at, 1));
        continue;
      }
      if (sub.entries.length >= MAX_ENTRIES) {
        if (!explicit) return;
        throw new SubscriptionError(`subscription to ${p} refused: a client may hold at most ${MAX_ENTRIES} patterns`);
      }
      sub.entries.push(entry);
      fresh.push(entry);
    }
    // Only a request gets the snapshot: a client that merely sent a write or a query (a one-shot
    // `oscsend` from a port nobody listens on) would otherwise draw hundreds of datagrams per packet.
    if (fresh.length && explicit && !this.fetchesItself.has(target)) this.snapshot(target, fresh);
  }

  /** Drops patterns of a client, or the whole client when none are named. */
  unsubscribe(target: string, patterns: readonly string[]): void {
    const s = this.table.get(target);
    if (!s) return;
    if (patterns.length === 0) {
      if (s.permanent) s.entries = [];
      else this.remove(target);
      return;
    }
    s.entries = s.entries.filter((e) => !patterns.includes(e.pattern));
  }

  /** Turns echo on or off for a client (subscribing it implicitly when new). */
  setEcho(source: string, target: string, on: boolean): void {
    if (!this.table.get(target)) this.subscribe(source, target, [], 'implicit');
    if (this.table.get(target)) this.extraOf(target).echo = on;
  }

  /** Sends the current value of these params again to the client a source belongs to (`/get`). */
  resend(target: string, defs: readonly ParamDef[], norm: boolean): void {
    for (const d of defs) {
      const s = this.table.get(target);
      const e = s ? pick(s, d) : undefined;
      const args = encode(d, this.store.getByIndex(d.index), e ? e.norm : norm);
      if (args) this.send(target, e?.norm || (!e && norm) ? NORM + d.address : d.address, args, false);
    }
  }

  /** Queues for a client, or holds it behind the client's snapshot. */
  private send(peer: string, address: string, args: readonly OscArg[], slow: boolean): void {
    const h = this.held.get(peer);
    if (h) h.set(address, { args, slow });
    else this.out.queue(peer, address, args, slow);
  }

  /** A snapshot is all out: what waited behind it follows. */
  private release(peer: string): void {
    const h = this.held.get(peer);
    this.held.delete(peer);
    if (h) for (const [address, { args, slow }] of h) this.out.queue(peer, address, args, slow);
  }

  /**
   * After a client's writes: its snapshot skips them (its own value is newer than what it would
   * read) and, with echo on, the value that stands goes back, changed or not.
   */
  echo(source: string, addresses: Iterable<string>, norm: boolean): void {
    const target = this.replyTo(source);
    if (this.pacer.pending(target) > 0) {
      for (const a of addresses) {
        const d = this.store.registry.get(a);
        if (d) this.pacer.skip(target, d);
      }
    }
    const s = this.table.get(target);
    if (!s || !(this.extra.get(target)?.echo ?? this.opts.echo ?? false)) return;
    const defs: ParamDef[] = [];
    for (const a of addresses) {
      const d = this.store.registry.get(a);
      if (d) defs.push(d);
    }
    this.resend(target, defs, norm);
  }

  /** Live changes to every subscriber that covers them, in its form, except its own (echo aside). */
  feedback(batch: readonly ParamChange[]): void {
    if (this.table.size === 0) return;
    for (const s of this.table.live()) {
      const x = this.extra.get(s.peer);
      for (const c of batch) {
        if (c.def.action) continue;
        // Its own change: sent by echo() with the value that stands, or not at all.
        if (c.origin.startsWith('osc:') && (c.origin === `osc:${s.peer}` || x?.sources.has(c.origin.slice(4)))) continue;
        const e = pick(s, c.def);
        if (!e) continue;
        const args = encode(c.def, c.value, e.norm);
        if (args) this.send(s.peer, e.norm ? NORM + c.address : c.address, args, c.def.volatile);
      }
    }
  }

  /** Drops expired clients; returns them. */
  sweep(): string[] {
    const gone = this.table.sweep();
    for (const p of gone) this.forgetPeer(p);
    return gone;
  }

  /** Forgets a client entirely (it left, or its connection was dropped). */
  remove(target: string): void {
    this.table.remove(target);
    this.forgetPeer(target);
  }

  /** Snapshot items still waiting for a client. */
  snapshotPending(target: string): number {
    return this.pacer.pending(target);
  }

  get snapshotSent(): number {
    return this.pacer.sent;
  }

  close(): void {
    this.pacer.close();
    this.held.clear();
    this.table.clear();
    this.extra.clear();
    this.routes.clear();
  }

  private dropped(peer: string): void {
    this.forgetPeer(peer);
  }

  private forgetPeer(peer: string): void {
    this.fetchesItself.delete(peer);
    this.pacer.cancel(peer);
    this.held.delete(peer);
    this.out.forget(peer);
    const x = this.extra.get(peer);
    if (x) for (const src of x.sources) if (this.routes.get(src) === peer) this.routes.delete(src);
    this.extra.delete(peer);
  }

  private extraOf(peer: string): Extra {
    let x = this.extra.get(peer);
    if (!x) this.extra.set(peer, (x = { echo: undefined, sources: new Set() }));
    return x;
  }

  /** Remembers that `source` belongs to the client at `target`. */
  private link(source: string, target: string): void {
    const x = this.extraOf(target);
    if (source !== target) {
      if (!x.sources.has(source) && x.sources.size >= MAX_SOURCES) {
        const oldest = x.sources.values().next().value as string;
        x.sources.delete(oldest);
        if (this.routes.get(oldest) === target) this.routes.delete(oldest);
      }
      x.sources.add(source);
    }
    if (source === target) {
      this.routes.delete(source);
      return;
    }
    this.routes.delete(source);
    this.routes.set(source, target);
    if (this.routes.size > MAX_ROUTES) this.routes.delete(this.routes.keys().next().value as string);
  }

  private snapshot(target: string, fresh: readonly Entry[]): void {
    const defs = this.store.registry.defs.filter((d) => !d.action && fresh.some((e) => covers(e, d)));
    if (target.startsWith('ws:') && this.pacer.pending(target) === 0) {
      // TCP paces a WebSocket itself (and a client that does not read is held by the outbox): all at
      // once, so a page that acts the moment it connects is not overtaken by a snapshot in flight.
      for (const d of defs) this.sendCurrent(target, d, true);
      return;
    }
    if (!this.held.has(target) && defs.length) this.held.set(target, new Map());
    this.pacer.start(target, defs);
  }

  /** One snapshot item: the param's value now, in the client's form for it. */
  private sendCurrent(peer: string, d: ParamDef, now = false): boolean {
    if (!now && this.out.ready && !this.out.ready(peer)) return false;
    const s = this.table.get(peer);
    const e = s ? pick(s, d) : undefined;
    if (!e) return true;
    const args = encode(d, this.store.getByIndex(d.index), e.norm);
    if (!args) return true;
    const address = e.norm ? NORM + d.address : d.address;
    // Past the queue only while the connection drains: a client that does not read is held by the queue's bound.
    if (now && this.out.sendNow && this.out.ready?.(peer) !== false) this.out.sendNow(peer, address, args);
    else this.out.queue(peer, address, args);
    return true;
  }
}

/** A WebSocket client's subscription lasts as long as its connection (it ends with the socket). */
function lease(target: string): { lease?: number } {
  return target.startsWith('ws:') ? { lease: Infinity } : {};
}

function entryFor(p: string, implicit: boolean): Entry {
  if (p === '*') return { pattern: '*', re: undefined, norm: false, implicit };
  if (p === NORM) return { pattern: NORM, re: undefined, norm: true, implicit };
  const norm = p.startsWith(NORM + '/');
  const bare = norm ? p.slice(NORM.length) : p;
  let re: AddressPattern;
  try {
    re = compileAddressPattern(bare);
  } catch (e) {
    throw new SubscriptionError(`bad subscription pattern ${p}: ${(e as Error).message}`);
  }
  return { pattern: p, re, norm, implicit };
}

/** Whether an entry covers a param and has a form for it. */
function covers(e: Entry, d: ParamDef): boolean {
  if (e.norm && d.type === 'text') return false;
  return e.re ? e.re.test(d.address) : !d.volatile;
}

/** The entry a client asked for last among those covering a param: the one form it gets. */
function pick(s: Subscriber<Entry>, d: ParamDef): Entry | undefined {
  for (let k = s.entries.length - 1; k >= 0; k--) if (covers(s.entries[k]!, d)) return s.entries[k];
  return undefined;
}

/** The OSC arguments for a value, in units or normalized; undefined when it has no such form. */
export function encode(d: ParamDef, v: ParamValue, norm: boolean): OscArg[] | undefined {
  if (norm) return d.type === 'text' ? undefined : [{ type: 'f', value: toNormalized(d, v) }];
  switch (d.type) {
    case 'bool':
      return [{ type: 'i', value: v ? 1 : 0 }];
    case 'number':
      return [{ type: d.unit === 'count' ? 'd' : 'f', value: v as number }];
    default:
      return [{ type: 's', value: String(v) }];
  }
}
