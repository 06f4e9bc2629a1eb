/**
 * Hostile input to the native OSC server over real UDP sockets on loopback (issue #14): packets
 * crafted to freeze the control plane or to slip a bad value into the mix.
 */
import dgram from 'node:dgram';
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { patternSteps } from '../../src/util/osc-pattern.ts';
import { StatusReporter } from '../../src/daemon/status.ts';
import { SceneLibrary } from '../../src/params/scenes.ts';
import { tempDirs } from '../helpers/temp-dirs.ts';
import { pino } from 'pino';
import { suggestSteps } from '../../src/util/source-error.ts';
import { encodeMessage } from '../../src/surfaces/osc/codec.ts';
import { nativeOscFixture } from './native-osc-fixture.ts';
import { f, s } from '../surfaces/osc/client.ts';

const tempDir = tempDirs('faderd-osc-hostile-');
const { cleanups, setup } = nativeOscFixture();

/** Opens a real WebSocket with the given headers: the socket, or the HTTP status it was refused with. */
function openWs(port: number, headers: Record<string, string> = {}): Promise<{ ws: WebSocket } | { status: number }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}`, { headers });
    ws.on('open', () => {
      cleanups.push(async () => ws.terminate());
      resolve({ ws });
    });
    ws.on('unexpected-response', (_req, res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0 });
    });
    ws.on('error', reject);
  });
}

/** A generous watchdog: the server must still answer, seconds later at most, on a loaded machine. */
const WATCHDOG_MS = 10_000;

describe('NativeOscServer under hostile packets', () => {
  it('a pattern of 45 stars neither stalls the server nor costs more than a bounded number of steps', async () => {
    const { store, client } = await setup();
    const a = await client();
    const evil = '/' + '*'.repeat(45) + 'x';
    const before = patternSteps();
    a.send(evil); // a pattern query against every address: ~25 s with a backtracking regex
    a.send('/subscribe', s(evil), s('/ch/*/' + '*'.repeat(45) + 'x')); // matched against every change
    store.set('/ch/1/fader', -3, 'test');
    a.send('/ch/1/fader');
    await a.waitFor((m) => m.some((x) => x.address === '/ch/1/fader'), 'the reply after the pathological pattern', WATCHDOG_MS);
    expect(a.received.find((x) => x.address === '/ch/1/fader')!.args).toEqual([f(-3)]);
    // ~700 addresses of a few short parts each, against one NFA of two nodes: far below a million.
    expect(patternSteps() - before).toBeLessThan(1_000_000);
  }, 60_000);

  it('a 64 KB unknown address costs a bounded "did you mean", and the server answers the next query', async () => {
    const { server, client } = await setup();
    const a = await client();
    const before = suggestSteps();
    // Unbounded, this cost ~0.44 s of edit distance against every address: 5 packets/s held a core.
    for (let k = 0; k < 2; k++) a.send('/' + 'q'.repeat(65_000 - k)); // two: more could overflow the socket's buffer
    a.send('/ch/1/fdr'); // a real typo still gets its hint
    a.send('/ch/1/fader');
    await a.waitFor((m) => m.some((x) => x.address === '/ch/1/fader'), 'the reply after the long addresses', WATCHDOG_MS);
    expect(server.stats().paramErrors).toBe(3);
    expect(suggestSteps() - before).toBeLessThan(2_000_000);
  }, 60_000);

  it('refuses NaN and infinities in units and normalized (inf once set +10 dB)', async () => {
    const { store, server, client } = await setup();
    const a = await client();
    a.send('/master/fader', f(Infinity));
    a.send('/norm/master/fader', f(Infinity));
    a.send('/ch/1/fader', f(NaN));
    a.send('/norm/ch/1/fader', { type: 'd', value: Infinity });
    a.send('/ch/1/pan', f(-Infinity));
    a.send('/ch/2/fader', s('inf'));
    a.send('/ch/2/fader');
    await a.waitFor((m) => m.some((x) => x.address === '/ch/2/fader'), 'the query after the bad values', WATCHDOG_MS);
    expect(server.stats().paramErrors).toBe(6);
    expect(store.get('/master/fader')).toBe(0);
    expect(store.get('/ch/1/fader')).toBe(0);
    expect(store.get('/ch/1/pan')).toBe(0);
    expect(store.get('/ch/2/fader')).toBe(0);
    // A fader really off is still -inf, as the string or the float.
    a.send('/ch/3/fader', f(-Infinity));
    a.send('/ch/4/fader', s('-inf'));
    a.send('/ch/4/fader');
    await a.waitFor((m) => m.some((x) => x.address === '/ch/4/fader'), 'the -inf reply', WATCHDOG_MS);
    expect(store.get('/ch/3/fader')).toBe(-Infinity);
    expect(store.get('/ch/4/fader')).toBe(-Infinity);
  }, 60_000);

  it('refuses, with 403 and a count, a WebSocket from another site\'s page or a rebound host name', async () => {
    const { store, server } = await setup({ websocketPort: 0, origins: ['https://desk.example'], pagePorts: [9080] });
    const port = server.websocketPort;
    // Cross-site WebSocket hijacking: any page the operator opens could drive the mix.
    const foreign = await openWs(port, { Origin: 'http://attacker.example' });
    expect(foreign).toEqual({ status: 403 });
    // DNS rebinding: the attacker's own name pointed at 127.0.0.1.
    expect(await openWs(port, { Host: `attacker.example:${port}`, Origin: `http://attacker.example:${port}` })).toEqual({ status: 403 });
    expect(await openWs(port, { Host: `attacker.example:${port}` })).toEqual({ status: 403 });
    expect(server.stats().refused).toBe(3);
    // The web mixer's own page, an origin the session allows, and a client that is not a page all get in.
    expect('ws' in (await openWs(port, { Origin: 'http://127.0.0.1:9080' }))).toBe(true);
    expect('ws' in (await openWs(port, { Origin: 'https://desk.example' }))).toBe(true);
    const app = await openWs(port);
    if (!('ws' in app)) throw new Error(`refused ${app.status}`);
    app.ws.send(encodeMessage('/ch/5/fader', [f(-7)]));
    const t0 = Date.now();
    while (store.get('/ch/5/fader') !== -7 && Date.now() - t0 < WATCHDOG_MS) await new Promise((r) => setTimeout(r, 5));
    expect(store.get('/ch/5/fader')).toBe(-7);
    expect(server.stats().refused).toBe(3);
  }, 60_000);

  it('readOnly: [127.0.0.2] makes that client read-only, not 127.0.0.1 or 127.0.0.3; an IPv6 subnet in allow starts', async () => {
    const { store, server } = await setup({ readOnly: ['127.0.0.2'], allow: ['fd00:1::/64'] });
    const from = async (ip: string) => {
      const sock = dgram.createSocket('udp4');
      await new Promise<void>((r) => sock.bind(0, ip, () => r()));
      cleanups.push(() => new Promise<void>((r) => sock.close(() => r())));
      return (address: string, v: number) => sock.send(encodeMessage(address, [f(v)]), server.port, '127.0.0.1');
    };
    (await from('127.0.0.2'))('/ch/2/fader', -20);
    (await from('127.0.0.1'))('/ch/1/fader', -11);
    (await from('127.0.0.3'))('/ch/3/fader', -13);
    const t0 = Date.now();
    while (server.stats().received < 3 && Date.now() - t0 < WATCHDOG_MS) await new Promise((r) => setTimeout(r, 5));
    expect(store.get('/ch/1/fader')).toBe(-11);
    expect(store.get('/ch/3/fader')).toBe(-13);
    expect(store.get('/ch/2/fader')).toBe(0);
    expect(server.stats().readOnlyIgnored).toBe(1);
  }, 60_000);

  it('timed bundles are bounded per client and in all: a flood from one leaves room for another', async () => {
    const { store, server, client } = await setup();
    const [a, b] = [await client(), await client()];
    const big = { address: '/ch/1/name', args: [s('x'.repeat(60_000))] };
    const ahead = Date.now() + 30_000;
    for (let k = 0; k < 20; k++) {
      const n = server.stats().packets;
      a.bundle([big], ahead);
      // One at a time: a burst of 60 KB datagrams would overflow the socket's receive buffer.
      const t0 = Date.now();
      while (server.stats().packets === n && Date.now() - t0 < WATCHDOG_MS) await new Promise((r) => setTimeout(r, 2));
    }
    const st = server.stats();
    expect(st.packets).toBe(20);
    // 512 KiB per client: 8 of the 60 KB bundles wait, the other 12 are refused and counted.
    expect(st.scheduled).toBe(8);
    expect(st.scheduledBytes).toBeLessThanOrEqual(512 << 10);
    expect(st.late).toBe(12);
    b.bundle([{ address: '/ch/7/fader', args: [f(-9)] }], Date.now() + 200);
    b.bundle([{ address: '/ch/7/fader', args: [f(-1)] }], Date.now() + 120_000); // too far ahead
    const t0 = Date.now();
    while (store.get('/ch/7/fader') !== -9 && Date.now() - t0 < WATCHDOG_MS) await new Promise((r) => setTimeout(r, 5));
    expect(store.get('/ch/7/fader')).toBe(-9);
    expect(server.stats().late).toBe(13);
  }, 60_000);

  it('publishes its refusals and losses under /status/osc/... and in the status line; the UDP buffer is enlarged', async () => {
    const { store, server, client } = await setup({ statusIntervalMs: 50, readOnly: ['127.0.0.1'] });
    const a = await client();
    a.raw(new Uint8Array([1, 2, 3])); // malformed
    a.send('/ch/1/fadr', f(1)); // refused by the params
    a.send('/ch/1/fader', f(-3)); // read-only client
    a.bundle([{ address: '/ch/1/fader', args: [f(-1)] }], Date.now() + 3_600_000); // too far ahead
    const t0 = Date.now();
    while ((store.get('/status/osc/late') as number) < 1 && Date.now() - t0 < WATCHDOG_MS) await new Promise((r) => setTimeout(r, 10));
    expect(store.read('/status/osc/{malformed,errors,readonly,late}')).toEqual([
      ['/status/osc/malformed', 1],
      ['/status/osc/readonly', 1],
      ['/status/osc/errors', 1],
      ['/status/osc/late', 1],
    ]);
    // Asked for 4 MiB; the kernel's default is ~200 KB. What was granted is published either way.
    expect(store.get('/status/osc/rxbuffer')).toBe(server.stats().rxBuffer);
    expect(server.stats().rxBuffer).toBeGreaterThan(212_992);
    const line = new StatusReporter(store, pino({ level: 'silent' }), 60_000).report();
    expect(line).toMatch(/; OSC 1 malformed, 1 read-only ignored, 1 refused by the params, 1 late$/);
  }, 60_000);

  it('a client storing scene after scene fills the library up to its cap, not the disk', async () => {
    const { store, server, client } = await setup();
    const lib = new SceneLibrary(store, tempDir(), { maxScenes: 5 });
    lib.bindActions();
    cleanups.push(async () => lib.dispose());
    const a = await client();
    for (let k = 0; k < 12; k++) a.send('/scene/store', s(`flood ${k}`));
    a.send('/scene/store', s('flood 0')); // storing over an existing name is still fine
    a.send('/ch/1/fader');
    await a.waitFor((m) => m.some((x) => x.address === '/ch/1/fader'), 'the reply after the scene flood', WATCHDOG_MS);
    await new Promise((r) => setTimeout(r, 50)); // stores run in a microtask after each batch
    expect(server.stats().received).toBe(14);
    expect(lib.list()).toEqual(['flood 0', 'flood 1', 'flood 2', 'flood 3', 'flood 4']);
    expect(store.get('/scene/current')).toBe('flood 0');
  }, 60_000);
});
