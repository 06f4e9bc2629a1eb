/**
 * An OSC listener: one UDP socket (and optionally a WebSocket server for browser remotes) that
 * decodes packets, checks the sender against the allow list, honours bundle time tags, and sends
 * replies to the sender's own address and port. Both the native param server and OSC surfaces sit
 * on it. Peers are named `host:port` (UDP) or `ws:host:port` (WebSocket).
 */
import dgram from 'node:dgram';
import net from 'node:net';
import { BehaviorSubject, Subject, type Observable } from 'rxjs';
import type { OscArg } from '../types.ts';
import { logger, RateLimitedLog } from '../../util/log.ts';
import { addressMatcher, isLoopback, plainIp, wideOpenEntries, type AddressMatcher } from './access.ts';
import { WebSocketServer } from 'ws';
import { browserGuard } from '../../util/browser-guard.ts';
import { decodePacket, encodeMessage, type OscMessage, type WsSocket } from './codec.ts';
import { Outbox } from './outbox.ts';
import { DEFAULT_PACE, type Pacing } from '../pacing.ts';

const log = logger(import.meta.url);

/** Largest WebSocket message accepted: the largest UDP datagram. */
const MAX_WS_PACKET = 65536;

export interface OscEndpointOptions {
  /** Listening address; anything but loopback needs a non-empty `allow` list. */
  readonly host: string;
  /** UDP port; 0 picks a free one (see `port` after start). */
  readonly port: number;
  readonly allow?: readonly string[];
  /** Also accept OSC over WebSocket on this port (same host); 0 picks a free one. */
  readonly websocketPort?: number;
  /** Longest a bundle may be scheduled ahead; later ones are dropped and counted. Default 60 s. */
  readonly maxScheduleMs?: number;
  /** Bundles waiting for their time tag before new ones are dropped (and counted late). Default 1024. */
  readonly maxScheduled?: number;
  /** Bytes of bundles waiting, in all, before new ones are dropped. Default 4 MiB. */
  readonly maxScheduledBytes?: number;
  /** Bundles, and bytes, one client may have waiting: one sender cannot take the whole budget. Default 128 and 512 KiB. */
  readonly maxScheduledPerPeer?: number;
  readonly maxScheduledBytesPerPeer?: number;
  /** Distinct addresses waiting per client (outbox.ts: a paced client at the bound sends its oldest). Default 8192. */
  readonly maxPending?: number;
  /** Rate of slow (meter) feedback. Default 30 Hz. */
  readonly slowRateHz?: number;
  /**
   * UDP receive buffer asked of the OS. Default 4 MiB: the kernel default (~200 KB) overflows on a
   * burst of a few large packets and drops them unseen. Linux grants at most net.core.rmem_max.
   */
  readonly recvBufferBytes?: number;
  /** A WebSocket client with more than this many bytes unsent is congested: its feedback waits, coalesced. Default 256 KiB. */
  readonly maxBufferedBytes?: number;
  /** How long a client may stay congested before it is dropped. Default 5 s. */
  readonly stallMs?: number;
  /** WebSocket connections one source address may hold at once. Default 16. */
  readonly maxConnectionsPerHost?: number;
  /**
   * Feedback pacing per kind of client (src/surfaces/pacing.ts). Default: the transport's pace,
   * one message per datagram. `bundleBytes` applies to UDP clients only.
   */
  readonly pacing?: { readonly udp?: Pacing; readonly ws?: Pacing };
  /** Names the listener in log lines. */
  readonly name: string;
  /**
   * Who may open the WebSocket from a browser: pages of these origins (`https://desk.example`) and of
   * faderd's own web mixer on `pagePorts`; Host must be an IP address, `localhost` or one of
   * `hostnames`. A client that sends no Origin (an app, a script) is not a page and passes.
   */
  readonly origins?: readonly string[];
  readonly hostnames?: readonly string[];
  readonly pagePorts?: readonly number[];
}

/** The messages of one packet or one bundle, from one peer: they are meant to apply together. */
export interface OscPacketIn {
  readonly peer: string;
  readonly messages: readonly OscMessage[];
}

export interface OscEndpointStats {
  packets: number;
  received: number;
  sent: number;
  malformed: number;
  denied: number;
  dropped: number;
  late: number;
  /** WebSocket upgrades refused for their Origin or Host header (403): another site's page, DNS rebinding. */
  refused: number;
  /** Bundles waiting for their time tag now, and their size in bytes. */
  scheduled: number;
  scheduledBytes: number;
  /** The UDP receive buffer the OS granted, in bytes. */
  rxBuffer: number;
  /** Clients dropped because their connection did not drain (their queue reached its bound). */
  droppedClients: number;
  /** Feedback values waiting in every client's queue now, and the most ever waiting for one client. */
  queued: number;
  peakQueued: number;
  connectionsRefused: number;
}

