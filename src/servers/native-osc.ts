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
 *   - New coverage sends the current value of everything it covers first, paced.
 *   - An int argument to `/subscribe`, `/unsubscribe`, `/xremote`, `/get` and `/echo` names the port
 *     the client listens on (and a string IP the host, within the allow list): replies and feedback
 *     go there (src/surfaces/osc/reply-target.ts). `/get PATTERN... [PORT]` is a query that can say so.
 *   - Every message from a client renews it; a client silent for `subscriptionTimeoutMs` (10 s,
 *     like an X32) is dropped. `/unsubscribe` drops it at once (`/unsubscribe PATTERN` drops one).
 * A client gets the echo of its own change only with `/echo 1` (or the session's `osc.echo`); the
 * subscribers themselves live in native-osc-feedback.ts.
 */
import { Subscription as RxSubscription } from 'rxjs';
import type { ParamStore, ParamChange } from '../params/store.ts';
import { fromNormalized } from '../params/store.ts';
import { OSC_STATUS, type ParamDef } from '../params/registry.ts';
import { ParamError, ParamTypeError, ReadOnlyParamError, UnknownParamError } from '../params/errors.ts';
import { OscEndpoint, parsePeer, type OscEndpointStats } from '../surfaces/osc/endpoint.ts';
import { argValue, type OscMessage, type WsSocket } from '../surfaces/osc/codec.ts';
import { addressMatcher, isLoopback, type AddressMatcher } from '../surfaces/osc/access.ts';
import { replyTarget, ReplyTargetError } from '../surfaces/osc/reply-target.ts';
import { encode, NativeFeedback, NORM, SubscriptionError, type RemoteSpec } from './native-osc-feedback.ts';
import { logger, RateLimitedLog } from '../util/log.ts';
import { DEFAULT_PACE, resolvePacing, type PacingSetting } from '../surfaces/pacing.ts';

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
  /** Echo every client's own changes back to it unless it says `/echo 0`. Default false. */
  echo?: boolean;
  /** Clients that cannot ask: permanent subscribers at a fixed host and port. */
  remotes?: readonly RemoteSpec[];
  /** Subscriber table bounds (fairness: native-osc-feedback.ts, subscriptions.ts). */
  maxSubscribers?: number;
  maxPerHost?: number;
  maxPerRange?: number;
  /** Snapshot values sent per millisecond, all new subscribers together. Default 24. */
  snapshotChunk?: number;
  /** Per-client queue bounds (src/surfaces/osc/outbox.ts): addresses waiting, unsent WebSocket bytes, stall time. */
  maxPending?: number;
  maxBufferedBytes?: number;
  stallMs?: number;
  /** WebSocket connections one source address may hold. Default 16. */
  maxConnectionsPerHost?: number;
  /** Feedback pace and bundling for UDP clients (session `osc.pacing`; src/surfaces/pacing.ts). */
  pacing?: PacingSetting;
}

export interface NativeOscStats extends OscEndpointStats {
  port: number;
  websocketPort: number;
  applied: number;
  queries: number;
  paramErrors: number;
  readOnlyIgnored: number;
  subscribers: number;
  subscribersEvicted: number;
  subscribersRefused: number;
  snapshotSent: number;
}

export const DEFAULT_OSC_PORT = 9000;


