/**
 * The X32 server over real UDP, with raw OSC as the protocol document writes it: identity, gets and
 * sets in the X32's scaling, /node lines, / node sets, default replies, /xremote echo, lease and
 * client limit, read-only clients.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ParamStore } from '../../../src/params/store.ts';
import type { X32Server } from '../../../src/servers/x32/server.ts';
import { quantize, fader, level161, eqFreq, eqGain } from '../../../src/servers/x32/scales.ts';
import { f, i, s, sessionStore, sleep, startServer, x32Client, type Received, type X32TestClient } from './client.ts';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function rig(opts: Parameters<typeof startServer>[1] = {}, store: ParamStore = sessionStore()): Promise<{ store: ParamStore; server: X32Server; client: () => Promise<X32TestClient> }> {
  const { server, host } = await startServer(store, opts);
  cleanups.push(() => server.close());
  return {
    store,
    server,
    client: async () => {
      const c = await x32Client(host, server.port);
      cleanups.push(() => c.close());
      return c;
    },
  };
}

const reply = (c: X32TestClient, address: string) => c.waitFor((m) => m.address === address, address);
const nodeOf = (c: X32TestClient, path: string) => c.waitFor((m) => m.address === 'node' && String(m.args[0]?.value).startsWith(`/${path} `), `node ${path}`);
const value = (m: Received) => m.args[0]!.value;

describe('X32 server: identity', () => {
  it('answers /info, /xinfo and /status as a console does', async () => {
    const { client } = await rig({ name: 'Stage' });
    const c = await client();
    c.send('/info');
    c.send('/xinfo');
    c.send('/status');
    expect((await reply(c, '/info')).args.map((a) => a.value)).toEqual(['V2.07', 'Stage', 'X32', '4.06']);
    const xinfo = await reply(c, '/xinfo');
    expect(xinfo.args.map((a) => a.type)).toEqual(['s', 's', 's', 's']);
    expect(xinfo.args.slice(1).map((a) => a.value)).toEqual(['Stage', 'X32', '4.06']);
    expect(String(xinfo.args[0]!.value)).toMatch(/^127\./);
    expect((await reply(c, '/status')).args.map((a) => a.value).filter((v, k) => k !== 1)).toEqual(['active', 'Stage']);
  });
});

describe('X32 server: values in the X32 scaling', () => {
  it('gets and sets fader, mute, pan and name; a get answers its own address only', async () => {
    const { store, client } = await rig();
    const c = await client();
    store.set('/ch/3/fader', -10, 'api');
    c.send('/ch/03/mix/fader');
    c.send('/ch/03/config/name');
    const fd = await reply(c, '/ch/03/mix/fader');
    expect(fd.args).toEqual([{ type: 'f', value: quantize(fader, 0.5) }]);
    expect(value(await reply(c, '/ch/03/config/name'))).toBe('Ch 3');

    c.send('/ch/05/mix/fader', f(0.75));
    c.send('/ch/05/mix/on', i(0));
    c.send('/ch/05/mix/pan', f(0.25));
    c.send('/ch/05/config/name', s('Lead Vox'));
    await waitUntil(() => store.get('/ch/5/name') === 'Lead Vox');
    expect(store.get('/ch/5/fader')).toBe(0);
    expect(store.get('/ch/5/mute')).toBe(true);
    expect(store.get('/ch/5/pan')).toBe(-0.5);
    // The fader law's other segments.
    c.send('/ch/05/mix/fader', f(0.25));
    await waitUntil(() => store.get('/ch/5/fader') === -30);
    c.send('/ch/05/mix/fader', f(0.0625));
    await waitUntil(() => store.get('/ch/5/fader') === -60);
    c.send('/ch/05/mix/fader', f(0));
    await waitUntil(() => store.get('/ch/5/fader') === -Infinity);
    // Names are 12 characters on a console.
    c.send('/ch/05/config/name', s('A name longer than twelve'));
    await waitUntil(() => store.get('/ch/5/name') === 'A name longe');
    // Every answer is to an address this client sent (a set that changed nothing is confirmed), never another one.
    const sent = new Set(['/ch/03/mix/fader', '/ch/03/config/name', '/ch/05/mix/fader', '/ch/05/mix/on', '/ch/05/mix/pan', '/ch/05/config/name']);
    expect(c.received.filter((m) => !sent.has(m.address))).toEqual([]);
  });

  it('EQ band gain and frequency, gate threshold, dynamics ratio, bus send and tap', async () => {
    const { store, client } = await rig();
    const c = await client();
    c.send('/ch/02/eq/2/g', f(0.7)); // -15..+15 in 0.25 dB steps: +6.00
    c.send('/ch/02/eq/2/f', f(0.5)); // 632.5 Hz on the 201-step table
    c.send('/ch/02/eq/2/q', s('4.3'));
    c.send('/ch/02/gate/thr', f(0.5)); // -80..0: -40
    c.send('/ch/02/dyn/ratio', i(6)); // 4.0
    c.send('/ch/02/mix/01/level', f(0.75)); // bus 1 send at 0 dB
    c.send('/ch/02/mix/01/type', s('POST'));
    c.send('/ch/02/mix/02/level', s('-10')); // a string, as X32 libraries send
    await waitUntil(() => store.get('/ch/2/send/2/level') === -10);
    expect(store.get('/ch/2/eq/2/gain')).toBeCloseTo(6, 5);
    expect(store.get('/ch/2/eq/2/freq')).toBeCloseTo(632.456, 2);
    expect(store.get('/ch/2/eq/2/q')).toBeCloseTo(4.32, 1);
    expect(store.get('/ch/2/gate/threshold')).toBe(-40);
    expect(store.get('/ch/2/comp/ratio')).toBe(4);
    expect(store.get('/ch/2/send/1/level')).toBe(0);
    expect(store.get('/ch/2/send/1/pre')).toBe(false);
    // Reading back: faderd's values in the X32's form.
    store.set('/ch/2/eq/2/gain', -4.25, 'api');
    store.set('/ch/2/comp/ratio', 3.2, 'api'); // the nearest of the console's ratios: 3.0
    for (const a of ['/ch/02/eq/2/g', '/ch/02/dyn/ratio', '/ch/02/eq/2/f']) c.send(a);
    expect(value(await reply(c, '/ch/02/eq/2/g'))).toBe(quantize(eqGain, (15 - 4.25) / 30));
    expect(value(await reply(c, '/ch/02/dyn/ratio'))).toBe(5);
    expect(value(await reply(c, '/ch/02/eq/2/f'))).toBe(quantize(eqFreq, 0.5));
  });

  it('fx sends are the mix buses after the aux buses; that bus carries the effect name', async () => {
    const { store, client } = await rig();
    const c = await client();
    c.send('/ch/01/mix/03/level', f(0.75)); // buses 1-2 are aux buses; 3 feeds fx 1
    c.send('/bus/04/config/name', s('Slap'));
    await waitUntil(() => store.get('/fx/2/name') === 'Slap');
    expect(store.get('/ch/1/fxsend/1/level')).toBe(0);
    c.send('/fxrtn/02/config/name');
    expect(value(await reply(c, '/fxrtn/02/config/name'))).toBe('Slap');
  });

  it('/node answers a node line exactly as a console writes it, to the address node', async () => {
    const { store, client } = await rig();
    const c = await client();
    store.batch([['/ch/1/fader', 0.2], ['/ch/1/pan', 0.16], ['/ch/1/name', 'Mani']], 'api');
    c.send('/node', s('ch/01/mix'));
    c.send('/node', s('ch/01/config'));
    c.send('/node', s('/ch/01/mix/fader'));
    c.send('/node', s('headamp/124'));
    expect(value(await nodeOf(c, 'ch/01/mix'))).toBe('/ch/01/mix ON  +0.2 ON +16 OFF   -oo\n');
    expect(value(await nodeOf(c, 'ch/01/config'))).toBe('/ch/01/config "Mani" 1 YE 1\n');
    expect(value(await nodeOf(c, 'ch/01/mix/fader'))).toBe('/ch/01/mix/fader +0.2\n');
    expect(value(await nodeOf(c, 'headamp/124'))).toBe('/headamp/124 +0.0 OFF\n');
    c.send('/node', s('nothing/here'));
    await sleep(100);
    expect(c.received.filter((m) => String(m.args[0]?.value).startsWith('/nothing'))).toEqual([]);
  });

  it('/ sets a node from its text line (or one leaf), and echoes the command to its sender', async () => {
    const { store, client } = await rig();
    const c = await client();
    c.send('/', s('ch/04/mix OFF -10.0 ON -50 OFF -oo'));
    c.send('/', s('/ch/04/eq/1 PEQ 1k02 +3.50 2.0'));
    await waitUntil(() => store.get('/ch/4/eq/1/gain') === 3.5);
    expect(store.get('/ch/4/mute')).toBe(true);
    expect(store.get('/ch/4/fader')).toBeCloseTo(-10, 1);
    expect(store.get('/ch/4/pan')).toBe(-0.5);
    expect(store.get('/ch/4/eq/1/type')).toBe('peak');
    expect(store.get('/ch/4/eq/1/freq')).toBeCloseTo(1020, 6); // what was sent; what faderd sends back is the console's step, 1k02
    expect((await reply(c, '/')).args).toEqual([{ type: 's', value: 'ch/04/mix OFF -10.0 ON -50 OFF -oo' }]);
    c.send('/', s('ch/04/config "Two Words" 1 RD 4'));
    await waitUntil(() => store.get('/ch/4/name') === 'Two Words');
  });
});

describe('X32 server: what faderd does not have', () => {
  it('answers every console address with its reset value, ignores sets to it, stays silent on unknown ones', async () => {
    const { store, server, client } = await rig();
    const c = await client();
    const before = store.snapshot();
    // Channel 20 (the session has 8), a DCA, a matrix, routing, a preference.
    for (const a of ['/ch/20/mix/fader', '/dca/3/fader', '/mtx/02/mix/on', '/config/routing/IN/1-8', '/-prefs/clockrate', '/ch/01/delay/time']) c.send(a);
    await c.waitFor(() => c.received.length >= 6, 'six replies');
    expect(c.received.map((m) => [m.address, m.args[0]!.type])).toEqual([
      ['/ch/20/mix/fader', 'f'],
      ['/dca/3/fader', 'f'],
      ['/mtx/02/mix/on', 'i'],
      ['/config/routing/IN/1-8', 'i'],
      ['/-prefs/clockrate', 'i'],
      ['/ch/01/delay/time', 'f'],
    ]);
    c.received.splice(0);
    c.send('/dca/3/fader', f(0.9));
    c.send('/ch/20/mix/fader', f(0.9));
    c.send('/ch/01/delay/on', i(1));
    // The setter is told the value that stands; nothing changes.
    await c.waitFor(() => c.received.length >= 3, 'three answers');
    expect(c.received.map((m) => m.args[0]!.value)).toEqual([0, 0, 0]);
    expect(store.snapshot()).toEqual(before);
    c.send('/not/an/x32/address', f(1));
    c.send('/ch/99/mix/fader');
    await sleep(100);
    expect(c.received).toHaveLength(3);
    expect(server.stats().unknown).toBe(2);
  });
});

describe('X32 server: /xremote', () => {
  it('echoes a set to every /xremote client, the setter included, with the value faderd holds', async () => {
    const { store, client } = await rig();
    const [a, b, quiet] = [await client(), await client(), await client()];
    a.send('/xremote');
    b.send('/xremote');
    // The dump ends with the solo light.
    await a.waitFor((m) => m.address === '/-stat/solo', 'a dump');
    await b.waitFor((m) => m.address === '/-stat/solo', 'b dump');
    a.received.splice(0);
    b.received.splice(0);
    a.send('/ch/01/mix/fader', f(0.5));
    a.send('/ch/01/dyn/ratio', i(11)); // 100:1, which faderd holds as 20:1
    for (const c of [a, b]) {
      expect((await reply(c, '/ch/01/mix/fader')).args).toEqual([{ type: 'f', value: quantize(fader, 0.5) }]);
      expect(value(await reply(c, '/ch/01/dyn/ratio'))).toBe(10);
    }
    expect(store.get('/ch/1/comp/ratio')).toBe(20);
    // A change from elsewhere (a scene, a surface) reaches them too; a client that never sent /xremote gets nothing.
    store.set('/ch/2/send/1/level', -10, 'scene');
    expect(value(await reply(b, '/ch/02/mix/01/level'))).toBe(quantize(level161, 0.5));
    store.set('/ch/6/solo', true, 'api');
    expect(value(await reply(a, '/-stat/solosw/06'))).toBe(1);
    expect(value(await reply(a, '/-stat/solo'))).toBe(1);
    await sleep(50);
    expect(quiet.received).toEqual([]);
  });

  it('dumps current values to a new client only, holds at most 4 clients, and drops a client after its lease', async () => {
    const { store, server, client } = await rig({ leaseMs: 4000 });
    const clients = [await client(), await client(), await client(), await client(), await client()];
    clients[0]!.send('/xremote');
    await clients[0]!.waitFor((m) => m.address === '/-stat/solo', 'the dump');
    const dump = clients[0]!.received.length;
    expect(dump).toBe(server.boundLeaves + 1); // every value faderd has, and the solo light: none lost to a full socket buffer
    for (const c of clients.slice(1, 4)) c.send('/xremote');
    await clients[3]!.waitFor((m) => m.address === '/-stat/solo', 'the 4th dump');
    await sleep(100);
    expect(clients[0]!.received.length).toBe(dump); // the others' dumps did not reach the first
    clients[4]!.send('/xremote');
    await sleep(150);
    expect(clients[4]!.received).toEqual([]);
    expect(server.stats()).toMatchObject({ remotes: 4, remotesRefused: 1 });
    // Leases: three clients renew, one stops; once its lease is over changes stop reaching it and
    // its place goes to the client that was refused.
    // (Waited for, not slept on: a loaded machine may take the last /xremote in late, so the lease
    // ends late; the renewals every 300 ms keep far inside the 4 s lease.)
    const renew = setInterval(() => clients.slice(0, 3).forEach((c) => c.send('/xremote')), 300);
    cleanups.push(async () => clearInterval(renew));
    await waitUntil(() => server.stats().remotes === 3, 30_000);
    for (const c of clients) c.received.splice(0);
    store.set('/ch/1/fader', -20, 'api');
    await reply(clients[0]!, '/ch/01/mix/fader');
    await sleep(100);
    expect(clients[3]!.received).toEqual([]);
    clients[4]!.send('/xremote');
    await clients[4]!.waitFor((m) => m.address === '/ch/01/mix/fader', 'the late client is admitted');
  });
});

describe('X32 server: access', () => {
  it('read-only clients may get and subscribe but change nothing; the setter is told the value that stands', async () => {
    const { store, client } = await rig({ readOnly: ['127.0.0.1'] });
    const c = await client();
    c.send('/ch/01/mix/fader', f(1));
    c.send('/', s('ch/01/mix OFF +10.0 ON +0 OFF -oo'));
    expect(value(await reply(c, '/ch/01/mix/fader'))).toBe(quantize(fader, 0.75));
    await sleep(50);
    expect(store.get('/ch/1/fader')).toBe(0);
    expect(store.get('/ch/1/mute')).toBe(false);
    c.send('/ch/01/mix/fader');
    await c.waitFor(() => c.received.filter((m) => m.address === '/ch/01/mix/fader').length >= 3, 'a get');
  });

  it('refuses to listen beyond loopback without an allow list', async () => {
    await expect(startServer(sessionStore(), { host: '0.0.0.0' })).rejects.toThrow(/needs an allow list/);
  });
});

async function waitUntil(cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error('condition not met in time');
    await sleep(5);
  }
}