/** Splits `host:port`, `[v6]:port`, `ws:host:port` into its parts. */
export function parsePeer(peer: string): { ws: boolean; host: string; port: number } {
  const ws = peer.startsWith('ws:');
  const rest = ws ? peer.slice(3) : peer;
  const i = rest.lastIndexOf(':');
  return { ws, host: rest.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(rest.slice(i + 1)) };
}

/** How a peer is named: `host:port`, `[v6]:port`, IPv4-mapped addresses as plain IPv4. */
export function peerName(host: string, port: number): string {
  const h = plainIp(host);
  return `${h.includes(':') ? `[${h}]` : h}:${port}`;
}

export class OscEndpoint {
  private readonly packets = new Subject<OscPacketIn>();
  private readonly droppedPeers = new Subject<string>();
  /** WebSocket clients gone (closed, or dropped for not draining their feedback): their owner forgets their subscriptions. */
  readonly dropped$: Observable<string> = this.droppedPeers.asObservable();
  /** Every accepted packet or bundle, decoded, once it is due. */
  readonly packets$: Observable<OscPacketIn> = this.packets.asObservable();
  private readonly listening = new BehaviorSubject<boolean>(false);
  readonly listening$: Observable<boolean> = this.listening.asObservable();
  private readonly counters: Omit<OscEndpointStats, 'droppedClients' | 'queued' | 'peakQueued' | 'connectionsRefused'> = { packets: 0, received: 0, sent: 0, malformed: 0, denied: 0, dropped: 0, late: 0, refused: 0, scheduled: 0, scheduledBytes: 0, rxBuffer: 0 };
  private readonly allowed: AddressMatcher;
  private readonly outbox: Outbox;
  private readonly badPacket: RateLimitedLog;
  private readonly droppedLog: RateLimitedLog;
  /** WebSocket connections refused because their source already held its share. */
  private connectionsRefused = 0;
  private readonly connectionLog = new RateLimitedLog(log, 'OSC listener: WebSocket connection refused, its address holds its share already');
  private readonly deniedLog: RateLimitedLog;
  private readonly timers = new Set<NodeJS.Timeout>();
  /** What each client has waiting (bundles, bytes), and the total bytes: bounded so a flood of timed bundles cannot grow memory. */
  private readonly waiting = new Map<string, { count: number; bytes: number }>();
  private waitingBytes = 0;
  private readonly wsPeers = new Map<string, WsSocket>();
  private socket: dgram.Socket | undefined;
  private wss: WebSocketServer | undefined;
  private boundPort = 0;
  private boundWsPort = 0;

  /** A configuration problem, reported when start() is called (and read by a reload before it swaps). */
  readonly problem: string | undefined;

  constructor(private readonly opts: OscEndpointOptions) {
    const allow = opts.allow ?? [];
    let matcher: AddressMatcher = () => false;
    let problem: string | undefined;
    try {
      matcher = addressMatcher(allow);
    } catch (e) {
      problem = `${opts.name}: bad allow list: ${(e as Error).message}`;
    }
    if (!net.isIP(opts.host) && opts.host !== 'localhost') problem = `${opts.name}: host must be an IP address, got ${JSON.stringify(opts.host)}`;
    else if (!isLoopback(opts.host) && allow.length === 0) {
      problem = `${opts.name}: listening on ${opts.host} (beyond this machine) needs an allow list of client addresses or subnets, e.g. allow: [192.168.1.0/24]`;
    }
    this.problem = problem;
    this.allowed = matcher;
    this.outbox = new Outbox((peer, address, args) => this.sendNow(peer, address, args), {
      maxPending: opts.maxPending,
      slowRateHz: opts.slowRateHz,
      stallMs: opts.stallMs,
      congested: (peer) => this.congested(peer),
      onDrop: (peer, reason) => this.dropClient(peer, reason),
      pace: (peer) => (peer.startsWith('ws:') ? (opts.pacing?.ws ? opts.pacing.ws.pace : DEFAULT_PACE.ws) : opts.pacing?.udp ? opts.pacing.udp.pace : DEFAULT_PACE.udp),
      bundleBytes: (peer) => (peer.startsWith('ws:') ? 0 : (opts.pacing?.udp?.bundleBytes ?? 0)),
      encode: (address, args) => this.encode(address, args),
      sendPacket: (peer, bytes) => this.sendRaw(peer, bytes),
    });
    this.droppedLog = new RateLimitedLog(log, `${opts.name}: client dropped, its feedback was not drained`);
    this.badPacket = new RateLimitedLog(log, `${opts.name}: malformed OSC packet dropped`);
    this.deniedLog = new RateLimitedLog(log, `${opts.name}: packet from a client outside the allow list ignored`);
  }

