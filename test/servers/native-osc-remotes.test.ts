/**
 * Remotes see the real mix from the first moment (#17): snapshots on subscribe, reply ports, echo,
 * one form per address, session remotes, and a fair subscription table (#14 item 5). Real UDP
 * sockets on 127.0.0.1 (and other loopback addresses for "other hosts") and a real WebSocket client.
 */
import dgram from 'node:dgram';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ParamRegistry } from '../../src/params/registry.ts';
import { ParamStore } from '../../src/params/store.ts';
import { defaultSession } from '../../src/params/session.ts';
import { NativeOscServer, type NativeOscOptions } from '../../src/servers/native-osc.ts';
import { decodePacket, encodeMessage, type OscMessage } from '../../src/surfaces/osc/codec.ts';
import { nativeOscFixture } from './native-osc-fixture.ts';
import { oscClient, f, i, s, sleep, type OscTestClient } from '../surfaces/osc/client.ts';

const { cleanups, setup: setupWith } = nativeOscFixture();
const setup = (opts: Partial<NativeOscOptions> = {}) => setupWith(opts, (port, host) => bound(port, host ?? '127.0.0.1'));

/** An OSC client bound to `host` (any 127.x address works on Linux: "another machine" for the caps). */
async function bound(serverPort: number, host: string): Promise<OscTestClient> {
  if (host === '127.0.0.1') return oscClient(serverPort);
  const sock = dgram.createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, host, () => r()));
  const received: OscMessage[] = [];
  sock.on('message', (d) => {
    for (const g of decodePacket(d)) received.push(...g.messages);
  });
  const port = sock.address().port;
  return {
    port,
    peer: `${host}:${port}`,
    received,
    send: (address, ...args) => sock.send(encodeMessage(address, args), serverPort, '127.0.0.1'),
    bundle: () => undefined,
    raw: (b) => sock.send(b, serverPort, '127.0.0.1'),
    async waitFor(pred, what, timeoutMs = 5000) {
      const t0 = Date.now();
      while (!pred(received)) {
        if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}; got ${received.length} messages`);
        await sleep(5);
      }
      return received;
    },
    close: () => new Promise<void>((r) => sock.close(() => r())),
  };
}

/** A plain UDP listener (like `oscdump 9001`): it never sends, it only hears. */
async function listener(): Promise<{ port: number; received: OscMessage[]; close(): Promise<void> }> {
  const sock = dgram.createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  const received: OscMessage[] = [];
  sock.on('message', (d) => {
    for (const g of decodePacket(d)) received.push(...g.messages);
  });
  const l = { port: sock.address().port, received, close: () => new Promise<void>((r) => sock.close(() => r())) };
  cleanups.push(() => l.close());
  return l;
}

async function until(pred: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const t0 = Date.now();
  while (!pred()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

const last = (msgs: readonly OscMessage[], address: string) => [...msgs].reverse().find((m) => m.address === address)?.args[0]?.value;
const count = (msgs: readonly OscMessage[], address: string) => msgs.filter((m) => m.address === address).length;

/** The mix as it is before anyone subscribes: nothing at its default. */
function realMix(store: ParamStore): void {
  store.batch(
    [
      ['/ch/1/fader', -30],
      ['/ch/2/fader', -12.5],
      ['/ch/3/mute', true],
      ['/ch/4/name', 'Lead Gtr'],
      ['/master/fader', -3],
    ],
    'state',
  );
}

describe('native OSC: a subscriber sees the present at once', () => {
  it('UDP: /subscribe sends every current fader, mute and name it covers, before live changes', async () => {
    const { store, client } = await setup();
    realMix(store);
    const a = await client();
    a.send('/subscribe');
    const faders = store.registry.match('/ch/*/fader').map((d) => d.address);
    const covered = store.registry.defs.filter((d) => !d.volatile && !d.action).length;
    await a.waitFor((m) => m.length >= covered, 'the whole snapshot');
    expect(faders.every((x) => a.received.some((y) => y.address === x))).toBe(true);
    expect(last(a.received, '/ch/1/fader')).toBe(-30);
    expect(last(a.received, '/ch/2/fader')).toBe(-12.5);
    expect(last(a.received, '/ch/3/mute')).toBe(1);
    expect(last(a.received, '/ch/4/name')).toBe('Lead Gtr');
    expect(last(a.received, '/master/fader')).toBe(-3);
    // Every value it covers, each once: nothing lost to a full socket buffer, no meters.
    expect(new Set(a.received.map((m) => m.address)).size).toBe(covered);
    expect(a.received.some((m) => m.address.includes('/meter/'))).toBe(false);
    // Then live changes.
    store.set('/ch/1/fader', -20, 'api');
    await a.waitFor((m) => last(m, '/ch/1/fader') === -20, 'the live change');
  });

  it('live changes and query replies made during the snapshot follow it', async () => {
    const { store, client, server } = await setup({ snapshotChunk: 4 });
    const a = await client();
    a.send('/subscribe');
    await until(() => server.stats().received === 1, 'the subscription');
    store.set('/ch/1/fader', -20, 'api'); // early in the snapshot's order, and the snapshot has barely begun
    a.send('/get', s('/ch/1/mute'));
    const covered = store.registry.defs.filter((d) => !d.volatile && !d.action).length;
    await a.waitFor((m) => m.length >= covered + 2, 'the snapshot, the change and the reply');
    const lastOfSnapshot = a.received.findIndex((m) => m.address === '/scene/current');
    const change = a.received.findIndex((m) => m.address === '/ch/1/fader' && m.args[0]!.value === -20 && a.received.indexOf(m) > lastOfSnapshot);
    expect(lastOfSnapshot).toBeGreaterThan(covered / 2);
    expect(change).toBeGreaterThan(lastOfSnapshot);
    expect(a.received.slice(lastOfSnapshot + 1).map((m) => m.address)).toEqual(['/ch/1/fader', '/ch/1/mute']);
    // Never the old value after the new one.
    expect(a.received.filter((m) => m.address === '/ch/1/fader').map((m) => m.args[0]!.value)).not.toContain(0);
  });

  it('a pattern subscription gets the present of what it names only, in its form', async () => {
    const { store, client } = await setup();
    realMix(store);
    const a = await client();
    a.send('/subscribe', s('/norm/ch/*/fader'), s('/ch/*/name'));
    await a.waitFor((m) => m.length >= 16, 'eight faders and eight names');
    await sleep(50);
    expect(a.received).toHaveLength(16);
    expect(last(a.received, '/norm/ch/1/fader')).toBeCloseTo(0.25, 5); // -30 dB on the fader law
    expect(last(a.received, '/ch/4/name')).toBe('Lead Gtr');
  });

  it('WebSocket: a browser client that subscribes gets the present mix', async () => {
    const { store, server } = await setup({ websocketPort: 0 });
    realMix(store);
    const ws = new WebSocket(`ws://127.0.0.1:${server.websocketPort}`);
    cleanups.push(async () => ws.close());
    const got: OscMessage[] = [];
    ws.on('message', (d: Buffer) => {
      for (const g of decodePacket(d)) got.push(...g.messages);
    });
    await new Promise<void>((r) => ws.on('open', () => r()));
    ws.send(encodeMessage('/subscribe', [s('/ch/*/fader'), s('/ch/*/mute'), s('/ch/*/name')]));
    await until(() => got.length >= 24, 'faders, mutes and names over WebSocket');
    expect(last(got, '/ch/1/fader')).toBe(-30);
    expect(last(got, '/ch/3/mute')).toBe(1);
    expect(last(got, '/ch/4/name')).toBe('Lead Gtr');
    store.set('/ch/3/mute', false, 'api');
    await until(() => last(got, '/ch/3/mute') === 0, 'the live change over WebSocket');
  });

  it('renewing what a client holds sends nothing again; a lapsed client gets the present again', async () => {
    const { store, client, server } = await setup({ subscriptionTimeoutMs: 200 });
    const a = await client();
    a.send('/subscribe', s('/ch/1/fader'));
    await a.waitFor((m) => m.length === 1, 'the snapshot');
    a.send('/subscribe', s('/ch/1/fader'));
    await until(() => server.stats().received === 2, 'the renewal');
    await sleep(50);
    expect(a.received).toHaveLength(1);
    await until(() => server.stats().subscribers === 0, 'the lease to lapse');
    store.set('/ch/1/fader', -9, 'api'); // missed: it was not subscribed
    a.send('/subscribe', s('/ch/1/fader'));
    await a.waitFor((m) => m.length === 2, 'the present after lapsing');
    expect(last(a.received, '/ch/1/fader')).toBe(-9);
  });
});

