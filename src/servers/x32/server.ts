/**
 * The X32 server: faderd answers apps and libraries written for a Behringer X32 as the console
 * does, on UDP port 10023 (protocol: the unofficial X32 OSC protocol document, P.-G. Maillot).
 *
 *   /info, /xinfo, /status           who is here (model X32, firmware 4.06)
 *   /ch/01/mix/fader [value]         get (the reply goes to the asker) or set, in the X32's scaling
 *   /node ,s ch/01/mix               the node as one text line, answered to the address `node`
 *   / ,s "ch/01/mix ON -10 ..."      sets a node (or one leaf) from such a line; echoed to the sender
 *   /xremote                         10 s of every change, for at most 4 clients (as a console); a new
 *                                    client first gets a dump of every value faderd has
 *   /meters, /subscribe, /formatsubscribe, /batchsubscribe, /renew, /unsubscribe  (see subscribe.ts)
 *
 * A set is echoed to every /xremote client, the setter included, with the value faderd holds after
 * it (clamped to faderd's range, snapped to the X32's steps). Leaves faderd does not have answer
 * with a console's reset value and ignore sets; the setter is told the value that stands. Read-only
 * clients may get and subscribe; their sets are answered the same way and change nothing.
 */
import os from 'node:os';
import { Subscription as RxSubscription } from 'rxjs';
import type { ParamChange, ParamStore } from '../../params/store.ts';
import type { ParamValue } from '../../params/registry.ts';
import { ParamError } from '../../params/errors.ts';
import { OscEndpoint, parsePeer, type OscEndpointStats } from '../../surfaces/osc/endpoint.ts';
import { addressMatcher, type AddressMatcher } from '../../surfaces/osc/access.ts';
import { SubscriberTable } from '../../surfaces/osc/subscriptions.ts';
import type { OscMessage } from '../../surfaces/osc/codec.ts';
import type { OscArg } from '../../surfaces/types.ts';
import { logger, RateLimitedLog } from '../../util/log.ts';
import { Bindings } from './bindings.ts';
import { MeterSource } from './meters.ts';
import { PacedSender } from './paced.ts';
import { DEFAULT_PACE, resolvePacing, type PacingSetting } from '../../surfaces/pacing.ts';
import { fromArg, fromText, type X32Value } from './scales.ts';
import { batchPlan, formatPlan, metersPlan, subscribePlan, type SubscribeHost, type SubscriptionPlan } from './subscribe.ts';
import { TimedSubscriptions } from './timed.ts';
import { buildTree, leafArg, nodeLine, toText, type X32Leaf, type X32Node, type X32Tree } from './tree.ts';
import { nodeReply, tokenize } from './wire.ts';

const log = logger(import.meta.url);

export const DEFAULT_X32_PORT = 10023;
/** What /info reports: OSC server version, model, firmware (the firmware whose tree this serves). */
export const X32_IDENTITY = { server: 'V2.07', model: 'X32', firmware: '4.06' } as const;

export interface X32ServerOptions {
  readonly host: string;
  readonly port: number;
  /** Client addresses or IPv4 subnets; required (non-empty) when host is not loopback. */
  readonly allow?: readonly string[];
  /** Clients that may get and subscribe but not change anything. */
  readonly readOnly?: readonly string[];
  /** Lease of /xremote and of every subscription: 10 s, as on a console. */
  readonly leaseMs?: number;
  /** /xremote clients at once: 4, as on a console. */
  readonly maxRemotes?: number;
  /** The console name in /info, /xinfo, /status and /-prefs/name. */
  readonly name?: string;
  /** Each client's feedback pace (session `x32.pacing`; src/surfaces/pacing.ts); false: unpaced. */
  readonly pacing?: PacingSetting;
}

export interface X32ServerStats extends OscEndpointStats {
  port: number;
  gets: number;
  sets: number;
  ignoredSets: number;
  readOnlyIgnored: number;
  unknown: number;
  remotes: number;
  remotesRefused: number;
  dumps: number;
  subscriptions: number;
}

interface Write {
  readonly param: string;
  readonly value: ParamValue;
  readonly leaf: X32Leaf;
}

type Arg = { type: 'i' | 'f' | 's'; value: number | string };
const S = (value: string): OscArg => ({ type: 's', value });

