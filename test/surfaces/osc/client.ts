/** Test helper: a real OSC client on its own UDP socket on 127.0.0.1, recording what it receives. */
import dgram from 'node:dgram';
import { decodePacket, encodeBundle, encodeMessage, type OscMessage } from '../../../src/surfaces/osc/codec.ts';
import type { OscArg } from '../../../src/surfaces/types.ts';

export interface OscTestClient {
  readonly port: number;
  readonly peer: string;
  readonly received: OscMessage[];
  send(address: string, ...args: OscArg[]): void;
  bundle(messages: OscMessage[], atMs?: number): void;
  raw(bytes: Uint8Array): void;
  /** Resolves with the received messages once `pred` holds; rejects after `timeoutMs`. */
  waitFor(pred: (all: OscMessage[]) => boolean, what: string, timeoutMs?: number): Promise<OscMessage[]>;
  close(): Promise<void>;
}

export async function oscClient(serverPort: number, host = '127.0.0.1'): Promise<OscTestClient> {
  const sock = dgram.createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, host, () => r()));
  const received: OscMessage[] = [];
  sock.on('message', (data) => {
    for (const g of decodePacket(data)) received.push(...g.messages);
  });
  const port = sock.address().port;
  const out = (b: Uint8Array) => sock.send(b, serverPort, host);
  return {
    port,
    peer: `${host}:${port}`,
    received,
    send: (address, ...args) => out(encodeMessage(address, args)),
    bundle: (messages, atMs) => out(encodeBundle(messages, atMs)),
    raw: out,
    async waitFor(pred, what, timeoutMs = 10_000) {
      const t0 = Date.now();
      while (!pred(received)) {
        if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(received)}`);
        await new Promise((r) => setTimeout(r, 5));
      }
      return received;
    },
    close: () => new Promise<void>((r) => sock.close(() => r())),
  };
}

export const f = (value: number): OscArg => ({ type: 'f', value });
export const i = (value: number): OscArg => ({ type: 'i', value });
export const s = (value: string): OscArg => ({ type: 's', value });
export const T: OscArg = { type: 'T' };
export const F: OscArg = { type: 'F' };
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
