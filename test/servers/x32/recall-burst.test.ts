/**
 * A recall reaches an X32 app with a small UDP receive buffer (an iPad on Wi-Fi): the real X32
 * server over UDP, 32 channels whose fader, mute and pan change in one batch, and two /xremote
 * clients, one whose socket holds 9 small datagrams (asked for 4 KB) and one with the system's
 * default buffer. Unpaced, the server's slices (24 messages a millisecond) overflow the small one (24
 * of 96 params left on the old mix); paced per client, it ends on the same value as the big one for every param. Messages stay plain
 * (an X32 app expects what a console sends, never a bundle). No timing is asserted.
 */
import dgram from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeMessage } from '../../../src/surfaces/osc/codec.ts';
import { decodeRaw, sessionStore, sleep, startServer } from './client.ts';
import type { PacingSetting } from '../../../src/surfaces/pacing.ts';

const CHANNELS = 32;
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function remote(host: string, port: number, recvBufferSize?: number) {
  const sock = dgram.createSocket({ type: 'udp4', ...(recvBufferSize ? { recvBufferSize } : {}) });
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  cleanups.push(() => new Promise<void>((r) => sock.close(() => r())));
  const last = new Map<string, unknown>();
  let count = 0;
  sock.on('message', (data) => {
    count++;
    const m = decodeRaw(data);
    if (m.args[0]) last.set(m.address, m.args[0].value);
  });
  sock.send(encodeMessage('/xremote', []), port, host);
  return { last, count: () => count };
}

async function until(pred: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const t0 = Date.now();
  while (!pred()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

const watched = Array.from({ length: CHANNELS }, (_, k) => String(k + 1).padStart(2, '0')).flatMap((c) => [`/ch/${c}/mix/fader`, `/ch/${c}/mix/on`, `/ch/${c}/mix/pan`]);

async function recallTo(pacing: PacingSetting | undefined): Promise<string[]> {
  const store = sessionStore(`channels: ${CHANNELS}\nbuses: 2\n`);
  const { server, host } = await startServer(store, pacing === undefined ? {} : { pacing });
  cleanups.push(() => server.close());
  const big = await remote(host, server.port);
  const small = await remote(host, server.port, 4096);
  // Both dumps done (the small client may have missed part of its own: it is not what is checked).
  await until(() => server.stats().dumps === 2 && server.stats().queued === 0 && watched.every((a) => big.last.has(a)), 'the dumps');
  await sleep(100);
  const entries: Array<[string, unknown]> = [];
  for (let c = 1; c <= CHANNELS; c++) entries.push([`/ch/${c}/fader`, -20 + c * 0.5], [`/ch/${c}/mute`, true], [`/ch/${c}/pan`, (c - 16.5) / 20]);
  const before = big.count();
  store.batch(entries, 'scene');
  await until(() => server.stats().queued === 0 && big.count() - before >= watched.length, 'the recall to leave');
  await sleep(200);
  return watched.filter((a) => small.last.get(a) !== big.last.get(a)).map((a) => `${a}: ${String(small.last.get(a))} (want ${String(big.last.get(a))})`);
}

describe('X32 server: a recall to an app with a small receive buffer', () => {
  it('paced per client: every fader, mute and pan ends on the recalled value', async () => {
    // The default pace, slowed and with a small burst: on a busy machine the test process may not read
    // for a while, and the 7 datagrams of headroom give it 17 ms.
    expect(await recallTo({ burst: 2, rate: 400 })).toEqual([]);
  }, 60_000);
});
