/**
 * The native OSC server: every param address served as it is, with no mapping file.
 *
 *   /ch/1/fader -6          sets -6 dB (units at the address; int or float accepted)
 *   /norm/ch/1/fader 0.75   sets the normalized form (0 dB on the fader law)
 *   /ch/1/fader             a query: the value is sent back to the sender's address and port
 *   /ch/*\/mute 1            a pattern applies to every writable match, as one batch; a pattern
 *                           query replies with every match
 *
 * Booleans take int 0/1, float 0/1 or OSC true/false; they are sent back as int 0/1. Enums and text
 * go back as strings, numbers as float32, counts (`/status/blocks`...) as float64: a float32 block count
 * stops being exact after 2^24 blocks, about 12 hours at 128 frames.
 *
 * Feedback (changes made by anyone else: other clients, surfaces, scenes) goes to subscribed clients
 * only, coalesced per client (latest value wins) so a storm does not flood:
 *   - `/subscribe` subscribes to every non-meter param; `/subscribe PATTERN...` to those patterns
 *     only, meters included (`/subscribe /ch/*\/meter/*`), sent at the meter rate (30 Hz). A pattern
 *     under `/norm` gets the normalized form.
 *   - `/xremote` (as an X32 client sends every few seconds) subscribes to every non-meter param.
 *   - Any other message also subscribes its sender to every non-meter param, in the form (units or
 *     /norm) it spoke, so a tablet that only sends gets the mix's changes with no setup.
 *   - Every message from a client renews it; a client silent for `subscriptionTimeoutMs` (10 s,
 *     like an X32) is dropped. `/unsubscribe` drops it at once (`/unsubscribe PATTERN` drops one).
 * A client never gets the echo of its own change (the change's origin is `osc:<host>:<port>`).
 */
import { Subscription as RxSubscription } from 'rxjs';
import type { ParamStore, ParamChange } from '../params/store.ts';
import { fromNormalized, toNormalized } from '../params/store.ts';
import { OSC_STATUS, type ParamDef, type ParamValue } from '../params/registry.ts';
import { compileAddressPattern, type AddressPattern } from '../util/osc-pattern.ts';
import { ParamError, ParamTypeError, ReadOnlyParamError, UnknownParamError } from '../params/errors.ts';
import type { OscArg } from '../surfaces/types.ts';
import { OscEndpoint, parsePeer, type OscEndpointStats } from '../surfaces/osc/endpoint.ts';
import { argValue, type OscMessage, type WsSocket } from '../surfaces/osc/codec.ts';
import { addressMatcher, type AddressMatcher } from '../surfaces/osc/access.ts';
import { SubscriberTable } from '../surfaces/osc/subscriptions.ts';
import { logger, RateLimitedLog } from '../util/log.ts';

const log = logger(import.meta.url);

export interface NativeOscOptions {
  host: string;
  port: number;
  /** Client addresses or IPv4 subnets; required (non-empty) when host is not loopback. */
  allow?: readonly string[];
  /** Clients that may query and subscribe but not change anything. */
  readOnly?: readonly string[];
  websocketPort?: number;
  /** Browser pages allowed to open `websocketPort` (see OscEndpointOptions): other sites get 403. */
  origins?: readonly string[];
  hostnames?: readonly string[];
  pagePorts?: readonly number[];
  subscriptionTimeoutMs?: number;
  /** Rate of meter feedback. Default 30 Hz. */
  meterRateHz?: number;
  /** Bytes of timed bundles held in all (default 4 MiB; see OscEndpointOptions). */
  maxScheduledBytes?: number;
  /** Publishes the counters under /status/osc/... every this many ms (the daemon's server does; 0: never). */
  statusIntervalMs?: number;
}

export interface NativeOscStats extends OscEndpointStats {
  port: number;
  websocketPort: number;
  applied: number;
  queries: number;
  paramErrors: number;
  readOnlyIgnored: number;
  subscribers: number;
}

export const DEFAULT_OSC_PORT = 9000;