export class X32Server {
  private readonly endpoint: OscEndpoint;
  /** Echoes and dumps: paced and coalesced per client. Get replies go out at once. */
  private readonly out: PacedSender;
  private readonly tree: X32Tree;
  private readonly bindings: Bindings;
  private readonly remotes: SubscriberTable<never>;
  private readonly timed: TimedSubscriptions;
  private readonly readOnlyPeer: AddressMatcher | undefined;
  private readonly rx = new RxSubscription();
  private readonly errors: RateLimitedLog;
  private readonly refusedLog: RateLimitedLog;
  private readonly host: SubscribeHost;
  private readonly soloLeaf: X32Leaf | undefined;
  private readonly soloParams: number[];
  private soloOn = false;
  private timer: NodeJS.Timeout | undefined;
  private sweeper: NodeJS.Timeout | undefined;
  private readonly counts = { gets: 0, sets: 0, ignoredSets: 0, readOnlyIgnored: 0, unknown: 0, remotesRefused: 0, dumps: 0 };
  readonly name: string;

  constructor(
    private readonly store: ParamStore,
    private readonly opts: X32ServerOptions,
  ) {
    this.endpoint = new OscEndpoint({ name: 'X32 server', host: opts.host, port: opts.port, allow: opts.allow });
    this.out = new PacedSender((peer, address, args) => this.endpoint.sendNow(peer, address, args), { pace: resolvePacing(opts.pacing, DEFAULT_PACE.udp).pace ?? null });
    this.name = opts.name ?? 'faderd';
    this.tree = buildTree(this.name);
    this.bindings = new Bindings(this.tree, store.registry);
    const leaseMs = opts.leaseMs ?? 10_000;
    this.remotes = new SubscriberTable<never>(leaseMs, opts.maxRemotes ?? 4);
    this.timed = new TimedSubscriptions({ leaseMs });
    try {
      this.readOnlyPeer = opts.readOnly?.length ? readOnlyMatcher(opts.readOnly) : undefined;
    } catch (e) {
      throw new Error(`X32 server: bad readOnly list: ${(e as Error).message}`);
    }
    this.errors = new RateLimitedLog(log, 'X32 server: message failed');
    this.refusedLog = new RateLimitedLog(log, `X32 server: /xremote refused, ${opts.maxRemotes ?? 4} clients already registered`);
    this.soloLeaf = this.tree.leaf('/-stat/solo');
    this.soloParams = store.registry.defs.filter((d) => /^\/(ch|bus|fx)\/\d+\/solo$/.test(d.address)).map((d) => d.index);
    this.soloOn = this.anySolo();
    const meters = new MeterSource(store, store.registry);
    this.host = {
      leafArg: (address) => {
        const leaf = this.tree.leaf(address);
        return leaf ? leafArg(leaf, this.value(leaf)) : undefined;
      },
      meters,
      sendOsc: (peer, address, args) => this.endpoint.sendNow(peer, address, args),
      sendWire: (peer, bytes) => this.endpoint.sendRaw(peer, bytes),
    };
  }

  get port(): number {
    return this.endpoint.port;
  }

  /** What start() would refuse before binding (a bad allow list or host), so a reload can check first. */
  get configProblem(): string | undefined {
    return this.endpoint.problem;
  }

  /** Leaves that carry one of faderd's params (the rest answer with reset values). */
  get boundLeaves(): number {
    return this.bindings.size;
  }

  async start(): Promise<void> {
    await this.endpoint.start();
    // A bug in a handler must cost one packet or one echo, not the server (an error would end the subscription).
    const guarded =
      <T>(what: (x: T) => string, fn: (x: T) => void) =>
      (x: T): void => {
        try {
          fn(x);
        } catch (e) {
          this.errors.hit(`${what(x)}: ${(e as Error).stack ?? String(e)}`);
        }
      };
    this.rx.add(this.endpoint.packets$.subscribe(guarded((p) => p.peer, (p) => this.onPacket(p.peer, p.messages))));
    this.rx.add(this.store.changes$.subscribe(guarded(() => 'echo', (batch) => this.echo(batch))));
    this.sweeper = setInterval(() => {
      for (const peer of this.remotes.sweep()) this.out.forget(peer);
    }, 1000);
    this.sweeper.unref();
  }

  /** A leaf's value now: faderd's param, the derived solo light, or the console's reset value. */
  private value(leaf: X32Leaf): X32Value {
    if (leaf === this.soloLeaf) return this.soloOn ? 1 : 0;
    return this.bindings.value(leaf, this.store);
  }

  private anySolo(): boolean {
    return this.soloParams.some((i) => this.store.getByIndex(i) === true);
  }

  private onPacket(peer: string, messages: readonly OscMessage[]): void {
    const writes: Write[] = [];
    const readOnly = this.readOnlyPeer?.(parsePeer(peer).host) ?? false;
    for (const m of messages) {
      try {
        this.onMessage(peer, m, readOnly, writes);
      } catch (e) {
        this.errors.hit(`${peer} ${m.address}: ${(e as Error).message}`, parsePeer(peer).host);
      }
    }
    if (writes.length) this.apply(peer, writes);
  }

