/**
 * OSC surface transport, for surfaces that speak their own dialect through a mapping file (an X32
 * app on 10023, TouchOSC layouts...). It listens on the spec's address, hands every message up with
 * its sender as `peer`, and sends feedback to subscribed clients, coalesced per client.
 *
 * Subscription: with `renew` set (e.g. `/xremote`), only that address subscribes and renews its
 * sender; without it, any message does. A client silent for `subscriptionTimeoutMs` (10 s) is
 * dropped. A fixed `remoteHost`/`remotePort` always gets feedback, subscribed or not.
 *
 * connected$ is true while the socket listens and someone can hear feedback (a fixed remote or at
 * least one subscriber); each new subscriber emits true again, after the packet that brought it is
 * applied, so the mapping layer sends it the current state: the present, never a value from before.
 */
import { BehaviorSubject, Subject, Subscription, type Observable } from 'rxjs';
import type { SendOptions, SurfaceDeviceSpec, SurfaceMessage, SurfaceTransport, TransportStats } from '../types.ts';
import { OscEndpoint, peerName } from './endpoint.ts';
import { SubscriberTable } from './subscriptions.ts';
import { DEFAULT_PACE, resolvePacing } from '../pacing.ts';
import { logger } from '../../util/log.ts';

const log = logger(import.meta.url);

export type OscSpec = Extract<SurfaceDeviceSpec, { transport: 'osc' }>;

export class OscTransport implements SurfaceTransport {
  readonly kind = 'osc' as const;
  private readonly incoming = new Subject<SurfaceMessage>();
  readonly incoming$: Observable<SurfaceMessage> = this.incoming.asObservable();
  private readonly connected = new BehaviorSubject<boolean>(false);
  readonly connected$: Observable<boolean> = this.connected.asObservable();
  private readonly endpoint: OscEndpoint;
  private readonly subs: SubscriberTable<never>;
  private readonly remote: string | undefined;
  private readonly rx = new Subscription();
  private readonly counters = { sent: 0, dropped: 0 };
  private sweepTimer: NodeJS.Timeout | undefined;
  private readonly ready: Promise<void>;
  private closed = false;

  constructor(
    readonly id: string,
    private readonly spec: OscSpec,
  ) {
    const timeoutMs = spec.subscriptionTimeoutMs ?? 10_000;
    this.endpoint = new OscEndpoint({
      name: `surface ${id}`,
      host: spec.host ?? '127.0.0.1',
      port: spec.port ?? 0,
      allow: spec.allow,
      pacing: { udp: resolvePacing(spec.pacing, DEFAULT_PACE.udp) },
    });
    this.subs = new SubscriberTable<never>(timeoutMs);
    // Named as incoming packets name their sender, so the remote's own changes are not echoed to it.
    if (spec.remotePort !== undefined) this.remote = peerName(spec.remoteHost ?? '127.0.0.1', spec.remotePort);
    this.ready = this.start(timeoutMs);
    // The failure is logged in start() and reported by whenListening(); it must not go unhandled.
    this.ready.catch(() => undefined);
  }

  /** Resolves once listening; rejects (and stays disconnected) when the port cannot be bound. */
  whenListening(): Promise<void> {
    return this.ready;
  }

  /** The bound UDP port. */
  get port(): number {
    return this.endpoint.port;
  }

  private async start(timeoutMs: number): Promise<void> {
    try {
      await this.endpoint.start();
    } catch (e) {
      log.warn({ surface: this.id }, (e as Error).message);
      throw e;
    }
    if (this.closed) return;
    this.rx.add(
      this.endpoint.packets$.subscribe(({ peer, messages }) => {
        let added = false;
        for (const m of messages) {
          if (!this.spec.renew || m.address === this.spec.renew) added = this.subscribe(peer) || added;
          this.incoming.next({ kind: 'osc', address: m.address, args: m.args, peer });
        }
        // After the packet is applied: the resync a new client gets then sends the present, its own
        // move included. Before it, a client that came back from idle by moving a fader would be sent
        // the fader's old value and left showing it while the mix is elsewhere.
        if (added) this.connected.next(true);
      }),
    );
    this.rx.add(
      this.endpoint.dropped$.subscribe((peer) => {
        this.subs.remove(peer);
        this.sweep();
      }),
    );
    this.sweepTimer = setInterval(() => this.sweep(), Math.max(50, Math.min(1000, timeoutMs / 4)));
    this.sweepTimer.unref();
    if (this.remote) this.connected.next(true);
  }

  /** Renews a client; true when it is new (the caller signals the resync once its packet is applied). */
  private subscribe(peer: string): boolean {
    return this.subs.renew(peer).added;
  }

  private sweep(): void {
    for (const peer of this.subs.sweep()) this.endpoint.forget(peer);
    if (!this.remote && this.subs.size === 0 && this.connected.value) this.connected.next(false);
  }

  send(msg: SurfaceMessage, opts: SendOptions = {}): void {
    if (msg.kind !== 'osc' || (!this.connected.value && !opts.to)) {
      this.counters.dropped++;
      return;
    }
    if (opts.to) {
      this.endpoint.queue(opts.to, msg.address, msg.args);
      this.counters.sent++;
      return;
    }
    if (this.remote && this.remote !== opts.except) {
      this.endpoint.queue(this.remote, msg.address, msg.args);
      this.counters.sent++;
    }
    for (const s of this.subs.live()) {
      if (s.peer === opts.except || s.peer === this.remote) continue;
      this.endpoint.queue(s.peer, msg.address, msg.args);
      this.counters.sent++;
    }
  }

  stats(): TransportStats {
    const ep = this.endpoint.stats();
    return { received: ep.received, sent: this.counters.sent, dropped: this.counters.dropped + ep.dropped + ep.denied + ep.late, errors: ep.malformed };
  }

  async close(): Promise<void> {
    this.closed = true;
    this.rx.unsubscribe();
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    await this.ready.catch(() => undefined);
    await this.endpoint.close();
    this.connected.next(false);
    this.connected.complete();
    this.incoming.complete();
  }
}
