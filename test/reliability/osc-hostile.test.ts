/**
 * Hostile OSC traffic against the real native server over UDP and WebSocket: fuzzed packets, bundles
 * nested thousands deep, a flood of bundles scheduled ahead, an oversized WebSocket message. The
 * server counts and drops what is bad, every param stays valid, and it keeps answering.
 */
import { createRequire } from 'node:module';
import { afterEach, describe, expect, it } from 'vitest';
import { NativeOscServer, type NativeOscOptions } from '../../src/servers/native-osc.ts';
import { decodePacket, encodeMessage } from '../../src/surfaces/osc/codec.ts';
import { OscEndpoint } from '../../src/surfaces/osc/endpoint.ts';
import { oscClient, f, sleep } from '../surfaces/osc/client.ts';
import { checkStore, fuzzStore } from '../fuzz/invariants.ts';
import { oscInput } from '../fuzz/targets/osc.ts';
import { Rng } from '../fuzz/rng.ts';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function server(opts: Partial<NativeOscOptions> = {}, store = fuzzStore()) {
  const srv = new NativeOscServer(store, { host: '127.0.0.1', port: 0, ...opts });
  await srv.start();
  cleanups.push(() => srv.close());
  const client = await oscClient(srv.port);
  cleanups.push(() => client.close());
  return { store, srv, client };
}

async function until(pred: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const t0 = Date.now();
  while (!pred()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(2);
  }
}

/** A bundle nested `n` deep around one message: 20 bytes per level. */
function nested(n: number): Uint8Array {
  const inner = encodeMessage('/ch/1/fader', [f(-3)]);
  const out = new Uint8Array(n * 20 + inner.length);
  const view = new DataView(out.buffer);
  for (let k = 0; k < n; k++) {
    out.set(new TextEncoder().encode('#bundle\0'), k * 20);
    view.setUint32(k * 20 + 12, 1);
    view.setUint32(k * 20 + 16, out.length - (k + 1) * 20);
  }
  out.set(inner, n * 20);
  return out;
}