  private onMessage(peer: string, m: OscMessage, readOnly: boolean, writes: Write[]): void {
    const str = m.args[0]?.type === 's' ? String(m.args[0].value) : undefined;
    switch (m.address) {
      case '/info':
        return this.endpoint.sendNow(peer, '/info', [S(X32_IDENTITY.server), S(this.name), S(X32_IDENTITY.model), S(X32_IDENTITY.firmware)]);
      case '/xinfo':
        return this.endpoint.sendNow(peer, '/xinfo', [S(this.ip()), S(this.name), S(X32_IDENTITY.model), S(X32_IDENTITY.firmware)]);
      case '/status':
        return this.endpoint.sendNow(peer, '/status', [S('active'), S(this.ip()), S(this.name)]);
      case '/xremote':
        return this.xremote(peer);
      case '/renew':
        this.timed.renew(peer, str === undefined ? undefined : this.subscriptionName(str));
        return;
      case '/unsubscribe':
        if (str === undefined) {
          this.timed.remove(peer);
          this.remotes.remove(peer);
        } else this.timed.remove(peer, this.subscriptionName(str));
        return;
      case '/meters':
        return this.subscribe(peer, metersPlan(this.host, peer, m));
      case '/subscribe':
        return this.subscribe(peer, subscribePlan(this.host, peer, m));
      case '/formatsubscribe':
        return this.subscribe(peer, formatPlan(this.host, peer, m));
      case '/batchsubscribe':
        return this.subscribe(peer, batchPlan(this.host, peer, m));
      case '/node':
        return str === undefined ? undefined : this.nodeQuery(peer, str);
      case '/':
        return str === undefined ? undefined : this.nodeSet(peer, str, readOnly, writes);
    }
    const leaf = this.tree.leaf(m.address);
    if (leaf) {
      if (m.args.length === 0) return this.get(peer, leaf);
      const x = fromArg(leaf.kind, m.args[0]!.type, m.args[0]!.value);
      return this.set(peer, leaf, x, readOnly, writes);
    }
    const node = this.tree.node(m.address);
    if (node && m.args.length > 0) {
      // A node address with several typed arguments sets its leaves in order (`/ch/01/eq/1 ,ifff`).
      node.leaves.slice(0, m.args.length).forEach((l, k) => this.set(peer, l, fromArg(l.kind, m.args[k]!.type, m.args[k]!.value), readOnly, writes));
      return;
    }
    this.counts.unknown++;
  }

  /** `/renew ,s meters/5` names the same subscription as `/meters/5`. */
  private subscriptionName(name: string): string {
    return /^meters\//.test(name) ? '/' + name : name;
  }

  private subscribe(peer: string, plan: SubscriptionPlan | undefined): void {
    if (!plan) {
      this.counts.unknown++;
      return;
    }
    if (this.timed.add(peer, plan.name, plan.intervalMs, plan.send)) this.pump();
  }

  /** Sends what is due and sleeps until the next send. */
  private pump(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const delay = this.timed.run();
    if (delay === undefined) return;
    this.timer = setTimeout(() => this.pump(), delay);
    this.timer.unref();
  }

  private get(peer: string, leaf: X32Leaf): void {
    this.counts.gets++;
    this.endpoint.sendNow(peer, leaf.address, [leafArg(leaf, this.value(leaf))]);
  }

  /** Queues a write of faderd's param, or answers the setter with the value that stands. */
  private set(peer: string, leaf: X32Leaf, x: X32Value | undefined, readOnly: boolean, writes: Write[]): void {
    const b = this.bindings.leaf(leaf.address);
    const value = x === undefined || !b ? undefined : b.fromX32(x);
    if (readOnly) this.counts.readOnlyIgnored++;
    else if (value === undefined) this.counts.ignoredSets++;
    if (readOnly || value === undefined || !b) {
      this.get(peer, leaf);
      return;
    }
    writes.push({ param: b.param.address, value, leaf });
  }

  /** Applies a packet's writes as one batch; a write that changed nothing is answered to its setter. */
  private apply(peer: string, writes: readonly Write[]): void {
    const origin = `x32:${peer}`;
    let changed: Set<string>;
    try {
      changed = new Set(this.store.batch(writes.map((w) => [w.param, w.value] as const), origin).map((c) => c.address));
    } catch (e) {
      if (!(e instanceof ParamError)) throw e;
      changed = new Set();
      for (const w of writes) {
        try {
          if (this.store.set(w.param, w.value, origin)) changed.add(w.param);
        } catch (e2) {
          if (!(e2 instanceof ParamError)) throw e2;
          this.errors.hit(`${peer} ${w.leaf.address}: ${e2.message}`, parsePeer(peer).host);
        }
      }
    }
    this.counts.sets += writes.length;
    for (const w of writes) if (!changed.has(w.param)) this.get(peer, w.leaf);
  }

