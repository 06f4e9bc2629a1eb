/**
 * The web mixer's server: one port for the page and for OSC over WebSocket at `/osc`, which speaks
 * the native namespace through the native OSC server (each socket is handed to it once upgraded).
 *
 *   GET /              the mixer page (revalidated on every load)
 *   GET /v/<hash>/...  its scripts, styles and libraries (cached for good: the hash changes with them)
 *   GET /api/layout    strips, sample rate, param ranges: what the page draws before values arrive
 *   GET /api/scenes    the stored scenes' names
 *   GET /api/stats     this server's counters (requests, refusals, sockets)
 *   GET /osc           WebSocket upgrade: binary frames, one OSC packet each
 *
 * Every request and upgrade passes ClientCheck (allow list, Host and Origin) first. Only GET and HEAD
 * are served; request heads must arrive within seconds; at most `maxSockets` WebSockets at once, each
 * pinged so a tablet that went to sleep mid-show does not hold its place for ever.
 */
import http from 'node:http';
import type { Duplex } from 'node:stream';
import zlib from 'node:zlib';
import { WebSocketServer, type WebSocket } from 'ws';
import type { WsSocket } from '../../surfaces/osc/codec.ts';
import { logger } from '../../util/log.ts';
import { AssetTable, type Asset } from './assets.ts';
import { ClientCheck, type ClientCheckCounts, type ClientCheckOptions } from './client-check.ts';
import type { MixerLayout } from './layout.ts';

const log = logger(import.meta.url);

export const DEFAULT_HTTP_PORT = 9080;

/** Largest WebSocket message accepted: the largest UDP datagram, as on the OSC server's own listener. */
const MAX_WS_PACKET = 65536;
const MAX_URL = 2048;
const HEARTBEAT_MS = 15_000;

/** Where upgraded `/osc` sockets go: the native OSC server. */
export interface WebSocketAcceptor {
  acceptWebSocket(socket: WsSocket, ip: string, port: number, readOnly: boolean): void;
}

export interface WebMixerOptions extends ClientCheckOptions {
  readonly host: string;
  /** 0 picks a free port (see `port` after start). */
  readonly port: number;
  readonly osc: WebSocketAcceptor;
  readonly layout: () => MixerLayout;
  readonly scenes: () => string[];
  /** Simultaneous `/osc` sockets. Default 64. */
  readonly maxSockets?: number;
  readonly assets?: AssetTable;
}

export interface WebMixerStats extends ClientCheckCounts {
  requests: number;
  notFound: number;
  /** WebSockets opened, and open now. */
  upgrades: number;
  sockets: number;
}

/** Headers on every answer: no sniffing, no framing by other sites (clickjacking), scripts only from here. */
const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Content-Security-Policy': "default-src 'self'; connect-src 'self'; img-src 'self' data:; style-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
};

function acceptsGzip(req: http.IncomingMessage): boolean {
  return /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? '').slice(0, 200));
}

export class WebMixerServer {
  private readonly server: http.Server;
  private readonly wss: WebSocketServer;
  private readonly check: ClientCheck;
  private readonly assets: AssetTable;
  private readonly alive = new WeakSet<WebSocket>();
  private readonly counts = { requests: 0, notFound: 0, upgrades: 0 };
  private heartbeat: NodeJS.Timeout | undefined;
  private boundPort = 0;