describe('hostile OSC traffic', () => {
  it('3,000 fuzzed packets over UDP: bad ones counted, every param valid, the server still answers', async () => {
    const { store, srv, client } = await server();
    const r = new Rng(0xf00d);
    let sent = 0;
    for (let batch = 0; batch < 120; batch++) {
      for (let k = 0; k < 25; k++, sent++) client.raw(oscInput(r, 65000));
      // UDP has no back pressure: pace by what the server has taken in, in batches small enough for
      // the socket buffer of a receiver that a loaded machine schedules late.
      await until(() => srv.stats().packets >= sent - 2, `the server to take ${sent} packets`, 5000).catch(() => undefined);
    }
    const st = srv.stats();
    expect(st.packets).toBeGreaterThan(sent * 0.95);
    expect(st.malformed).toBeGreaterThan(sent * 0.3);
    expect(st.applied).toBeGreaterThan(0);
    checkStore(store);
    // Safety ceiling 0 dB held whatever arrived, in units or normalized.
    expect(store.get('/master/fader') as number).toBeLessThanOrEqual(0);
    client.received.length = 0;
    client.send('/ch/5/fader');
    await client.waitFor((m) => m.some((x) => x.address === '/ch/5/fader'), 'the query reply');
  });

  it('a bundle nested 3,000 deep is refused at once with a clear reason, not a stack overflow', async () => {
    expect(() => decodePacket(nested(3000))).toThrow(/nested deeper than 8/);
    expect(decodePacket(nested(3))[0]!.messages[0]!.address).toBe('/ch/1/fader');
    const { store, srv, client } = await server();
    for (let k = 1; k <= 20; k++) {
      client.raw(nested(3000));
      // 60 KB datagrams overflow the socket buffer if sent back to back.
      await until(() => srv.stats().malformed === k, `deep bundle ${k} to be refused`);
    }
    client.raw(nested(2));
    await until(() => store.get('/ch/1/fader') === -3, 'the shallow bundle to apply');
    expect(srv.stats().malformed).toBe(20);
  });

  it('bundles scheduled ahead are bounded: past the limit they are dropped and counted', async () => {
    const ep = new OscEndpoint({ name: 'test', host: '127.0.0.1', port: 0, maxScheduled: 16 });
    await ep.start();
    cleanups.push(() => ep.close());
    const c = await oscClient(ep.port);
    cleanups.push(() => c.close());
    for (let k = 0; k < 40; k++) c.bundle([{ address: '/ch/1/fader', args: [f(-k)] }], Date.now() + 30_000);
    await until(() => ep.stats().packets === 40, 'all 40 bundles');
    expect(ep.stats().late).toBe(24);
  });

  it('an oversized WebSocket message closes that socket only; other clients carry on', async () => {
    const { store, srv } = await server({ websocketPort: 0 });
    const WebSocket = createRequire(import.meta.url)('osc').WebSocket as new (url: string) => {
      on(ev: string, fn: (...a: unknown[]) => void): void;
      send(data: Uint8Array): void;
      close(): void;
    };
    const open = async () => {
      const ws = new WebSocket(`ws://127.0.0.1:${srv.websocketPort}`);
      const state = { closed: false };
      ws.on('close', () => (state.closed = true));
      ws.on('error', () => undefined);
      await new Promise<void>((res) => ws.on('open', () => res()));
      cleanups.push(async () => ws.close());
      return { ws, state };
    };
    const big = await open();
    big.ws.send(new Uint8Array(2 * 1024 * 1024));
    await until(() => big.state.closed, 'the server to close the oversized sender');
    const good = await open();
    good.ws.send(encodeMessage('/ch/2/fader', [f(-12)]));
    await until(() => store.get('/ch/2/fader') === -12, 'a normal WebSocket client to get through');
  });

  it('a client subscribing thousands of patterns keeps 64; the rest are refused and counted, and it can still write', async () => {
    const { store, srv, client } = await server({}, fuzzStore('channels: 70\nbuses: 2\n'));
    // Ten messages of 100 patterns: the first 64 patterns of the first message are kept, the 65th is
    // refused (one error ends that message), and so is the first pattern of each of the nine others.
    for (let k = 0; k < 10; k++) {
      client.send('/subscribe', ...Array.from({ length: 100 }, (_, j) => ({ type: 's' as const, value: `/ch/${k * 100 + j}/fader` })));
    }
    await until(() => srv.stats().paramErrors >= 10, 'the over-limit subscriptions to be refused');
    client.send('/ch/3/fader', f(-4));
    await until(() => store.get('/ch/3/fader') === -4, 'a write from the same client');
    expect(srv.stats().paramErrors).toBe(10);

    // The 64 are /ch/0/fader../ch/63/fader: changes made elsewhere to them come back, to /ch/64/fader
    // (the 65th) do not; the write above did not subscribe the full client to everything (its
    // implicit subscription was skipped).
    client.received.length = 0;
    store.batch([['/ch/5/mute', true], ['/ch/64/fader', -64], ['/ch/1/fader', -11], ['/ch/63/fader', -63]], 'api');
    await client.waitFor((m) => m.some((x) => x.address === '/ch/1/fader') && m.some((x) => x.address === '/ch/63/fader'), 'feedback for kept patterns');
    await sleep(100);
    expect(client.received.filter((x) => x.address === '/ch/5/mute' || x.address === '/ch/64/fader')).toEqual([]);

    // Exactly 64: one more is refused, and dropping one of the 64 makes room for it.
    const errors = srv.stats().paramErrors;
    client.send('/subscribe', { type: 's', value: '/ch/2/mute' });
    await until(() => srv.stats().paramErrors === errors + 1, 'the 65th pattern to be refused');
    client.send('/unsubscribe', { type: 's', value: '/ch/63/fader' });
    client.send('/subscribe', { type: 's', value: '/ch/2/mute' });
    client.received.length = 0;
    // The two messages above and a query are applied in order; the query's reply says they are in.
    client.send('/ch/2/fader');
    await client.waitFor((m) => m.some((x) => x.address === '/ch/2/fader'), 'the query reply');
    expect(srv.stats().paramErrors).toBe(errors + 1);
    store.set('/ch/2/mute', true, 'api');
    await client.waitFor((m) => m.some((x) => x.address === '/ch/2/mute'), 'feedback for the pattern that took the freed place');
  });
});
