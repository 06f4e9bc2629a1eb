/**
 * Slow readers cannot grow faderd's memory without bound (#14 item 4): 20 real WebSocket subscribers
 * that never read, under a storm of changes, are held to a coalesced queue (one value per address)
 * and then dropped with a logged reason, while a client that reads keeps getting everything. Measured
 * by the server's queue sizes and counters, not by time or RSS.
 */
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ParamRegistry } from '../../src/params/registry.ts';
import { fromNormalized, ParamStore } from '../../src/params/store.ts';
import { defaultSession } from '../../src/params/session.ts';
import { NativeOscServer } from '../../src/servers/native-osc.ts';
import { decodePacket, encodeMessage, type OscMessage } from '../../src/surfaces/osc/codec.ts';
import { s, sleep } from '../surfaces/osc/client.ts';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function wsClient(port: number): Promise<{ ws: WebSocket; got: OscMessage[]; closed: () => boolean }> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}`);
  cleanups.push(() => ws.terminate());
  const got: OscMessage[] = [];
  let closed = false;
  ws.on('message', (d: Buffer) => {
    for (const g of decodePacket(d)) got.push(...g.messages);
  });
  ws.on('close', () => (closed = true));
  ws.on('error', () => (closed = true));
  await new Promise<void>((r) => ws.on('open', () => r()));
  return { ws, got, closed: () => closed };
}

/**
 * Stuck clients: each takes about 4 MB of the loopback's TCP buffers before its data piles up at the
 * server at all, so each costs ~100,000 messages; 4 keep the test light (the 20 are in the
 * bench: scripts/bench/osc-remotes.ts). The bound is per client, so the count changes nothing else.
 */
const STUCK = 4;

describe('slow readers', () => {
  it('WebSocket subscribers that never read are held to a bounded queue, then dropped; a reader is not', async () => {
    const store = new ParamStore(ParamRegistry.fromSession(defaultSession()));
    const maxPending = 300;
    const server = new NativeOscServer(store, { host: '127.0.0.1', port: 0, websocketPort: 0, maxPending, maxBufferedBytes: 64 * 1024, stallMs: 1000, maxPerHost: 64, maxPerRange: 64 });
    await server.start();
    cleanups.push(() => server.close());
    const reader = await wsClient(server.websocketPort);
    reader.ws.send(encodeMessage('/subscribe', [s('/ch/*/name'), s('/ch/*/fader')]));
    const stuck = [];
    for (let k = 0; k < STUCK; k++) {
      const c = await wsClient(server.websocketPort);
      c.ws.send(encodeMessage('/subscribe', []));
      stuck.push(c);
    }
    const tSub = Date.now();
    while (server.stats().subscribers < STUCK + 1) {
      if (Date.now() - tSub > 10_000) throw new Error(`only ${server.stats().subscribers} of ${STUCK + 1} subscribed`);
      await sleep(10);
    }
    // From here on the stuck ones read nothing: their TCP windows close and their data piles up at the server.
    for (const c of stuck) (c.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    const names = ['A deliberately long channel name', 'Another long name, 32 characters'];
    const defs = store.registry.defs.filter((d) => !d.readOnly && !d.action && d.type === 'number' && !d.volatile).slice(0, 200);
    let round = 0;
    const t0 = Date.now();
    let peakSeen = 0;
    while (server.stats().droppedClients < STUCK) {
      if (Date.now() - t0 > 120_000) throw new Error(`still ${STUCK - server.stats().droppedClients} slow readers after 120 s: ${JSON.stringify(server.stats())}`);
      round++;
      const writes: Array<[string, unknown]> = defs.map((d) => [d.address, fromNormalized(d, ((round % 7) + 0.5) / 8)]);
      for (let ch = 1; ch <= 8; ch++) writes.push([`/ch/${ch}/name`, names[(round + ch) % 2]!]);
      store.batch(writes, 'api');
      // The bound holds at every moment: never more than one value per address waits for a client.
      peakSeen = Math.max(peakSeen, server.stats().queued);
      expect(server.stats().peakQueued).toBeLessThanOrEqual(maxPending);
      await new Promise((r) => setImmediate(r));
    }
    const st = server.stats();
    expect(st.droppedClients).toBe(STUCK);
    expect(st.peakQueued).toBeLessThanOrEqual(maxPending);
    expect(peakSeen).toBeLessThanOrEqual(maxPending * (STUCK + 1));
    expect(st.subscribers).toBe(1);
    // Every stuck client's connection was closed by the server.
    for (const c of stuck) (c.ws as unknown as { _socket: { resume(): void } })._socket.resume();
    const t1 = Date.now();
    while (stuck.some((c) => !c.closed()) && Date.now() - t1 < 10_000) await sleep(20);
    expect(stuck.every((c) => c.closed())).toBe(true);
    // The reader was never dropped and sees the end of the storm.
    expect(reader.closed()).toBe(false);
    store.set('/ch/1/fader', -33, 'api');
    const t2 = Date.now();
    while (![...reader.got].reverse().find((m) => m.address === '/ch/1/fader' && m.args[0]!.value === -33) && Date.now() - t2 < 10_000) await sleep(20);
    expect(reader.got.some((m) => m.address === '/ch/1/fader' && m.args[0]!.value === -33)).toBe(true);
  }, 180_000);
});