  /** `/node ,s ch/01/mix` (a node), `ch/01/mix/fader` (one leaf) or `ch` (its first node). */
  private nodeQuery(peer: string, path: string): void {
    const p = path.replace(/^\//, '');
    const leaf = this.tree.leaf('/' + p);
    const node = this.tree.node(p) ?? (leaf ? undefined : this.tree.firstUnder(p));
    if (!node && !leaf) {
      this.counts.unknown++;
      return;
    }
    this.counts.gets++;
    const line = node ? this.nodeText(node) : nodeLine(p, [toText(leaf!.kind, this.value(leaf!)).trim()]);
    this.endpoint.sendRaw(peer, nodeReply(line));
  }

  /** The `/node` line of a node path (`ch/01/mix`) with faderd's values; undefined for no such node. */
  nodeLineOf(path: string): string | undefined {
    const node = this.tree.node(path);
    return node ? this.nodeText(node) : undefined;
  }

  private nodeText(node: X32Node): string {
    return nodeLine(
      node.path,
      node.leaves.map((l) => toText(l.kind, this.value(l))),
    );
  }

  /** `/ ,s "ch/01/mix ON -10.0 ..."`: echoed to the sender, then each value set as a leaf set would be. */
  private nodeSet(peer: string, line: string, readOnly: boolean, writes: Write[]): void {
    const [head, ...values] = tokenize(line);
    if (head === undefined) return;
    const path = head.replace(/^\//, '');
    const node = this.tree.node(path);
    const leaf = node ? undefined : this.tree.leaf('/' + path);
    if (!node && !leaf) {
      this.counts.unknown++;
      return;
    }
    this.endpoint.sendNow(peer, '/', [S(line)]);
    const leaves = node ? node.leaves : [leaf!];
    leaves.slice(0, values.length).forEach((l, k) => this.set(peer, l, fromText(l.kind, values[k]!), readOnly, writes));
  }

  private xremote(peer: string): void {
    this.remotes.sweep();
    const { sub, added } = this.remotes.renew(peer);
    if (!sub) {
      this.counts.remotesRefused++;
      this.refusedLog.hit(peer, parsePeer(peer).host);
      return;
    }
    if (added) this.dump(peer);
  }

  /** Every value faderd has, to one new /xremote client. */
  private dump(peer: string): void {
    this.counts.dumps++;
    for (const b of this.bindings.all()) this.out.put(peer, b.leaf.address, [leafArg(b.leaf, b.toX32(this.store.getByIndex(b.param.index)))]);
    if (this.soloLeaf) this.out.put(peer, this.soloLeaf.address, [leafArg(this.soloLeaf, this.value(this.soloLeaf))]);
  }

  /** Changes, from anywhere (this server's clients too), to every /xremote client. */
  private echo(batch: readonly ParamChange[]): void {
    const out: Array<[string, Arg]> = [];
    let solo = false;
    for (const c of batch) {
      if (c.def.volatile) continue;
      if (c.address.endsWith('/solo')) solo = true;
      for (const b of this.bindings.ofParam(c.address)) out.push([b.leaf.address, leafArg(b.leaf, b.toX32(c.value))]);
    }
    if (solo && this.soloLeaf && this.anySolo() !== this.soloOn) {
      this.soloOn = !this.soloOn;
      out.push([this.soloLeaf.address, leafArg(this.soloLeaf, this.soloOn ? 1 : 0)]);
    }
    if (out.length === 0) return;
    for (const r of this.remotes.live()) for (const [address, arg] of out) this.out.put(r.peer, address, [arg]);
  }

  /** The address a client reaches faderd at, for /xinfo and /status. */
  private ip(): string {
    if (this.opts.host !== '0.0.0.0' && this.opts.host !== '::') return this.opts.host;
    for (const list of Object.values(os.networkInterfaces())) for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
    return '127.0.0.1';
  }

  stats(): X32ServerStats {
    return {
      port: this.endpoint.port,
      ...this.endpoint.stats(),
      dropped: this.endpoint.stats().dropped + this.out.dropped,
      // Echoes and dumps wait in the paced sender, not the endpoint's outbox.
      queued: this.out.pending,
      ...this.counts,
      remotes: [...this.remotes.live()].length,
      subscriptions: this.timed.size,
    };
  }

  async close(): Promise<void> {
    this.rx.unsubscribe();
    if (this.timer) clearTimeout(this.timer);
    if (this.sweeper) clearInterval(this.sweeper);
    this.timed.clear();
    this.remotes.clear();
    this.out.close();
    await this.endpoint.close();
  }
}

/** Read-only lists name remote clients; a loopback address is read-only only when listed itself. */
function readOnlyMatcher(entries: readonly string[]): AddressMatcher {
  return addressMatcher(entries, { loopback: false });
}