describe('native OSC: reply destinations', () => {
  it('a client sending from port A with reply port B receives replies and feedback on B only', async () => {
    const { store, client } = await setup();
    realMix(store);
    const a = await client();
    const b = await listener();
    a.send('/subscribe', i(b.port), s('/ch/1/fader'));
    await until(() => last(b.received, '/ch/1/fader') === -30, 'the snapshot on B');
    store.set('/ch/1/fader', -7, 'api');
    await until(() => last(b.received, '/ch/1/fader') === -7, 'feedback on B');
    // Its queries from A are answered on B too.
    a.send('/ch/2/fader');
    await until(() => last(b.received, '/ch/2/fader') === -12.5, 'the reply on B');
    await sleep(50);
    expect(a.received).toEqual([]);
  });

  it('/get answers a one-shot sender on the port it names (as oscsend + oscdump do)', async () => {
    const { store, client } = await setup();
    realMix(store);
    const b = await listener();
    const once = await client();
    once.send('/get', s('/ch/1/fader'), s('/norm/master/fader'), i(b.port));
    await until(() => b.received.length === 2, 'two replies on the named port');
    expect(last(b.received, '/ch/1/fader')).toBe(-30);
    expect(last(b.received, '/norm/master/fader')).toBeGreaterThan(0.6);
    // A one-shot /subscribe from another source port renews the same subscriber (named by B).
    const again = await client();
    again.send('/subscribe', i(b.port), s('/ch/1/fader'));
    await until(() => count(b.received, '/ch/1/fader') === 2, 'the snapshot');
    const again2 = await client();
    again2.send('/subscribe', i(b.port), s('/ch/1/fader'));
    await sleep(80);
    expect(count(b.received, '/ch/1/fader')).toBe(2);
  });

  it('a LAN client may name a host in the allow list, never this machine; a bad port is refused', async () => {
    const { client, server } = await setup({ host: '127.0.0.1', allow: ['127.0.0.1'] });
    const a = await client();
    a.send('/subscribe', i(0));
    a.send('/subscribe', i(70000));
    a.send('/get', s('/ch/1/fader'), i(9), s('10.9.9.9')); // not allowed
    await until(() => server.stats().paramErrors === 3, 'three refusals');
    expect(server.stats().subscribers).toBe(0);
  });
});