interface Entry {
  readonly pattern: string;
  /** Undefined: every non-meter param. */
  readonly re: AddressPattern | undefined;
  readonly norm: boolean;
}

const NORM = '/norm';
/** Patterns one client may subscribe to: each costs a regex test per change, so it must be bounded. */
const MAX_ENTRIES = 64;

export class NativeOscServer {
  private readonly endpoint: OscEndpoint;
  private readonly subs: SubscriberTable<Entry>;
  private readonly readOnlyPeer: AddressMatcher | undefined;
  private readonly paramErrors: RateLimitedLog;
  private readonly internalErrors: RateLimitedLog;
  private readonly rx = new RxSubscription();
  private sweepTimer: NodeJS.Timeout | undefined;
  private statusTimer: NodeJS.Timeout | undefined;
  private readonly statusIntervalMs: number;
  private readonly counts = { applied: 0, queries: 0, readOnlyIgnored: 0 };
  private readonly timeoutMs: number;
  /** WebSocket clients the web mixer marked read-only (its own `readOnly` list). */
  private readonly readOnlyPeers = new Set<string>();

  constructor(
    private readonly store: ParamStore,
    opts: NativeOscOptions,
  ) {
    this.endpoint = new OscEndpoint({
      name: 'OSC server',
      host: opts.host,
      port: opts.port,
      allow: opts.allow,
      websocketPort: opts.websocketPort,
      origins: opts.origins,
      hostnames: opts.hostnames,
      pagePorts: opts.pagePorts,
      maxScheduledBytes: opts.maxScheduledBytes,
      slowRateHz: opts.meterRateHz ?? 30,
    });
    this.readOnlyPeer = opts.readOnly?.length ? addressMatcherNoLoopback(opts.readOnly) : undefined;
    this.timeoutMs = opts.subscriptionTimeoutMs ?? 10_000;
    this.statusIntervalMs = opts.statusIntervalMs ?? 0;
    this.subs = new SubscriberTable<Entry>(this.timeoutMs);
    this.paramErrors = new RateLimitedLog(log, 'OSC server: message refused by the param store');
    this.internalErrors = new RateLimitedLog(log, 'OSC server: packet failed');
  }

  /** What start() would refuse before binding (a bad allow list or host), so a reload can check first. */
  get configProblem(): string | undefined {
    return this.endpoint.problem;
  }

  /** The bound UDP port. */
  get port(): number {
    return this.endpoint.port;
  }

  get websocketPort(): number {
    return this.endpoint.websocketPort;
  }

  async start(): Promise<void> {
    await this.endpoint.start();
    this.rx.add(
      this.endpoint.packets$.subscribe((p) => {
        // A bug here must cost one packet, not the server (an error would end the subscription).
        try {
          this.onPacket(p.peer, p.messages);
        } catch (e) {
          this.internalErrors.hit(`${p.peer}: ${(e as Error).stack ?? String(e)}`, parsePeer(p.peer).host);
        }
      }),
    );
    this.rx.add(
      this.store.changes$.subscribe((batch) => {
        try {
          this.feedback(batch);
        } catch (e) {
          this.internalErrors.hit(`feedback: ${(e as Error).stack ?? String(e)}`);
        }
      }),
    );
    this.sweepTimer = setInterval(() => {
      for (const peer of this.subs.sweep()) this.endpoint.forget(peer);
    }, Math.max(50, Math.min(1000, this.timeoutMs / 4)));
    this.sweepTimer.unref();
    if (this.statusIntervalMs > 0) {
      this.statusTimer = setInterval(() => this.publishStatus(), this.statusIntervalMs);
      this.statusTimer.unref();
      this.publishStatus();
    }
  }