  /** The bound UDP port (after start). */
  get port(): number {
    return this.boundPort;
  }

  get websocketPort(): number {
    return this.boundWsPort;
  }

  async start(): Promise<void> {
    if (this.problem) throw new Error(this.problem);
    const { host, port, name } = this.opts;
    for (const e of wideOpenEntries(this.opts.allow ?? [])) {
      log.warn({ entry: e }, `${name}: allow entry "${e}" lets every address in, from anywhere the port can be reached; name your subnet instead (e.g. 192.168.1.0/24)`);
    }
    const sock = dgram.createSocket(net.isIPv6(host) ? 'udp6' : 'udp4');
    await new Promise<void>((resolve, reject) => {
      const fail = (e: Error) => reject(new Error(`${name}: cannot listen on UDP ${host}:${port}: ${e.message}`));
      sock.once('error', fail);
      sock.bind(port, host, () => {
        sock.off('error', fail);
        resolve();
      });
    });
    // A send to a vanished client can surface as a socket error (ICMP unreachable); it must not end the listener.
    sock.on('error', (e) => log.warn({ err: e.message }, `${name}: UDP socket error`));
    sock.on('message', (data, rinfo) => this.onData(data, peerName(rinfo.address, rinfo.port), rinfo.address));
    this.socket = sock;
    this.enlargeReceiveBuffer(sock);
    this.boundPort = sock.address().port;
    if (this.opts.websocketPort !== undefined) await this.startWs(this.opts.websocketPort);
    this.listening.next(true);
    log.info({ host, port: this.boundPort, ws: this.boundWsPort || undefined }, `${name}: listening`);
  }

  /** Asks for a larger receive buffer; what the OS grants is published (rxBuffer), a shortfall logged with the fix. */
  private enlargeReceiveBuffer(sock: dgram.Socket): void {
    const want = this.opts.recvBufferBytes ?? 4 << 20;
    try {
      if (sock.getRecvBufferSize() < want) sock.setRecvBufferSize(want);
    } catch (e) {
      log.info({ err: (e as Error).message }, `${this.opts.name}: cannot enlarge the UDP receive buffer`);
    }
    try {
      this.counters.rxBuffer = sock.getRecvBufferSize();
    } catch {
      this.counters.rxBuffer = 0;
    }
    // Linux reports twice what it grants to data; below half the ask, say how to raise the ceiling.
    if (this.counters.rxBuffer < want) {
      log.info({ granted: this.counters.rxBuffer, wanted: want }, `${this.opts.name}: UDP receive buffer limited by the OS; bursts may drop packets (raise it with sysctl net.core.rmem_max=${want})`);
    }
  }

  private async startWs(port: number): Promise<void> {
    const { host, name } = this.opts;
    const guard = browserGuard({ pagePorts: this.opts.pagePorts ?? [], origins: this.opts.origins ?? [], hostnames: this.opts.hostnames ?? [] });
    const refusedLog = new RateLimitedLog(log, `${name}: WebSocket refused by the browser checks (Host/Origin)`);
    // Checked before the upgrade, so a page of another site (cross-site WebSocket hijacking) or a
    // rebound host name gets a 403 and never a socket. An OSC packet fits a UDP datagram; ws would
    // otherwise buffer messages of up to 100 MiB.
    const wss = new WebSocketServer({
      host,
      port,
      maxPayload: MAX_WS_PACKET,
      perMessageDeflate: false,
      verifyClient: (info, done) => {
        const ip = info.req.socket.remoteAddress ?? '';
        if (!this.allowed(ip)) {
          this.counters.denied++;
          this.deniedLog.hit(ip, ip);
          return done(false, 403, 'Forbidden: not in the allow list');
        }
        const v = guard(info.req.headers);
        if (!v.ok) {
          this.counters.refused++;
          refusedLog.hit(`${ip}: ${v.reason}`, ip);
          return done(false, 403, 'Forbidden');
        }
        done(true);
      },
    });
    await new Promise<void>((resolve, reject) => {
      wss.on('listening', resolve);
      wss.on('error', (e) => reject(new Error(`${name}: cannot listen for WebSocket on ${host}:${port}: ${e.message}`)));
    });
    wss.on('error', (e) => log.warn({ err: e.message }, `${name}: WebSocket server error`));
    wss.on('connection', (socket, req) => {
      const ip = req.socket.remoteAddress ?? '';
      const peer = `ws:${peerName(ip, req.socket.remotePort ?? 0)}`;
      if (!this.admitConnection(ip)) {
        socket.terminate();
        return;
      }
      this.wsPeers.set(peer, socket);
      socket.on('message', (data, isBinary) => {
        if (!isBinary) {
          this.counters.malformed++;
          this.badPacket.hit(`${peer}: a text WebSocket frame (OSC needs binary frames)`, ip);
          return;
        }
        const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
        this.onData(buf, peer, ip);
      });
      const gone = () => {
        if (!this.wsPeers.delete(peer)) return;
        this.outbox.forget(peer);
        this.droppedPeers.next(peer);
      };
      socket.on('close', gone);
      socket.on('error', gone);
    });
    this.wss = wss;
    const addr = wss.address();
    this.boundWsPort = typeof addr === 'object' && addr ? addr.port : port;
  }

