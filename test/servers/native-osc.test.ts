import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { ParamRegistry } from '../../src/params/registry.ts';
import { ParamStore, type ParamChange } from '../../src/params/store.ts';
import { defaultSession } from '../../src/params/session.ts';
import { NativeOscServer } from '../../src/servers/native-osc.ts';
import { encodeMessage } from '../../src/surfaces/osc/codec.ts';
import { WebSocket } from 'ws';
import { nativeOscFixture } from './native-osc-fixture.ts';
import { oscClient, f, i, s, T, F, sleep, type OscTestClient } from '../surfaces/osc/client.ts';

const { cleanups, setup } = nativeOscFixture();

/** Waits until the server has seen `n` messages in total (UDP gives no other acknowledgement). */
async function seen(server: NativeOscServer, n: number): Promise<void> {
  const t0 = Date.now();
  while (server.stats().received < n) {
    if (Date.now() - t0 > 10_000) throw new Error(`server saw ${server.stats().received} of ${n} messages`);
    await sleep(5);
  }
}

/** Waits for a new subscriber's snapshot (`n` messages: the current value of all it covers), then forgets it. */
async function snapshot(c: OscTestClient, n: number): Promise<void> {
  await c.waitFor((m) => m.length >= n, `a snapshot of ${n} values`);
  c.received.splice(0);
}

/** Non-meter, non-action params: what a plain `/subscribe` or `/xremote` covers. */
const plainCount = (store: ParamStore) => store.registry.defs.filter((d) => !d.volatile && !d.action).length;