describe('native OSC: echo', () => {
  it('off by default; /echo 1 sends a client its own change back with the value that stands, /echo 0 stops it', async () => {
    const { store, client } = await setup();
    const a = await client();
    a.send('/subscribe', s('/ch/1/fader'));
    await a.waitFor((m) => m.length === 1, 'the snapshot');
    a.send('/ch/1/fader', f(-5));
    await until(() => store.get('/ch/1/fader') === -5, 'the write');
    await sleep(50);
    expect(a.received).toHaveLength(1);
    a.send('/echo', i(1));
    a.send('/ch/1/fader', f(-6));
    await a.waitFor((m) => last(m, '/ch/1/fader') === -6, 'the echo');
    // The same value again changes nothing, but still comes back: a lost datagram would not.
    const n = a.received.length;
    a.send('/ch/1/fader', f(-6));
    await a.waitFor((m) => m.length === n + 1, 'the echo of an unchanged value');
    // A value past the range comes back as the value that stands.
    a.send('/ch/1/fader', f(99));
    await a.waitFor((m) => last(m, '/ch/1/fader') === 10, 'the clamped value');
    a.send('/echo', i(0));
    const k = a.received.length;
    a.send('/ch/1/fader', f(-8));
    await until(() => store.get('/ch/1/fader') === -8, 'the write');
    await sleep(60);
    expect(a.received).toHaveLength(k);
  });

  it('the session default turns echo on for every client, in the form it subscribed', async () => {
    const { store, client } = await setup({ echo: true });
    const a = await client();
    a.send('/subscribe', s('/norm'));
    await a.waitFor((m) => m.length > 100, 'the snapshot');
    a.received.splice(0);
    a.send('/ch/2/fader', f(0));
    await a.waitFor((m) => m.some((x) => x.address === '/norm/ch/2/fader'), 'the echo');
    expect(last(a.received, '/norm/ch/2/fader')).toBe(0.75);
    expect(store.get('/ch/2/fader')).toBe(0);
  });
});

describe('native OSC: one form per client per address', () => {
  it('a client subscribed in units and in /norm gets the form it asked for last, once', async () => {
    // Unpaced: the whole /norm snapshot is in before the change is made (paced, its tail could still
    // be on its way; pacing has its own tests).
    const { store, client } = await setup({ pacing: false });
    const a = await client();
    a.send('/subscribe', s('/ch/*/fader'));
    await a.waitFor((m) => m.length === 8, 'the unit snapshot');
    a.send('/subscribe', s('/norm'));
    await a.waitFor((m) => m.some((x) => x.address === '/norm/master/fader'), 'the /norm snapshot');
    await sleep(50);
    a.received.splice(0);
    store.set('/ch/1/fader', -10, 'api');
    await a.waitFor((m) => m.length >= 1, 'the change');
    await sleep(50);
    expect(a.received).toEqual([{ address: '/norm/ch/1/fader', args: [f(0.5)] }]);
    // Asked again in units: units win from now on.
    a.send('/subscribe', s('/ch/*/fader'));
    await sleep(50);
    a.received.splice(0);
    store.set('/ch/1/fader', 0, 'api');
    await a.waitFor((m) => m.length >= 1, 'the change');
    await sleep(50);
    expect(a.received).toEqual([{ address: '/ch/1/fader', args: [f(0)] }]);
  });
});