export class NativeOscServer {
  private readonly endpoint: OscEndpoint;
  private readonly subs: NativeFeedback;
  private readonly allowed: AddressMatcher;
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
      ...(opts.maxPending !== undefined ? { maxPending: opts.maxPending } : {}),
      pacing: { udp: resolvePacing(opts.pacing, DEFAULT_PACE.udp) },
      ...(opts.maxBufferedBytes !== undefined ? { maxBufferedBytes: opts.maxBufferedBytes } : {}),
      ...(opts.stallMs !== undefined ? { stallMs: opts.stallMs } : {}),
      ...(opts.maxConnectionsPerHost !== undefined ? { maxConnectionsPerHost: opts.maxConnectionsPerHost } : {}),
    });
    this.readOnlyPeer = opts.readOnly?.length ? addressMatcherNoLoopback(opts.readOnly) : undefined;
    this.timeoutMs = opts.subscriptionTimeoutMs ?? 10_000;
    this.statusIntervalMs = opts.statusIntervalMs ?? 0;
    this.allowed = allowMatcher(opts.allow ?? []);
    this.subs = new NativeFeedback(store, this.endpoint, {
      timeoutMs: this.timeoutMs,
      echo: opts.echo,
      remotes: opts.remotes,
      maxSubscribers: opts.maxSubscribers,
      maxPerHost: opts.maxPerHost,
      maxPerRange: opts.maxPerRange,
      snapshotChunk: opts.snapshotChunk,
    });
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
    // A client dropped for not draining its feedback loses its subscription with its connection.
    this.rx.add(this.endpoint.dropped$.subscribe((peer) => this.subs.remove(peer)));
    this.sweepTimer = setInterval(() => this.subs.sweep(), Math.max(50, Math.min(1000, this.timeoutMs / 4)));
    this.sweepTimer.unref();
    this.subs.addRemotes();
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
      slowclients: s.droppedClients,
      connrefused: s.connectionsRefused,
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
        if (!(e instanceof ParamError) && !(e instanceof SubscriptionError) && !(e instanceof ReplyTargetError)) throw e;
        this.paramErrors.hit(`${peer} ${m.address}: ${e.message}`, parsePeer(peer).host);
      }
    }
    if (writes.length === 0) return;
    this.apply(peer, origin, writes);
    // Whatever became of the writes, the value that stands goes back to a client that asked for echo.
    this.subs.echo(peer, new Set(writes.map(([a]) => a)), messages.some((m) => m.address.startsWith(NORM + '/')));
  }

  private apply(peer: string, origin: string, writes: Array<[string, unknown]>): void {
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
    // The page asks for every value itself when it connects (web/app/main.js).
    this.subs.fetchesItself.add(peer);
    socket.on('close', () => {
      this.readOnlyPeers.delete(peer);
      this.subs.remove(peer);
    });
  }

  /** The subscription side: `/subscribe`, `/unsubscribe`, `/xremote`, `/echo`, `/get`; false for anything else. */
  private onControl(peer: string, m: OscMessage): boolean {
    switch (m.address) {
      case '/subscribe':
      case '/unsubscribe':
      case '/xremote':
      case '/echo':
      case '/get':
        break;
      default:
        return false;
    }
    // `/echo 0|1 [PORT [HOST]]`: the flag comes first, so it is not taken for a port.
    const flag = m.address === '/echo' ? m.args[0] : undefined;
    const { target, rest } = replyTarget(peer, m.address === '/echo' ? m.args.slice(1) : m.args, this.allowed);
    const strings = rest.map(argValue).filter((v): v is string => typeof v === 'string');
    switch (m.address) {
      case '/subscribe':
        this.subs.subscribe(peer, target, strings, 'explicit');
        break;
      case '/xremote':
        this.subs.subscribe(peer, target, [], 'explicit');
        break;
      case '/unsubscribe':
        this.subs.unsubscribe(target, strings);
        break;
      case '/echo': {
        this.subs.setEcho(peer, target, flag === undefined || Boolean(argValue(flag)));
        break;
      }
      case '/get':
        this.counts.queries++;
        for (const p of strings) {
          const norm = p === NORM || p.startsWith(NORM + '/');
          const bare = p === NORM ? '/*' : norm ? p.slice(NORM.length) : p;
          this.subs.resend(target, this.store.registry.match(bare).filter((d) => !d.action && !(norm && d.type === 'text')), norm);
        }
        break;
    }
    return true;
  }

  private onMessage(peer: string, m: OscMessage, readOnly: boolean, writes: Array<[string, unknown]>): void {
    // Any message renews a subscriber.
    this.subs.renew(peer);
    if (this.onControl(peer, m)) return;
    const norm = m.address.startsWith(NORM + '/');
    const address = norm ? m.address.slice(NORM.length) : m.address;
    this.subs.subscribe(peer, this.subs.replyTo(peer), [norm ? NORM : '*'], 'implicit');
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
      const to = this.subs.replyTo(peer);
      for (const d of defs) {
        if (norm && d.type === 'text') continue;
        const out = encode(d, this.store.getByIndex(d.index), norm);
        // A pattern's replies are a burst (`/ch/*` is hundreds): paced and coalesced like feedback.
        if (out) (isPattern ? this.endpoint.queue(to, norm ? NORM + d.address : d.address, out) : this.endpoint.sendNow(to, norm ? NORM + d.address : d.address, out));
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

  private feedback(batch: readonly ParamChange[]): void {
    this.subs.feedback(batch);
  }

  stats(): NativeOscStats {
    const ep = this.endpoint.stats();
    return {
      port: this.endpoint.port,
      websocketPort: this.endpoint.websocketPort,
      ...ep,
      ...this.counts,
      paramErrors: this.paramErrors.total,
      subscribers: [...this.subs.table.live()].length,
      subscribersEvicted: this.subs.table.evicted,
      subscribersRefused: this.subs.table.refused,
      snapshotSent: this.subs.snapshotSent,
    };
  }

  async close(): Promise<void> {
    this.rx.unsubscribe();
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    if (this.statusTimer) clearInterval(this.statusTimer);
    this.subs.close();
    await this.endpoint.close();
  }
}

/** Read-only lists name remote clients; a loopback address is read-only only when listed itself. */
function addressMatcherNoLoopback(entries: readonly string[]): AddressMatcher {
  return addressMatcher(entries, { loopback: false });
}

/** The allow list as the listener applies it (loopback always), for reply hosts; a bad list allows loopback only (the listener refuses to start). */
function allowMatcher(entries: readonly string[]): AddressMatcher {
  try {
    return addressMatcher(entries);
  } catch {
    return isLoopback;
  }
}
