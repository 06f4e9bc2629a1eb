/**
 * Test helpers for the X32 server: a raw UDP client that reads what a console sends (including the
 * `node` replies and alias-named blobs no OSC library decodes), a server on its own loopback address,
 * and a session store.
 */
import dgram from 'node:dgram';
import { encodeMessage } from '../../../src/surfaces/osc/codec.ts';
import type { OscArg } from '../../../src/surfaces/types.ts';
import { ParamRegistry } from '../../../src/params/registry.ts';
import { ParamStore } from '../../../src/params/store.ts';
import { parseSession } from '../../../src/params/session.ts';
import { X32Server, type X32ServerOptions } from '../../../src/servers/x32/server.ts';

export interface Received {
  readonly address: string;
  readonly args: Array<{ type: string; value: number | string | Uint8Array }>;
  /** Milliseconds since the client opened. */
  readonly at: number;
}

/** Decodes one message as a console writes it: any address, then `,` type tags, big-endian args. */
export function decodeRaw(data: Buffer): Omit<Received, 'at'> {
  let at = 0;
  const str = (): string => {
    const end = data.indexOf(0, at);
    const s = data.subarray(at, end).toString('utf8');
    at = (end + 4) & ~3;
    return s;
  };
  const address = str();
  const tags = at < data.length ? str() : ',';
  const args: Received['args'] = [];
  for (const t of tags.slice(1)) {
    if (t === 's') args.push({ type: 's', value: str() });
    else if (t === 'i') args.push({ type: 'i', value: data.readInt32BE((at += 4) - 4) });
    else if (t === 'f') args.push({ type: 'f', value: data.readFloatBE((at += 4) - 4) });
    else if (t === 'b') {
      const n = data.readInt32BE(at);
      args.push({ type: 'b', value: new Uint8Array(data.subarray(at + 4, at + 4 + n)) });
      at += 4 + ((n + 3) & ~3);
    }
  }
  return { address, args };
}

export interface X32TestClient {
  readonly port: number;
  readonly peer: string;
  readonly received: Received[];
  send(address: string, ...args: OscArg[]): void;
  waitFor(pred: (m: Received) => boolean, what: string, timeoutMs?: number): Promise<Received>;
  /** Every message received for `ms`, from now. */
  collect(ms: number): Promise<Received[]>;
  close(): Promise<void>;
}

export async function x32Client(serverHost: string, serverPort: number): Promise<X32TestClient> {
  const sock = dgram.createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  const t0 = Date.now();
  const received: Received[] = [];
  sock.on('message', (data) => received.push({ ...decodeRaw(data), at: Date.now() - t0 }));
  const port = sock.address().port;
  return {
    port,
    peer: `127.0.0.1:${port}`,
    received,
    send: (address, ...args) => sock.send(encodeMessage(address, args), serverPort, serverHost),
    async waitFor(pred, what, timeoutMs = 10_000) {
      const start = Date.now();
      for (;;) {
        const m = received.find(pred);
        if (m) return m;
        if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}; got ${received.length} messages: ${received.slice(-5).map((r) => r.address).join(', ')}`);
        await new Promise((r) => setTimeout(r, 5));
      }
    },
    async collect(ms) {
      const from = received.length;
      await new Promise((r) => setTimeout(r, ms));
      return received.slice(from);
    },
    close: () => new Promise<void>((r) => sock.close(() => r())),
  };
}

/** A loopback address of its own (127.x.y.z), so a test can take the console's port 10023. */
export function loopbackHost(): string {
  const b = () => 1 + Math.floor(Math.random() * 250);
  return `127.${b()}.${b()}.${b()}`;
}

export function sessionStore(yaml = 'channels: 8\nbuses: 2\nfx: [{ type: reverb }, { type: delay }]\n'): ParamStore {
  return new ParamStore(ParamRegistry.fromSession(parseSession(yaml, 's.yaml')));
}

export async function startServer(store: ParamStore, opts: Partial<X32ServerOptions> = {}): Promise<{ server: X32Server; host: string }> {
  const host = opts.host ?? loopbackHost();
  const server = new X32Server(store, { host, port: opts.port ?? 0, ...opts });
  await server.start();
  return { server, host };
}

export const f = (value: number): OscArg => ({ type: 'f', value });
export const i = (value: number): OscArg => ({ type: 'i', value });
export const s = (value: string): OscArg => ({ type: 's', value });
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