describe('native OSC: session remotes', () => {
  it('a fixed remote gets the present at start and every change after, without asking', async () => {
    const b = await listener();
    const store = new ParamStore(ParamRegistry.fromSession(defaultSession()));
    realMix(store);
    const server = new NativeOscServer(store, { host: '127.0.0.1', port: 0, subscriptionTimeoutMs: 100, remotes: [{ host: '127.0.0.1', port: b.port, subscribe: ['/ch/*/fader', '/ch/*/name'] }] });
    await server.start();
    cleanups.push(() => server.close());
    await until(() => b.received.length >= 16, 'the snapshot');
    expect(last(b.received, '/ch/1/fader')).toBe(-30);
    await sleep(300); // past the lease of an ordinary client
    store.set('/ch/2/fader', -1, 'api');
    await until(() => last(b.received, '/ch/2/fader') === -1, 'the change');
    expect(server.stats().subscribers).toBe(1);
  });
});

describe('native OSC: a fair subscription table (#14 item 5)', () => {
  it('64 hostile sources cannot lock out a genuine explicit subscriber', async () => {
    const { store, client, server } = await setup({ allow: ['127.0.0.0/8'] });
    // 64 sources on other hosts, each merely sending (implicit subscribers), keep renewing...
    const hostile: OscTestClient[] = [];
    for (let k = 0; k < 64; k++) hostile.push(await client(`127.0.${1 + (k >> 5)}.${2 + (k % 32)}`));
    // ...and 64 ports of one host subscribe explicitly.
    const oneHost: OscTestClient[] = [];
    for (let k = 0; k < 64; k++) oneHost.push(await client('127.0.9.9'));
    const flood = () => {
      for (const h of hostile) h.send('/ch/1/mute');
      for (const h of oneHost) h.send('/subscribe', s('/ch/8/pan'));
    };
    flood();
    await until(() => server.stats().received >= 128, 'the flood');
    const timer = setInterval(flood, 20);
    cleanups.push(async () => clearInterval(timer));
    const genuine = await client();
    genuine.send('/subscribe', s('/ch/1/fader'));
    await genuine.waitFor((m) => m.length === 1, 'the genuine snapshot');
    await sleep(300); // the flood goes on
    store.set('/ch/1/fader', -4, 'api');
    await genuine.waitFor((m) => last(m, '/ch/1/fader') === -4, 'feedback to the genuine client');
    const st = server.stats();
    expect(st.subscribers).toBeLessThanOrEqual(64);
    expect(st.subscribersEvicted + st.subscribersRefused).toBeGreaterThan(0);
  });
});

describe('native OSC: connections per source (#14 item 5)', () => {
  it('one host may hold 16 WebSocket connections; the next ones are refused and counted, the held ones still work', async () => {
    const { store, server } = await setup({ websocketPort: 0, statusIntervalMs: 50 });
    const socks: WebSocket[] = [];
    const outcome = await Promise.all(
      Array.from({ length: 20 }, async () => {
        const ws = new WebSocket(`ws://127.0.0.1:${server.websocketPort}`);
        socks.push(ws);
        cleanups.push(async () => ws.terminate());
        await new Promise<void>((r) => ws.on('open', () => r()));
        return new Promise<'closed' | 'open'>((r) => {
          ws.on('close', () => r('closed'));
          setTimeout(() => r('open'), 500);
        });
      }),
    );
    expect(outcome.filter((o) => o === 'closed')).toHaveLength(4);
    expect(server.stats().connectionsRefused).toBe(4);
    // Published for every client and the status line, as the other counters are.
    const t0 = Date.now();
    while (store.get('/status/osc/connrefused') !== 4 && Date.now() - t0 < 10_000) await sleep(20);
    expect(store.get('/status/osc/connrefused')).toBe(4);
    expect(store.get('/status/osc/slowclients')).toBe(0);
    const kept = socks.find((w) => w.readyState === WebSocket.OPEN)!;
    const got: OscMessage[] = [];
    kept.on('message', (d: Buffer) => {
      for (const g of decodePacket(d)) got.push(...g.messages);
    });
    kept.send(encodeMessage('/subscribe', [s('/ch/1/fader')]));
    await until(() => got.length === 1, 'the snapshot');
    store.set('/ch/1/fader', -2, 'api');
    await until(() => last(got, '/ch/1/fader') === -2, 'feedback');
  });
});
