/**
 * OSC remotes (#17, #14): how long a new subscriber waits for the whole mix, and what 20 WebSocket
 * subscribers that never read cost the server (its queue bound, dropped clients, RSS). Standalone:
 *
 *   npx tsx scripts/bench/osc-remotes.ts
 *
 * Figures, not assertions: the tests check behaviour, this measures it.
 */
import dgram from 'node:dgram';
import WebSocket from 'ws';
import { ParamRegistry } from '../../src/params/registry.ts';
import { fromNormalized, ParamStore } from '../../src/params/store.ts';
import { defaultSession } from '../../src/params/session.ts';
import { NativeOscServer } from '../../src/servers/native-osc.ts';
import { decodePacket, encodeMessage } from '../../src/surfaces/osc/codec.ts';

const mb = () => Math.round(process.memoryUsage().rss / 1e6);

async function snapshotTime(): Promise<void> {
  const store = new ParamStore(ParamRegistry.fromSession(defaultSession()));
  const server = new NativeOscServer(store, { host: '127.0.0.1', port: 0 });
  await server.start();
  const covered = store.registry.defs.filter((d) => !d.volatile && !d.action).length;
  const times: number[] = [];
  for (let run = 0; run < 10; run++) {
    const sock = dgram.createSocket('udp4');
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
    let n = 0;
    const t0 = performance.now();
    await new Promise<void>((resolve) => {
      sock.on('message', (d) => {
        for (const g of decodePacket(d)) n += g.messages.length;
        if (n >= covered) resolve();
      });
      sock.send(encodeMessage('/subscribe', []), server.port, '127.0.0.1');
    });
    times.push(performance.now() - t0);
    sock.close();
  }
  times.sort((a, b) => a - b);
  console.log(`snapshot: ${covered} values over UDP, median ${times[5]!.toFixed(1)} ms, worst ${times[9]!.toFixed(1)} ms (10 runs)`);
  await server.close();
}

async function stuckReaders(): Promise<void> {
  const store = new ParamStore(ParamRegistry.fromSession(defaultSession()));
  const server = new NativeOscServer(store, { host: '127.0.0.1', port: 0, websocketPort: 0, maxPerHost: 64, maxPerRange: 64, maxConnectionsPerHost: 64 });
  await server.start();
  const rss0 = mb();
  const socks: WebSocket[] = [];
  for (let k = 0; k < 20; k++) {
    const ws = new WebSocket(`ws://127.0.0.1:${server.websocketPort}`);
    await new Promise<void>((r) => ws.on('open', () => r()));
    ws.send(encodeMessage('/subscribe', []));
    socks.push(ws);
  }
  const tSub = Date.now();
  while (server.stats().subscribers < 20) {
    if (Date.now() - tSub > 10_000) throw new Error(`only ${server.stats().subscribers} of 20 subscribed`);
    await new Promise((r) => setTimeout(r, 10));
  }
  for (const ws of socks) (ws as unknown as { _socket: { pause(): void } })._socket.pause();
  const defs = store.registry.defs.filter((d) => !d.readOnly && !d.action && d.type === 'number' && !d.volatile).slice(0, 200);
  const t0 = Date.now();
  let round = 0;
  let peakRss = rss0;
  while (server.stats().droppedClients < 20 && Date.now() - t0 < 120_000) {
    round++;
    store.batch(defs.map((d) => [d.address, fromNormalized(d, ((round % 7) + 0.5) / 8)]), 'api');
    if (round % 50 === 0) peakRss = Math.max(peakRss, mb());
    await new Promise((r) => setImmediate(r));
  }
  const st = server.stats();
  console.log(
    `20 WebSocket subscribers that never read: dropped ${st.droppedClients} after ${((Date.now() - t0) / 1000).toFixed(1)} s and ${st.sent} messages; ` +
      `at most ${st.peakQueued} values waited for one client; RSS ${rss0} → peak ${peakRss} MB`,
  );
  for (const ws of socks) ws.terminate();
  await server.close();
}

await snapshotTime();
await stuckReaders();
process.exit(0);
