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
import { addressMatcher, isLoopback, plainIp, type AddressMatcher } from './access.ts';
import { decodePacket, encodeMessage, oscjs, type OscMessage, type WsServer, type WsSocket } from './codec.ts';
import { Outbox } from './outbox.ts';

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
  /** Distinct addresses waiting per client before new ones are dropped. Default 1024. */
  readonly maxPending?: number;
  /** Rate of slow (meter) feedback. Default 30 Hz. */
  readonly slowRateHz?: number;
  /** A WebSocket client with more than this many bytes unsent is congested: its feedback waits, coalesced. Default 256 KiB. */
  readonly maxBufferedBytes?: number;
  /** How long a client may stay congested before it is dropped. Default 5 s. */
  readonly stallMs?: number;
  /** WebSocket connections one source address may hold at once. Default 16. */
  readonly maxConnectionsPerHost?: number;
  /** Names the listener in log lines. */
  readonly name: string;
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
  private readonly counters: Omit<OscEndpointStats, 'droppedClients' | 'queued' | 'peakQueued' | 'connectionsRefused'> = { packets: 0, received: 0, sent: 0, malformed: 0, denied: 0, dropped: 0, late: 0 };
  private readonly allowed: AddressMatcher;
  private readonly outbox: Outbox;
  private readonly badPacket: RateLimitedLog;
  private readonly droppedLog: RateLimitedLog;
  /** WebSocket connections refused because their source already held its share. */
  private connectionsRefused = 0;
  private readonly connectionLog = new RateLimitedLog(log, 'OSC listener: WebSocket connection refused, its address holds its share already');
  private readonly deniedLog: RateLimitedLog;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly wsPeers = new Map<string, WsSocket>();
  private socket: dgram.Socket | undefined;
  private wss: WsServer | undefined;
  private boundPort = 0;
  private boundWsPort = 0;

  /** A configuration problem, reported when start() is called. */
  private readonly problem: string | undefined;

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
    this.boundPort = sock.address().port;
    if (this.opts.websocketPort !== undefined) await this.startWs(this.opts.websocketPort);
    this.listening.next(true);
    log.info({ host, port: this.boundPort, ws: this.boundWsPort || undefined }, `${name}: listening`);
  }

  private async startWs(port: number): Promise<void> {
    const { host, name } = this.opts;
    // An OSC packet fits a UDP datagram; ws would otherwise buffer messages of up to 100 MiB.
    const wss = new oscjs.WebSocket.Server({ host, port, maxPayload: MAX_WS_PACKET });
    await new Promise<void>((resolve, reject) => {
      wss.on('listening', resolve);
      wss.on('error', (e) => reject(new Error(`${name}: cannot listen for WebSocket on ${host}:${port}: ${e.message}`)));
    });
    wss.on('error', (e) => log.warn({ err: e.message }, `${name}: WebSocket server error`));
    wss.on('connection', (socket, req) => {
      const ip = req.socket.remoteAddress ?? '';
      if (!this.allowed(ip)) {
        this.counters.denied++;
        this.deniedLog.hit(ip);
        socket.terminate();
        return;
      }
      const peer = `ws:${peerName(ip, req.socket.remotePort ?? 0)}`;
      if (!this.admitConnection(ip)) {
        socket.terminate();
        return;
      }
      this.wsPeers.set(peer, socket);
      socket.on('message', (data, isBinary) => {
        if (!isBinary) {
          this.counters.malformed++;
          this.badPacket.hit(`${peer}: a text WebSocket frame (OSC needs binary frames)`);
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
        this.badPacket.hit(`${peer}: a text WebSocket frame (OSC needs binary frames)`);
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
      this.deniedLog.hit(ip);
      return;
    }
    this.counters.packets++;
    let groups;
    try {
      groups = decodePacket(data);
    } catch (e) {
      this.counters.malformed++;
      this.badPacket.hit(`${peer}: ${(e as Error).message}`);
      return;
    }
    const now = Date.now();
    for (const g of groups) {
      this.counters.received += g.messages.length;
      const wait = g.at === undefined ? 0 : g.at - now;
      if (wait <= 1) {
        this.packets.next({ peer, messages: g.messages });
      } else if (wait > (this.opts.maxScheduleMs ?? 60_000)) {
        this.counters.late++;
        this.badPacket.hit(`${peer}: bundle time tag ${Math.round(wait)} ms ahead is too far`);
      } else if (this.timers.size >= (this.opts.maxScheduled ?? 1024)) {
        this.counters.late++;
        this.badPacket.hit(`${peer}: ${this.timers.size} bundles already wait for their time tags`);
      } else {
        const t = setTimeout(() => {
          this.timers.delete(t);
          this.packets.next({ peer, messages: g.messages });
        }, wait);
        this.timers.add(t);
      }
    }
  }

  /** Sends one message to a peer right away (query replies). */
  sendNow(peer: string, address: string, args: readonly OscArg[]): void {
    let bytes: Uint8Array;
    try {
      bytes = encodeMessage(address, args);
    } catch (e) {
      this.counters.dropped++;
      this.badPacket.hit(`cannot encode ${address}: ${(e as Error).message}`);
      return;
    }
    this.sendRaw(peer, bytes);
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
      droppedClients: this.outbox.droppedClients,
      queued: this.outbox.totalPending,
      peakQueued: this.outbox.peakPending,
      connectionsRefused: this.connectionsRefused,
    };
  }

  async close(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
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
