/**
 * Talks to a running daemon over its native OSC namespace, so CLI commands act on the live mix when
 * faderd is running and on the saved files when it is not.
 */
import dgram from 'node:dgram';
import { createRequire } from 'node:module';

interface OscCodec {
  writePacket(packet: unknown, opts: { metadata: boolean }): Uint8Array;
  readPacket(data: Uint8Array, opts: { metadata: boolean }): unknown;
}
// The codec alone, without osc.js's transports (see surfaces/osc/codec.ts).
const osc = createRequire(import.meta.url)('osc/src/osc.js') as OscCodec;

export interface OscMsg {
  address: string;
  args: Array<{ type: string; value?: unknown }>;
}

/**
 * Sends messages to host:port from one socket, then sends `query` (no args) and waits up to
 * `timeoutMs` for its reply. Resolves the reply, or undefined when nothing answers.
 */
export async function oscRequest(host: string, port: number, messages: OscMsg[], query: string, timeoutMs = 800): Promise<OscMsg | undefined> {
  const sock = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
  try {
    return await new Promise<OscMsg | undefined>((resolve) => {
      const timer = setTimeout(() => resolve(undefined), timeoutMs);
      sock.on('error', () => {
        clearTimeout(timer);
        resolve(undefined);
      });
      sock.on('message', (buf) => {
        let pkt: OscMsg;
        try {
          pkt = osc.readPacket(buf, { metadata: true }) as OscMsg;
        } catch {
          return;
        }
        if (pkt.address === query) {
          clearTimeout(timer);
          resolve(pkt);
        }
      });
      sock.bind(0, host.includes(':') ? '::1' : '127.0.0.1', () => {
        for (const m of messages) sock.send(osc.writePacket(m, { metadata: true }), port, host);
        // The query goes last: UDP on loopback keeps order, so its reply comes after the writes applied.
        sock.send(osc.writePacket({ address: query, args: [] }, { metadata: true }), port, host);
      });
    });
  } finally {
    sock.close();
  }
}