  /** Throws a TypeError naming a bad allow or readOnly entry. */
  constructor(private readonly opts: WebMixerOptions) {
    this.check = new ClientCheck(opts);
    this.assets = opts.assets ?? new AssetTable();
    this.server = http.createServer({ headersTimeout: 10_000, requestTimeout: 15_000, maxHeaderSize: 16_384 }, (req, res) => this.onRequest(req, res));
    this.server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => this.onUpgrade(req, socket, head));
    this.server.on('clientError', (_e, socket: Duplex) => {
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
      else socket.destroy();
    });
    this.wss = new WebSocketServer({ noServer: true, maxPayload: MAX_WS_PACKET, perMessageDeflate: false });
  }

  get port(): number {
    return this.boundPort;
  }

  /** Rejects with a message naming the address when the port cannot be had. */
  async start(): Promise<void> {
    const { host, port } = this.opts;
    await new Promise<void>((resolve, reject) => {
      const fail = (e: NodeJS.ErrnoException) => {
        const why = e.code === 'EADDRINUSE' ? `port ${port} is in use (choose another with --http-port or http.port)` : e.message;
        reject(new Error(`web mixer: cannot listen on ${host}:${port}: ${why}`));
      };
      this.server.once('error', fail);
      this.server.listen(port, host, () => {
        this.server.off('error', fail);
        resolve();
      });
    });
    this.server.on('error', (e) => log.warn({ err: e.message }, 'web mixer: server error'));
    const addr = this.server.address();
    this.boundPort = typeof addr === 'object' && addr ? addr.port : port;
    this.check.setPagePort(this.boundPort);
    this.heartbeat = setInterval(() => this.ping(), HEARTBEAT_MS);
    this.heartbeat.unref();
    log.info({ host, port: this.boundPort }, 'web mixer: listening');
  }

  private ping(): void {
    for (const ws of this.wss.clients) {
      if (!this.alive.has(ws)) {
        ws.terminate();
        continue;
      }
      this.alive.delete(ws);
      ws.ping();
    }
  }

  private onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    this.counts.requests++;
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v);
    const verdict = this.check.check(req);
    if (!verdict.ok) return this.plain(res, 403, `Forbidden: ${verdict.reason}\n`);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return this.plain(res, 405, 'Only GET and HEAD are served\n');
    }
    const url = req.url ?? '/';
    if (url.length > MAX_URL) return this.plain(res, 414, 'URL too long\n');
    const q = url.indexOf('?');
    const p = q < 0 ? url : url.slice(0, q);
    switch (p) {
      case '/api/layout':
        return this.json(req, res, { ...this.opts.layout(), readOnly: verdict.readOnly });
      case '/api/scenes':
        return this.json(req, res, { scenes: this.opts.scenes() });
      case '/api/stats':
        return this.json(req, res, this.stats());
      case '/osc':
        res.setHeader('Upgrade', 'websocket');
        return this.plain(res, 426, 'OSC over WebSocket: open this address with a WebSocket client\n');
    }
    const a = this.assets.get(p);
    if (!a) {
      this.counts.notFound++;
      return this.plain(res, 404, 'Not found\n');
    }
    this.send(req, res, a);
  }

  private send(req: http.IncomingMessage, res: http.ServerResponse, a: Asset): void {
    res.setHeader('Content-Type', a.type);
    res.setHeader('ETag', a.etag);
    res.setHeader('Cache-Control', a.immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
    res.setHeader('Vary', 'Accept-Encoding');
    if (req.headers['if-none-match'] === a.etag) {
      res.writeHead(304).end();
      return;
    }
    const gzip = a.gzip && acceptsGzip(req);
    const body = gzip ? a.gzip! : a.body;
    if (gzip) res.setHeader('Content-Encoding', 'gzip');
    res.setHeader('Content-Length', body.length);
    res.writeHead(200);
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  private json(req: http.IncomingMessage, res: http.ServerResponse, value: unknown): void {
    const text = Buffer.from(JSON.stringify(value));
    // The layout is some 100 KB of repetitive JSON, a tenth of that compressed: a phone on Wi-Fi notices.
    const gzip = text.length > 1024 && acceptsGzip(req);
    const body = gzip ? zlib.gzipSync(text) : text;
    res.writeHead(200, {
      'Content-Type': 'application/json; charset=utf-8',
      'Cache-Control': 'no-store',
      Vary: 'Accept-Encoding',
      ...(gzip ? { 'Content-Encoding': 'gzip' } : {}),
      'Content-Length': body.length,
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  private plain(res: http.ServerResponse, status: number, text: string): void {
    res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', 'Content-Length': Buffer.byteLength(text) });
    res.end(text);
  }

  private onUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    const refuse = (status: string, text: string) => {
      socket.end(`HTTP/1.1 ${status}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`);
    };
    const verdict = this.check.check(req);
    if (!verdict.ok) return refuse('403 Forbidden', `Forbidden: ${verdict.reason}\n`);
    const url = req.url ?? '';
    if (url !== '/osc' && !url.startsWith('/osc?')) return refuse('404 Not Found', 'WebSockets are served at /osc only\n');
    if (this.wss.clients.size >= (this.opts.maxSockets ?? 64)) return refuse('503 Service Unavailable', 'Too many web mixer connections\n');
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      this.counts.upgrades++;
      this.alive.add(ws);
      ws.on('pong', () => this.alive.add(ws));
      ws.on('error', (e) => log.debug({ err: e.message }, 'web mixer: WebSocket error'));
      this.opts.osc.acceptWebSocket(ws, verdict.ip, req.socket.remotePort ?? 0, verdict.readOnly);
    });
  }

  stats(): WebMixerStats {
    return { ...this.counts, ...this.check.counts, sockets: this.wss.clients.size };
  }

  async close(): Promise<void> {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = undefined;
    for (const ws of this.wss.clients) ws.terminate();
    await new Promise<void>((r) => this.wss.close(() => r()));
    if (!this.server.listening) return;
    const closed = new Promise<void>((r) => this.server.close(() => r()));
    this.server.closeAllConnections();
    await closed;
  }
}
