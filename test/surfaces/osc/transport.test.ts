import dgram from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { OscTransport, type OscSpec } from '../../../src/surfaces/osc/transport.ts';
import type { SurfaceMessage } from '../../../src/surfaces/types.ts';
import { oscClient, f, s, sleep, type OscTestClient } from './client.ts';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(spec: Partial<OscSpec> = {}) {
  const t = new OscTransport('x32', { transport: 'osc', host: '127.0.0.1', port: 0, ...spec });
  cleanups.push(() => t.close());
  await t.whenListening();
  const states: boolean[] = [];
  t.connected$.subscribe((c) => states.push(c));
  const got: SurfaceMessage[] = [];
  t.incoming$.subscribe((m) => got.push(m));
  const client = async (): Promise<OscTestClient> => {
    const c = await oscClient(t.port);
    cleanups.push(() => c.close());
    return c;
  };
  const until = async (cond: () => boolean, what: string) => {
    const t0 = Date.now();
    while (!cond()) {
      if (Date.now() - t0 > 10_000) throw new Error(`timed out waiting for ${what}`);
      await sleep(5);
    }
  };
  return { t, states, got, client, until };
}

describe('OscTransport', () => {
  it('hands messages up with their sender, and sends feedback to renewed subscribers only', async () => {
    const { t, states, got, client, until } = await setup({ renew: '/xremote' });
    const [a, b] = [await client(), await client()];
    expect(states).toEqual([false]);
    b.send('/ch/01/mix/fader', f(0.5)); // not a renewal: b is not subscribed
    a.send('/xremote');
    await until(() => got.length === 2, 'two messages');
    expect(got[0]).toEqual({ kind: 'osc', address: '/ch/01/mix/fader', args: [{ type: 'f', value: 0.5 }], peer: b.peer });
    expect(states).toEqual([false, true]);
    t.send({ kind: 'osc', address: '/ch/02/mix/fader', args: [f(0.25)] });
    await a.waitFor((m) => m.length === 1, 'feedback at a');
    expect(a.received[0]).toEqual({ address: '/ch/02/mix/fader', args: [{ type: 'f', value: 0.25 }] });
    // A reply goes to the asker only, subscribed or not; `except` skips the peer that made the change.
    t.send({ kind: 'osc', address: '/info', args: [s('faderd')] }, { to: b.peer });
    await b.waitFor((m) => m.length === 1, 'the reply at b');
    t.send({ kind: 'osc', address: '/ch/03/mix/on', args: [f(1)] }, { except: a.peer });
    await sleep(30);
    expect(a.received).toHaveLength(1);
    expect(b.received).toHaveLength(1);
    expect(t.stats().received).toBe(2);
  });

  it('without a renew address any message subscribes; silent clients time out and connected goes false', async () => {
    const { t, states, client, until } = await setup({ subscriptionTimeoutMs: 120 });
    const a = await client();
    a.send('/1/fader1', f(0.3));
    await until(() => states.at(-1) === true, 'connected');
    const a2 = await client();
    a2.send('/ping');
    await until(() => states.length === 3, 'a second true for the new subscriber');
    expect(states).toEqual([false, true, true]);
    await until(() => states.at(-1) === false, 'the timeout');
    const sent = t.stats().dropped;
    t.send({ kind: 'osc', address: '/1/fader1', args: [f(0.1)] });
    expect(t.stats().dropped).toBe(sent + 1);
  });

  it('always feeds a fixed remote, and counts malformed packets', async () => {
    const sink = dgram.createSocket('udp4');
    await new Promise<void>((r) => sink.bind(0, '127.0.0.1', () => r()));
    cleanups.push(() => new Promise<void>((r) => sink.close(() => r())));
    const heard: Buffer[] = [];
    sink.on('message', (d) => heard.push(d));
    const { t, states, client, until } = await setup({ remotePort: sink.address().port });
    expect(states).toEqual([true]);
    t.send({ kind: 'osc', address: '/led', args: [f(1)] });
    await until(() => heard.length === 1, 'the fixed remote');
    const a = await client();
    a.raw(Uint8Array.of(0, 0, 0));
    await until(() => t.stats().errors === 1, 'the malformed count');
  });

  it('reports a port it cannot bind without throwing from the constructor', async () => {
    const first = await setup();
    const t = new OscTransport('clash', { transport: 'osc', host: '127.0.0.1', port: first.t.port });
    cleanups.push(() => t.close());
    await expect(t.whenListening()).rejects.toThrow(/cannot listen on UDP/);
  });
});