describe('NativeOscServer', () => {
  it('a client moving /ch/2/fader reaches every other subscribed client, not itself', async () => {
    const { store, server, client } = await setup();
    const [a, b, c] = [await client(), await client(), await client()];
    b.send('/subscribe');
    c.send('/xremote');
    a.send('/ch/1/mute'); // a query: subscribes a implicitly
    await seen(server, 3);
    a.send('/ch/2/fader', f(-6));
    await b.waitFor((m) => m.some((x) => x.address === '/ch/2/fader'), 'b to get the fader');
    await c.waitFor((m) => m.some((x) => x.address === '/ch/2/fader'), 'c to get the fader');
    expect(store.get('/ch/2/fader')).toBe(-6);
    expect(b.received.find((x) => x.address === '/ch/2/fader')!.args).toEqual([{ type: 'f', value: -6 }]);
    // A change from elsewhere (a scene, a surface) reaches a too, but its own change never echoed back.
    store.set('/ch/3/fader', -12, 'scene');
    await a.waitFor((m) => m.some((x) => x.address === '/ch/3/fader'), 'a to get the scene change');
    expect(a.received.filter((x) => x.address === '/ch/2/fader')).toEqual([]);
    expect(server.stats().subscribers).toBe(3);
  });

  it('answers block counts exactly, past the 2^24 a float32 can hold (12 hours of 128-frame blocks)', async () => {
    const { store, client } = await setup();
    const a = await client();
    store.set('/status/blocks', 2 ** 24 + 1, 'engine', { internal: true });
    a.send('/status/blocks');
    await a.waitFor((m) => m.some((x) => x.address === '/status/blocks'), 'the count');
    expect(a.received.find((x) => x.address === '/status/blocks')!.args).toEqual([{ type: 'd', value: 2 ** 24 + 1 }]);
  });

  it('applies a bundle of 64 messages, all of them, as one batch', async () => {
    const { store, server, client } = await setup();
    const a = await client();
    const batches: Array<readonly ParamChange[]> = [];
    store.changes$.subscribe((b) => batches.push(b));
    const msgs = [];
    for (let ch = 1; ch <= 8; ch++) {
      for (let band = 1; band <= 4; band++) {
        msgs.push({ address: `/ch/${ch}/eq/${band}/gain`, args: [f(band + ch / 4)] });
        msgs.push({ address: `/ch/${ch}/eq/${band}/freq`, args: [i(100 * band + ch)] });
      }
    }
    expect(msgs).toHaveLength(64);
    a.bundle(msgs);
    await seen(server, 64);
    expect(batches).toHaveLength(1);
    expect(batches[0]).toHaveLength(64);
    expect(store.get('/ch/8/eq/4/gain')).toBe(6);
    expect(store.get('/ch/3/eq/2/freq')).toBe(203);
  });

  it('drops and counts a malformed packet and carries on', async () => {
    const { server, client } = await setup();
    const a = await client();
    a.raw(Uint8Array.of(1, 2, 3));
    a.raw(new TextEncoder().encode('/ch/\0\0\0\0,zz\0garbage!'));
    const truncated = encodeMessage('/ch/1/fader', [f(-3)]).subarray(0, 16);
    a.raw(truncated);
    a.send('/ch/1/fader');
    await a.waitFor((m) => m.length === 1, 'the query reply');
    expect(a.received[0]).toEqual({ address: '/ch/1/fader', args: [{ type: 'f', value: 0 }] });
    expect(server.stats().malformed).toBe(3);
  });

  it('/norm/ch/1/fader 0.75 sets 0 dB, and normalized queries answer in 0..1', async () => {
    const { store, server, client } = await setup();
    const a = await client();
    store.set('/ch/1/fader', -20, 'api');
    a.send('/norm/ch/1/fader', f(0.75));
    await seen(server, 1);
    expect(store.get('/ch/1/fader')).toBe(0);
    a.send('/norm/ch/1/hpf/freq', f(0));
    a.send('/norm/ch/1/fader');
    await a.waitFor((m) => m.length === 1, 'the normalized reply');
    expect(a.received[0]).toEqual({ address: '/norm/ch/1/fader', args: [{ type: 'f', value: 0.75 }] });
    expect(store.get('/ch/1/hpf/freq')).toBe(20);
  });

  it('answers a query with no args to the sender with the value, and a pattern query with every match', async () => {
    const { store, client } = await setup();
    const [a, b] = [await client(), await client()];
    store.set('/ch/4/pan', -0.5, 'api');
    store.set('/ch/2/name', 'Bass', 'api');
    a.send('/ch/4/pan');
    a.send('/ch/2/name');
    a.send('/ch/2/eq/1/type');
    await a.waitFor((m) => m.length === 3, 'three replies');
    expect(a.received).toEqual([
      { address: '/ch/4/pan', args: [{ type: 'f', value: -0.5 }] },
      { address: '/ch/2/name', args: [{ type: 's', value: 'Bass' }] },
      { address: '/ch/2/eq/1/type', args: [{ type: 's', value: 'lowshelf' }] },
    ]);
    b.send('/ch/*/mute');
    await b.waitFor((m) => m.length === 8, 'eight mute replies');
    expect(b.received.map((m) => m.address)).toEqual([1, 2, 3, 4, 5, 6, 7, 8].map((n) => `/ch/${n}/mute`));
    expect(b.received.every((m) => m.args[0]!.type === 'i' && m.args[0]!.value === 0)).toBe(true);
  });

  it('applies a pattern write to every match in one batch', async () => {
    const { store, server, client } = await setup();
    const a = await client();
    const batches: Array<readonly ParamChange[]> = [];
    store.changes$.subscribe((b) => batches.push(b));
    a.send('/ch/*/mute', i(1));
    await seen(server, 1);
    expect(batches).toHaveLength(1);
    expect(batches[0]!.map((c) => c.address)).toEqual([1, 2, 3, 4, 5, 6, 7, 8].map((n) => `/ch/${n}/mute`));
    expect(batches[0]!.every((c) => c.value === true && c.origin === `osc:${a.peer}`)).toBe(true);
    // Patterns skip read-only matches (meters) rather than failing the whole write.
    a.send('/ch/{1,2}/*', f(0));
    a.send('/ch/[3-4]/fader', f(-5));
    await seen(server, 3);
    expect(store.get('/ch/3/fader')).toBe(-5);
    expect(store.get('/ch/5/fader')).toBe(0);
    expect(store.get('/ch/1/mute')).toBe(false);
    expect(store.get('/ch/2/fader')).toBe(0);
  });

  it('accepts booleans as int 0/1, float 0/1 and OSC true/false, and numbers as int or float', async () => {
    const { store, server, client } = await setup();
    const a = await client();
    const seq: Array<[string, ReturnType<typeof f>, unknown]> = [
      ['/ch/1/mute', i(1), true],
      ['/ch/1/mute', f(0), false],
      ['/ch/1/mute', T, true],
      ['/ch/1/mute', F, false],
      ['/ch/1/solo', f(1), true],
      ['/ch/1/fader', i(-10), -10],
      ['/ch/1/eq/2/type', s('notch'), 'notch'],
    ];
    let n = 0;
    for (const [addr, arg, want] of seq) {
      a.send(addr, arg);
      await seen(server, ++n);
      expect(store.get(addr)).toBe(want);
    }
  });

  it('counts param errors, replies nothing and keeps the good part of a bundle', async () => {
    const { store, server, client } = await setup();
    const a = await client();
    a.send('/ch/1/fadr', f(-3));
    a.send('/ch/1/mute', s('maybe'));
    a.send('/ch/1/meter/peak', f(-3));
    a.bundle([
      { address: '/ch/1/fader', args: [f(-4)] },
      { address: '/ch/1/pan', args: [s('left')] },
    ]);
    await seen(server, 5);
    await sleep(30);
    expect(a.received).toEqual([]);
    expect(server.stats().paramErrors).toBe(4);
    expect(store.get('/ch/1/fader')).toBe(-4);
  });

  it('read-only peers may query and subscribe, but their writes are ignored and counted', async () => {
    const { store, server, client } = await setup({ readOnly: ['127.0.0.1'] });
    const a = await client();
    a.send('/ch/1/fader', f(-9));
    a.send('/ch/1/fader');
    await a.waitFor((m) => m.length === 1, 'the reply');
    expect(store.get('/ch/1/fader')).toBe(0);
    expect(server.stats().readOnlyIgnored).toBe(1);
    store.set('/ch/1/fader', -1, 'api');
    await a.waitFor((m) => m.length === 2, 'feedback');
  });

  it('a read-only list of remote clients leaves loopback clients free to write', async () => {
    const { store, server, client } = await setup({ readOnly: ['192.168.1.0/24'] });
    const a = await client();
    a.send('/ch/1/fader', f(-9));
    await seen(server, 1);
    expect(store.get('/ch/1/fader')).toBe(-9);
    expect(server.stats().readOnlyIgnored).toBe(0);
  });

  it('coalesces a storm per client: the latest value wins', async () => {
    const { store, client, server } = await setup();
    const b = await client();
    b.send('/subscribe');
    await seen(server, 1);
    await snapshot(b, plainCount(store));
    for (let k = 0; k < 500; k++) store.set('/ch/1/fader', -k / 10, 'surface:x');
    await b.waitFor((m) => m.length >= 1, 'feedback');
    await sleep(30);
    expect(b.received).toEqual([{ address: '/ch/1/fader', args: [{ type: 'f', value: Math.fround(-49.9) }] }]);
  });

  it('sends meters only to clients that subscribed to them, at the meter rate', async () => {
    const { store, client, server } = await setup({ meterRateHz: 50 });
    const [m, plain] = [await client(), await client()];
    m.send('/subscribe', s('/ch/*/meter/*'), s('/norm/ch/1/fader'));
    plain.send('/xremote');
    await seen(server, 2);
    await snapshot(m, store.registry.match('/ch/*/meter/*').length + 1);
    await snapshot(plain, plainCount(store));
    const t0 = Date.now();
    for (let k = 0; k < 20; k++) store.set('/ch/1/meter/peak', -k, 'engine', { internal: true });
    store.set('/ch/1/fader', 0, 'api');
    store.set('/ch/1/fader', -10, 'api');
    await m.waitFor((x) => x.some((y) => y.address === '/ch/1/meter/peak'), 'the meter');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(5);
    await plain.waitFor((x) => x.some((y) => y.address === '/ch/1/fader'), 'the fader on the plain client');
    await sleep(50);
    expect(m.received.filter((y) => y.address === '/ch/1/meter/peak')).toEqual([{ address: '/ch/1/meter/peak', args: [{ type: 'f', value: -19 }] }]);
    expect(m.received.filter((y) => y.address === '/norm/ch/1/fader')).toEqual([{ address: '/norm/ch/1/fader', args: [{ type: 'f', value: 0.5 }] }]);
    expect(m.received.some((y) => y.address === '/ch/1/fader')).toBe(false);
    expect(plain.received.some((y) => y.address.includes('meter'))).toBe(false);
  });

  it('/subscribe /norm sends every non-meter change in normalized form', async () => {
    const { store, client, server } = await setup();
    const a = await client();
    a.send('/subscribe', s('/norm'));
    await seen(server, 1);
    await snapshot(a, store.registry.defs.filter((d) => !d.volatile && !d.action && d.type !== 'text').length);
    store.set('/ch/2/mute', true, 'api');
    store.set('/ch/2/fader', -10, 'api');
    store.set('/ch/2/meter/peak', -3, 'engine', { internal: true });
    await a.waitFor((m) => m.length === 2, 'two normalized changes');
    await sleep(60);
    expect(a.received).toEqual([
      { address: '/norm/ch/2/mute', args: [{ type: 'f', value: 1 }] },
      { address: '/norm/ch/2/fader', args: [{ type: 'f', value: 0.5 }] },
    ]);
  });

  it('drops a client that does not renew, and on /unsubscribe', async () => {
    // Long enough a lease for two whole snapshots to arrive first on a busy machine.
    const { store, client, server } = await setup({ subscriptionTimeoutMs: 1500 });
    const [a, b] = [await client(), await client()];
    a.send('/xremote');
    b.send('/xremote');
    await seen(server, 2);
    expect(server.stats().subscribers).toBe(2);
    await snapshot(a, plainCount(store));
    await snapshot(b, plainCount(store));
    b.send('/unsubscribe');
    await seen(server, 3);
    expect(server.stats().subscribers).toBe(1);
    await sleep(1700);
    expect(server.stats().subscribers).toBe(0);
    store.set('/ch/1/fader', -2, 'api');
    await sleep(30);
    expect(a.received).toEqual([]);
    expect(b.received).toEqual([]);
    a.send('/xremote'); // renewing brings it back, with the present first
    await seen(server, 4);
    await snapshot(a, plainCount(store));
    store.set('/ch/1/fader', -3, 'api');
    await a.waitFor((m) => m.length === 1, 'feedback after renewing');
  });

  it('applies a bundle time-tagged in the future when it is due', async () => {
    const { store, server, client } = await setup();
    const a = await client();
    a.bundle([{ address: '/ch/5/fader', args: [f(-7)] }], Date.now() + 120);
    await seen(server, 1);
    expect(store.get('/ch/5/fader')).toBe(0);
    const t0 = Date.now();
    while (store.get('/ch/5/fader') !== -7) {
      if (Date.now() - t0 > 10_000) throw new Error('the bundle never applied');
      await sleep(5);
    }
  });

  it('speaks OSC over WebSocket for browser remotes', async () => {
    const { store, server, client } = await setup({ websocketPort: 0 });
    const udp = await client();
    udp.send('/xremote');
    await seen(server, 1);
    await snapshot(udp, plainCount(store));
    const WS = WebSocket as unknown as new (url: string) => {
      binaryType: string;
      on(e: 'open', f: () => void): void;
      on(e: 'message', f: (d: Buffer) => void): void;
      send(d: Uint8Array): void;
      close(): void;
    };
    const ws = new WS(`ws://127.0.0.1:${server.websocketPort}`);
    cleanups.push(async () => ws.close());
    const got: Buffer[] = [];
    ws.on('message', (d) => got.push(d));
    await new Promise<void>((r) => ws.on('open', r));
    ws.send(encodeMessage('/ch/6/fader', [f(-4)]));
    await udp.waitFor((m) => m.some((x) => x.address === '/ch/6/fader'), 'feedback from the browser change');
    expect(store.get('/ch/6/fader')).toBe(-4);
    ws.send(encodeMessage('/ch/6/fader', []));
    const t0 = Date.now();
    while (got.length === 0 && Date.now() - t0 < 10_000) await sleep(5);
    expect([...got[0]!]).toEqual([...encodeMessage('/ch/6/fader', [f(-4)])]);
  });

  it('refuses to listen beyond loopback without an allow list', async () => {
    const store = new ParamStore(ParamRegistry.fromSession(defaultSession()));
    await expect(new NativeOscServer(store, { host: '0.0.0.0', port: 0 }).start()).rejects.toThrow(/needs an allow list/);
    await expect(new NativeOscServer(store, { host: '0.0.0.0', port: 0, allow: ['10.0.0.0/33'] }).start()).rejects.toThrow(/not an IPv4 or IPv6 subnet/);
  });

  it('ignores and counts packets from outside the allow list; allowed LAN clients get through', async () => {
    const lan = Object.values(os.networkInterfaces()).flat().find((a) => a && !a.internal && a.family === 'IPv4')?.address;
    if (!lan) throw new Error('this test needs a non-loopback IPv4 interface to send from');
    const denied = await setup({ host: lan, allow: ['10.9.8.0/24'] });
    const a = await oscClient(denied.server.port, lan);
    cleanups.push(() => a.close());
    a.send('/ch/1/fader', f(-1));
    a.send('/ch/1/fader');
    const t0 = Date.now();
    while (denied.server.stats().denied < 2 && Date.now() - t0 < 10_000) await sleep(5);
    expect(denied.server.stats().denied).toBe(2);
    expect(denied.store.get('/ch/1/fader')).toBe(0);
    const allowed = await setup({ host: lan, allow: [`${lan.split('.').slice(0, 3).join('.')}.0/24`] });
    const b = await oscClient(allowed.server.port, lan);
    cleanups.push(() => b.close());
    b.send('/ch/1/fader', f(-1));
    await seen(allowed.server, 1);
    expect(allowed.store.get('/ch/1/fader')).toBe(-1);
    expect(a.received).toEqual([]);
  });
});