  /**
   * Takes a WebSocket that another server upgraded (the web mixer's `/osc`) after checking its client
   * against its own allow list, which is why its packets skip this listener's. Returns the peer name.
   */
  acceptWebSocket(socket: WsSocket, ip: string, port: number): string {
    const peer = `ws:${peerName(ip, port)}`;
    this.wsPeers.set(peer, socket);
    socket.on('message', (data, isBinary) => {
      if (!isBinary) {
        this.counters.malformed++;
        this.badPacket.hit(`${peer}: a text WebSocket frame (OSC needs binary frames)`, ip);
        return;
      }
      this.onData(Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data), peer, ip, true);
    });
    const gone = () => {
      if (this.wsPeers.get(peer) === socket) this.wsPeers.delete(peer);
      this.outbox.forget(peer);
    };
    socket.on('close', gone);
    socket.on('error', gone);
    return peer;
  }

  private onData(data: Uint8Array, peer: string, ip: string, vetted = false): void {
    if (!vetted && !this.allowed(ip)) {
      this.counters.denied++;
      this.deniedLog.hit(ip, ip);
      return;
    }
    this.counters.packets++;
    let groups;
    try {
      groups = decodePacket(data);
    } catch (e) {
      this.counters.malformed++;
      this.badPacket.hit(`${peer}: ${(e as Error).message}`, ip);
      return;
    }
    const now = Date.now();
    for (const g of groups) {
      this.counters.received += g.messages.length;
      const wait = g.at === undefined ? 0 : g.at - now;
      if (wait <= 1) this.packets.next({ peer, messages: g.messages });
      else this.schedule(peer, ip, g.messages, wait, data.length);
    }
  }

  /**
   * Holds a bundle until its time tag, within bounds: how far ahead, how many and how many bytes in
   * all and per client (66 MB of timed bundles once grew RSS to 400 MB). `bytes` is its packet's size,
   * an upper bound for a bundle of a packet of several.
   */
  private schedule(peer: string, ip: string, messages: OscMessage[], wait: number, bytes: number): void {
    const o = this.opts;
    const mine = this.waiting.get(peer) ?? { count: 0, bytes: 0 };
    let why: string | undefined;
    if (wait > (o.maxScheduleMs ?? 60_000)) why = `bundle time tag ${Math.round(wait)} ms ahead is too far`;
    else if (this.timers.size >= (o.maxScheduled ?? 1024) || this.waitingBytes + bytes > (o.maxScheduledBytes ?? 4 << 20)) {
      why = `${this.timers.size} bundles (${this.waitingBytes} bytes) already wait for their time tags`;
    } else if (mine.count >= (o.maxScheduledPerPeer ?? 128) || mine.bytes + bytes > (o.maxScheduledBytesPerPeer ?? 512 << 10)) {
      why = `this client already has ${mine.count} bundles (${mine.bytes} bytes) waiting for their time tags`;
    }
    if (why) {
      this.counters.late++;
      this.badPacket.hit(`${peer}: ${why}`, ip);
      return;
    }
    mine.count++;
    mine.bytes += bytes;
    this.waiting.set(peer, mine);
    this.waitingBytes += bytes;
    const t = setTimeout(() => {
      this.timers.delete(t);
      mine.count--;
      mine.bytes -= bytes;
      this.waitingBytes -= bytes;
      if (mine.count === 0 && this.waiting.get(peer) === mine) this.waiting.delete(peer);
      this.packets.next({ peer, messages });
    }, wait);
    this.timers.add(t);
  }

  /** Sends one message to a peer right away (query replies). */
  sendNow(peer: string, address: string, args: readonly OscArg[]): void {
    const bytes = this.encode(address, args);
    if (bytes) this.sendRaw(peer, bytes);
  }

  private encode(address: string, args: readonly OscArg[]): Uint8Array | undefined {
    try {
      return encodeMessage(address, args);
    } catch (e) {
      this.counters.dropped++;
      this.badPacket.hit(`cannot encode ${address}: ${(e as Error).message}`);
      return undefined;
    }
  }

  /** Sends an already encoded packet to a peer (dialects whose replies OSC 1.0 cannot write, such as the X32's `node`). */
  sendRaw(peer: string, bytes: Uint8Array): void {
    const p = parsePeer(peer);
    if (p.ws) {
      const s = this.wsPeers.get(peer);
      if (!s || s.readyState !== 1) {
        this.counters.dropped++;
        return;
      }
      s.send(bytes);
    } else {
      if (!this.socket || !(p.port > 0)) {
        this.counters.dropped++;
        return;
      }
      this.socket.send(bytes, p.port, p.host);
    }
    this.counters.sent++;
  }

  /**
   * Connections per source address are capped (`maxConnectionsPerHost`, default 16), so one machine
   * cannot hold every socket, buffer and subscription: the one past the cap is refused, said in the
   * log and counted.
   */
  private admitConnection(ip: string): boolean {
    const host = plainIp(ip);
    let n = 0;
    for (const p of this.wsPeers.keys()) if (parsePeer(p).host === host) n++;
    if (n < (this.opts.maxConnectionsPerHost ?? 16)) return true;
    this.connectionsRefused++;
    this.connectionLog.hit(`${host}: ${n} WebSocket connections already`);
    return false;
  }

  /** Whether a peer's connection cannot take more now: a full WebSocket buffer, a backed-up UDP send queue. */
  private congested(peer: string): boolean {
    if (peer.startsWith('ws:')) {
      const s = this.wsPeers.get(peer);
      return s !== undefined && s.bufferedAmount > (this.opts.maxBufferedBytes ?? 256 * 1024);
    }
    // UDP queues in the kernel; Node holds datagrams only once the kernel refuses them.
    return (this.socket?.getSendQueueSize() ?? 0) > 4 * (this.opts.maxBufferedBytes ?? 256 * 1024);
  }

  /** Drops a client whose feedback does not drain: said once in the log, its connection closed, its owner told. */
  private dropClient(peer: string, reason: string): void {
    this.droppedLog.hit(`${peer}: ${reason}`);
    const s = this.wsPeers.get(peer);
    if (s) {
      this.wsPeers.delete(peer);
      s.terminate();
    }
    this.droppedPeers.next(peer);
  }

  /** Whether a peer can take more feedback now (a snapshot waits while it cannot). */
  ready(peer: string): boolean {
    return !this.congested(peer) && this.outbox.pending(peer) < 256;
  }

  /** Queues feedback for a peer, coalesced per address; `slow` ones go out at the meter rate. */
  queue(peer: string, address: string, args: readonly OscArg[], slow = false): void {
    this.outbox.put(peer, address, args, slow);
  }

  /** Forgets what is queued for a peer that left. */
  forget(peer: string): void {
    this.outbox.forget(peer);
  }

  stats(): OscEndpointStats {
    return {
      ...this.counters,
      dropped: this.counters.dropped + this.outbox.dropped,
      scheduled: this.timers.size,
      scheduledBytes: this.waitingBytes,
      droppedClients: this.outbox.droppedClients,
      queued: this.outbox.totalPending,
      peakQueued: this.outbox.peakPending,
      connectionsRefused: this.connectionsRefused,
    };
  }

  async close(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.waiting.clear();
    this.waitingBytes = 0;
    this.outbox.close();
    const sock = this.socket;
    this.socket = undefined;
    if (sock) await new Promise<void>((r) => sock.close(() => r()));
    const wss = this.wss;
    this.wss = undefined;
    if (wss) {
      for (const c of wss.clients) c.terminate();
      await new Promise<void>((r) => wss.close(() => r()));
    }
    this.wsPeers.clear();
    this.listening.next(false);
    this.listening.complete();
    this.packets.complete();
    this.droppedPeers.complete();
  }
}
