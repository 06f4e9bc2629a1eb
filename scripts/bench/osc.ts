/**
 * Native OSC server benchmark on 127.0.0.1: query round trips, bundled writes applied per second,
 * and a feedback storm to 8 subscribers (how much coalescing saves).
 *
 *   npx tsx scripts/bench/osc.ts
 */
import dgram from 'node:dgram';
import { ParamRegistry } from '../../src/params/registry.ts';
import { ParamStore } from '../../src/params/store.ts';
import { defaultSession } from '../../src/params/session.ts';
import { NativeOscServer } from '../../src/servers/native-osc.ts';
import { encodeBundle, encodeMessage } from '../../src/surfaces/osc/codec.ts';

const store = new ParamStore(ParamRegistry.fromSession(defaultSession()));
const server = new NativeOscServer(store, { host: '127.0.0.1', port: 0 });
await server.start();

async function client(onMessage: () => void = () => {}): Promise<dgram.Socket> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  s.on('message', onMessage);
  return s;
}

// 1. Query round trips, one at a time.
let waiting: (() => void) | undefined;
const q = await client(() => waiting?.());
const query = encodeMessage('/ch/1/fader', []);
const ask = () => new Promise<void>((r) => ((waiting = r), q.send(query, server.port, '127.0.0.1')));
for (let k = 0; k < 500; k++) await ask();
const N = 10000;
let t0 = performance.now();
for (let k = 0; k < N; k++) await ask();
let ms = performance.now() - t0;
console.log(`query round trips: ${Math.round((N / ms) * 1000)}/s, ${((ms * 1000) / N).toFixed(1)} us each`);

// 2. Bundles of 64 writes, each followed by a query so none is lost to a full socket buffer.
const bundles = 500;
const msgs = (k: number) =>
  Array.from({ length: 64 }, (_, j) => ({ address: `/ch/${(j % 8) + 1}/eq/${(j >> 3) % 4 + 1}/${j < 32 ? 'gain' : 'freq'}`, args: [{ type: 'f' as const, value: j < 32 ? (k % 30) - 15 : 100 + k }] }));
const before = server.stats().applied;
t0 = performance.now();
for (let k = 0; k < bundles; k++) {
  q.send(encodeBundle(msgs(k)), server.port, '127.0.0.1');
  await ask();
}
ms = performance.now() - t0;
const applied = server.stats().applied - before;
console.log(`bundled writes: ${Math.round((bundles * 64 * 1000) / ms)} messages/s (${applied} param changes applied, ${((ms * 1000) / bundles).toFixed(0)} us per 64-message bundle)`);

// 3. Feedback storm: 20000 fader changes from a surface, in bursts of 200 per turn, to 8 subscribers.
const counts = new Array(8).fill(0);
const subs = await Promise.all(counts.map((_, k) => client(() => counts[k]++)));
for (const s of subs) s.send(encodeMessage('/xremote', []), server.port, '127.0.0.1');
await new Promise((r) => setTimeout(r, 50));
const changes = 20000;
t0 = performance.now();
for (let k = 0; k < changes; k += 200) {
  for (let j = 0; j < 200; j++) store.set(`/ch/${(j % 8) + 1}/fader`, -((k + j) % 600) / 10 - 0.05, 'surface:bench');
  await new Promise((r) => setImmediate(r));
}
ms = performance.now() - t0;
await new Promise((r) => setTimeout(r, 200));
const total = counts.reduce((a, b) => a + b, 0);
console.log(`feedback storm: ${changes} changes in ${ms.toFixed(0)} ms -> ${total} messages to 8 clients (${(total / 8).toFixed(0)} each, ${((changes * 8) / total).toFixed(1)}x fewer than uncoalesced); dropped ${server.stats().dropped}`);

for (const s of [q, ...subs]) s.close();
await server.close();