  /** Writes the counters to /status/osc/...: loss and refusals visible to every client and the status line. */
  private publishStatus(): void {
    const s = this.stats();
    const values: Record<keyof typeof OSC_STATUS, number> = {
      received: s.received,
      malformed: s.malformed,
      denied: s.denied,
      refused: s.refused,
      readonly: s.readOnlyIgnored,
      errors: s.paramErrors,
      dropped: s.dropped,
      late: s.late,
      rxbuffer: s.rxBuffer,
    };
    const entries = Object.entries(values).map(([k, v]) => [`/status/osc/${k}`, v] as [string, number]).filter(([a]) => this.store.registry.has(a));
    try {
      this.store.batch(entries, 'osc-status', { internal: true });
    } catch (e) {
      this.internalErrors.hit(`status: ${(e as Error).message}`);
    }
  }

  private onPacket(peer: string, messages: readonly OscMessage[]): void {
    const writes: Array<[string, unknown]> = [];
    const origin = `osc:${peer}`;
    const readOnly = this.readOnlyPeers.has(peer) || (this.readOnlyPeer?.(parsePeer(peer).host) ?? false);
    for (const m of messages) {
      try {
        this.onMessage(peer, m, readOnly, writes);
      } catch (e) {
        if (!(e instanceof ParamError)) throw e;
        this.paramErrors.hit(`${peer} ${m.address}: ${e.message}`, parsePeer(peer).host);
      }
    }
    if (writes.length === 0) return;
    try {
      this.counts.applied += this.store.batch(writes, origin).length;
    } catch (e) {
      if (!(e instanceof ParamError)) throw e;
      // One bad value must not cost the rest of the bundle: apply the good ones one by one.
      for (const [address, raw] of writes) {
        try {
          if (this.store.set(address, raw, origin)) this.counts.applied++;
        } catch (e2) {
          if (!(e2 instanceof ParamError)) throw e2;
          this.paramErrors.hit(`${peer} ${address}: ${e2.message}`, parsePeer(peer).host);
        }
      }
    }
  }

  /**
   * Serves the native namespace over a WebSocket the web mixer upgraded and vetted; a `readOnly`
   * client may query and subscribe but not change anything. Its subscription ends with the socket.
   */
  acceptWebSocket(socket: WsSocket, ip: string, port: number, readOnly: boolean): void {
    const peer = this.endpoint.acceptWebSocket(socket, ip, port);
    if (readOnly) this.readOnlyPeers.add(peer);
    socket.on('close', () => {
      this.readOnlyPeers.delete(peer);
      this.subs.remove(peer);
    });
  }

  /** Adds a pattern for a client; an explicit /subscribe past the limit is refused, an implicit one skipped. */
  private subscribe(peer: string, entry: Entry, explicit = true): void {
    const { sub } = this.subs.renew(peer);
    if (!sub || sub.entries.some((e) => e.pattern === entry.pattern)) return;
    if (sub.entries.length >= MAX_ENTRIES) {
      if (!explicit) return;
      throw new ParamTypeError(entry.pattern, `subscription to ${entry.pattern} refused: a client may hold at most ${MAX_ENTRIES} patterns`);
    }
    sub.entries.push(entry);
  }

