/**
 * The native OSC server's replies to a pattern query are a burst like a recall's feedback (every
 * param of every channel: tens to hundreds of values): they leave paced and coalesced, so a client whose
 * socket holds 19 small datagrams (asked for 8 KB) gets every one. A single query is still answered
 * at once. Real UDP on 127.0.0.1, server and client in this process; conditions are awaited, never
 * timed.
 */
import dgram from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { ParamRegistry } from '../../src/params/registry.ts';
import { ParamStore } from '../../src/params/store.ts';
import { defaultSession } from '../../src/params/session.ts';
import { NativeOscServer } from '../../src/servers/native-osc.ts';
import { decodePacket, encodeMessage } from '../../src/surfaces/osc/codec.ts';
import type { PacingSetting } from '../../src/surfaces/pacing.ts';
import { sleep } from '../surfaces/osc/client.ts';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function query(pacing: PacingSetting | undefined, pattern: string, waitMs: number): Promise<{ want: number; got: Set<string> }> {
  const store = new ParamStore(ParamRegistry.fromSession(defaultSession()));
  const server = new NativeOscServer(store, { host: '127.0.0.1', port: 0, ...(pacing !== undefined ? { pacing } : {}) });
  await server.start();
  cleanups.push(() => server.close());
  const sock = dgram.createSocket({ type: 'udp4', recvBufferSize: 8192 });
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  cleanups.push(() => new Promise<void>((r) => sock.close(() => r())));
  const want = store.registry.match(pattern).filter((d) => !d.action).length;
  const got = new Set<string>();
  sock.on('message', (d) => {
    for (const g of decodePacket(d)) for (const m of g.messages) got.add(m.address);
  });
  sock.send(encodeMessage(pattern, []), server.port, '127.0.0.1');
  const t0 = Date.now();
  while (got.size < want && Date.now() - t0 < waitMs) await sleep(10);
  return { want, got };
}

describe('native OSC server: pattern query replies', () => {
  it('reach a small receive buffer whole, paced', async () => {
    const { want, got } = await query(undefined, '/ch/*/*', 20_000);
    expect(want).toBeGreaterThan(50);
    expect(got.size).toBe(want);
  });

  it('unpaced they overflow it (what the pacing prevents)', async () => {
    const { want, got } = await query(false, '/ch/*/*', 500);
    expect(got.size).toBeLessThan(want);
  });

  it('a single query is answered at once, past any queue', async () => {
    const { got } = await query(undefined, '/ch/1/fader', 10_000);
    expect([...got]).toEqual(['/ch/1/fader']);
  });
});
