/**
 * A mapped OSC surface's feedback is paced per client as the native server's is, and the mapping's
 * `surface.pacing` reaches it: with `bundle: true` a resync of 200 outputs to a client whose socket
 * holds 19 small datagrams (asked for 8 KB) arrives whole, in bundles; with `pacing: false` it leaves
 * in one turn and most of it is lost. Real UDP on 127.0.0.1; conditions are awaited, never timed.
 */
import dgram from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { OscTransport, type OscSpec } from '../../../src/surfaces/osc/transport.ts';
import { decodePacket, encodeMessage } from '../../../src/surfaces/osc/codec.ts';
import { sleep } from './client.ts';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function resync(pacing: OscSpec['pacing'], waitMs = 10_000): Promise<{ datagrams: number; values: Map<string, unknown> }> {
  const t = new OscTransport('tablet', { transport: 'osc', host: '127.0.0.1', port: 0, ...(pacing !== undefined ? { pacing } : {}) });
  cleanups.push(() => t.close());
  await t.whenListening();
  const sock = dgram.createSocket({ type: 'udp4', recvBufferSize: 8192 });
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  cleanups.push(() => new Promise<void>((r) => sock.close(() => r())));
  let datagrams = 0;
  const values = new Map<string, unknown>();
  sock.on('message', (d) => {
    datagrams++;
    for (const g of decodePacket(d)) for (const m of g.messages) values.set(m.address, m.args[0]?.value);
  });
  let up = false;
  t.connected$.subscribe((c) => (up = c));
  sock.send(encodeMessage('/hello', []), t.port, '127.0.0.1');
  const t0 = Date.now();
  while (!up && Date.now() - t0 < 10_000) await sleep(5);
  // One resync: every output of the layout in one pass, as a mapping sends it.
  for (let k = 0; k < 200; k++) t.send({ kind: 'osc', address: `/strip/${k}/fader`, args: [{ type: 'f', value: k / 200 }] });
  const t1 = Date.now();
  while (values.size < 200 && Date.now() - t1 < waitMs) await sleep(10);
  await sleep(100);
  return { datagrams, values };
}

describe('OscTransport pacing', () => {
  it('bundled: a resync of 200 outputs reaches a small receive buffer whole', async () => {
    const { datagrams, values } = await resync({ bundle: true });
    expect(values.size).toBe(200);
    for (let k = 0; k < 200; k++) expect(values.get(`/strip/${k}/fader`)).toBeCloseTo(k / 200, 6);
    expect(datagrams).toBeLessThan(20);
  });

  it('pacing: false sends it in one turn, and the small buffer keeps only part of it', async () => {
    const { values } = await resync(false, 500);
    expect(values.size).toBeLessThan(200);
  });
});