  private onMessage(peer: string, m: OscMessage, readOnly: boolean, writes: Array<[string, unknown]>): void {
    // Any message renews a subscriber.
    this.subs.renew(peer);
    switch (m.address) {
      case '/subscribe':
      case '/unsubscribe': {
        const patterns = m.args.map(argValue).filter((v): v is string => typeof v === 'string');
        if (m.address === '/unsubscribe') {
          const s = this.subs.get(peer);
          if (patterns.length === 0 || !s) {
            this.subs.remove(peer);
            this.endpoint.forget(peer);
          } else s.entries = s.entries.filter((e) => !patterns.includes(e.pattern));
          return;
        }
        if (patterns.length === 0) this.subscribe(peer, { pattern: '*', re: undefined, norm: false });
        for (const p of patterns) {
          if (p === NORM) {
            this.subscribe(peer, { pattern: NORM, re: undefined, norm: true });
            continue;
          }
          const norm = p.startsWith(NORM + '/');
          const bare = norm ? p.slice(NORM.length) : p;
          let re: AddressPattern;
          try {
            re = compileAddressPattern(bare);
          } catch (e) {
            throw new ParamTypeError(p, `bad subscription pattern ${p}: ${(e as Error).message}`);
          }
          this.subscribe(peer, { pattern: p, re, norm });
        }
        return;
      }
      case '/xremote':
        this.subscribe(peer, { pattern: '*', re: undefined, norm: false });
        return;
    }
    const norm = m.address.startsWith(NORM + '/');
    const address = norm ? m.address.slice(NORM.length) : m.address;
    this.subscribe(peer, { pattern: norm ? NORM : '*', re: undefined, norm }, false);
    const isPattern = /[*?[{]/.test(address);
    let defs: ParamDef[];
    try {
      defs = this.store.registry.match(address);
    } catch (e) {
      throw new ParamTypeError(m.address, `bad address pattern ${m.address}: ${(e as Error).message}`);
    }
    if (defs.length === 0) {
      if (!isPattern) this.store.def(address); // throws UnknownParamError with a did-you-mean hint
      throw new UnknownParamError(m.address, `no param matches ${m.address}`);
    }
    if (m.args.length === 0) {
      this.counts.queries++;
      for (const d of defs) {
        if (norm && d.type === 'text') continue;
        const out = this.encode(d, this.store.getByIndex(d.index), norm);
        if (out) this.endpoint.sendNow(peer, norm ? NORM + d.address : d.address, out);
      }
      return;
    }
    if (readOnly) {
      this.counts.readOnlyIgnored++;
      return;
    }
    const raw = argValue(m.args[0]!);
    if (raw === undefined) throw new ParamTypeError(m.address, `${m.address}: argument of OSC type '${m.args[0]!.type}' is not a value`);
    for (const d of defs) {
      // A pattern writes what it can write; an exact address reports why it cannot.
      if (isPattern && (d.readOnly || (norm && d.type === 'text'))) continue;
      if (!norm) {
        writes.push([d.address, raw]);
        continue;
      }
      const n = typeof raw === 'boolean' ? (raw ? 1 : 0) : typeof raw === 'number' ? raw : Number(raw);
      if ((typeof raw === 'string' && raw.trim() === '') || !Number.isFinite(n)) throw new ParamTypeError(m.address, `${m.address} takes a finite number 0..1, got ${JSON.stringify(String(raw)).slice(0, 60)}`);
      if (d.readOnly) throw new ReadOnlyParamError(d.address, `${d.address} is read-only`);
      writes.push([d.address, fromNormalized(d, n)]);
    }
  }

  /** The OSC arguments for a value, in units or normalized; undefined when it has no such form. */
  private encode(d: ParamDef, v: ParamValue, norm: boolean): OscArg[] | undefined {
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

  private feedback(batch: readonly ParamChange[]): void {
    if (this.subs.size === 0) return;
    for (const s of this.subs.live()) {
      const self = `osc:${s.peer}`;
      for (const c of batch) {
        if (c.origin === self || c.def.action) continue;
        const meter = c.def.volatile;
        for (const e of s.entries) {
          if (e.re ? !e.re.test(c.address) : meter) continue;
          const args = this.encode(c.def, c.value, e.norm);
          if (args) this.endpoint.queue(s.peer, e.norm ? NORM + c.address : c.address, args, meter);
        }
      }
    }
  }

  stats(): NativeOscStats {
    const ep = this.endpoint.stats();
    return {
      port: this.endpoint.port,
      websocketPort: this.endpoint.websocketPort,
      ...ep,
      ...this.counts,
      paramErrors: this.paramErrors.total,
      subscribers: [...this.subs.live()].length,
    };
  }

  async close(): Promise<void> {
    this.rx.unsubscribe();
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    if (this.statusTimer) clearInterval(this.statusTimer);
    this.subs.clear();
    await this.endpoint.close();
  }
}

/** Read-only lists name remote clients; a loopback address is read-only only when listed itself. */
function addressMatcherNoLoopback(entries: readonly string[]): AddressMatcher {
  return addressMatcher(entries, { loopback: false });
}
