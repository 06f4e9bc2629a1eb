/**
 * faderd driven by x32-osc, a Node X32 client library written against a real console (firmware
 * 4.06): it asks /info, registers with /xremote, then loads the whole console with one /node request
 * per node (2,117 of them, each with a 5 s timeout, checking every answer has as many values as a
 * console's) and reaches its ready state only if all of them answer. Its own text formatting of the
 * values faderd sends is a second, independent reading of the X32 scales.
 */
import { createRequire } from 'node:module';
import { afterEach, describe, expect, it } from 'vitest';
import type { ParamStore } from '../../../src/params/store.ts';
import type { X32Server } from '../../../src/servers/x32/server.ts';
import { buildTree } from '../../../src/servers/x32/tree.ts';
import { tokenize } from '../../../src/servers/x32/wire.ts';
import { loopbackHost, sessionStore, sleep, startServer } from './client.ts';

interface X32Lib {
  OSC: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  meterSubscriptions: Array<number | number[]>;
  readonly model: string;
  readonly firmwareVersion: string;
  on(event: 'ready' | 'closed', fn: () => void): void;
  on(event: 'error', fn: (e: Error) => void): void;
  on(event: 'info', fn: (m: string) => void): void;
  on(event: 'meter', fn: (d: { number: number; meters: number[] }) => void): void;
  close(): void;
}
const { X32 } = createRequire(import.meta.url)('x32-osc') as { X32: new (address: string, meterMs?: number) => X32Lib };

const cleanups: Array<() => Promise<unknown> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function connect(): Promise<{ store: ParamStore; server: X32Server; x32: X32Lib; errors: string[] }> {
  const store = sessionStore();
  // x32-osc always talks to port 10023: a loopback address of its own keeps this test off anyone else's.
  const { server, host } = await startServer(store, { host: loopbackHost(), port: 10023 });
  cleanups.push(() => server.close());
  const x32 = new X32(host, 100);
  const errors: string[] = [];
  x32.on('error', (e) => errors.push(e.message));
  cleanups.push(() => x32.close());
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`x32-osc never became ready: ${errors.slice(-3).join('; ')}`)), 60_000);
    x32.on('ready', () => {
      clearTimeout(t);
      resolve();
    });
  });
  return { store, server, x32, errors };
}

async function until(cond: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

describe('faderd as an X32, to the x32-osc client library', () => {
  it('connects, loads every node, reads values, and sets them as the library does (with text)', async () => {
    const { store, x32, errors } = await connect();
    expect([x32.model, x32.firmwareVersion]).toEqual(['X32', '4.06']);
    // The only complaints: values of the connect dump that arrive before the tree they belong to has loaded.
    expect(errors.filter((e) => !/^X32 changing unknown parameter/.test(e))).toEqual([]);
    const ch1 = x32.OSC.ch['01'];
    expect(ch1.config.name).toBe('Ch 1');
    expect(ch1.mix.fader).toBe('0.0');
    expect(ch1.mix.on).toBe('ON');
    expect(ch1.eq['1'].type).toBe('LShv');
    expect(x32.OSC.bus['02'].config.name).toBe('Bus 2');
    expect(x32.OSC.fxrtn['01'].config.name).toBe('FX 1');
    expect(x32.OSC.bus['03'].config.name).toBe('FX 1'); // the mix bus that feeds fx 1
    expect(x32.OSC.dca['1'].fader).toBe('-oo');
    expect(x32.OSC.headamp['000'].gain).toBe('+0.0');

    // Sets, in the library's own form: text values.
    ch1.mix.fader = '-10';
    ch1.config.name = 'Kick In';
    ch1.eq['2'].g = '+4.5';
    ch1.eq['2'].f = '1k02';
    ch1.gate.thr = '-35.0';
    ch1.dyn.ratio = '4.0';
    ch1.mix.on = 'OFF';
    ch1.mix.pan = '-20';
    x32.OSC.ch['02'].mix['02'].level = '-6.0';
    await until(() => store.get('/ch/2/send/2/level') === -6, 'the send level');
    expect(store.get('/ch/1/fader')).toBe(-10);
    expect(store.get('/ch/1/name')).toBe('Kick In');
    expect(store.get('/ch/1/eq/2/gain')).toBe(4.5);
    expect(store.get('/ch/1/eq/2/freq')).toBeCloseTo(1020, 6);
    expect(store.get('/ch/1/gate/threshold')).toBe(-35);
    expect(store.get('/ch/1/comp/ratio')).toBe(4);
    expect(store.get('/ch/1/mute')).toBe(true);
    expect(store.get('/ch/1/pan')).toBeCloseTo(-0.2, 6);
  }, 90_000);

  it('formats every value faderd echoes the way faderd prints it in /node', async () => {
    const { store, server, x32 } = await connect();
    // Values away from their defaults, set from elsewhere: each reaches the library as an /xremote echo,
    // which it turns into text with its own formatter.
    const writes: Array<[string, number | boolean | string, string[]]> = [
      ['/ch/3/fader', -23.7, ['ch', '03', 'mix', 'fader']],
      ['/ch/3/pan', 0.3, ['ch', '03', 'mix', 'pan']],
      ['/ch/3/trim', -7.25, ['ch', '03', 'preamp', 'trim']],
      ['/ch/3/hpf/freq', 150, ['ch', '03', 'preamp', 'hpf']],
      ['/ch/3/gate/range', 24, ['ch', '03', 'gate', 'range']],
      ['/ch/3/gate/hold', 120, ['ch', '03', 'gate', 'hold']],
      ['/ch/3/gate/release', 350, ['ch', '03', 'gate', 'release']],
      ['/ch/3/comp/threshold', -18.5, ['ch', '03', 'dyn', 'thr']],
      ['/ch/3/comp/makeup', 10.5, ['ch', '03', 'dyn', 'mgain']],
      ['/ch/3/comp/attack', 30, ['ch', '03', 'dyn', 'attack']],
      ['/ch/3/eq/3/freq', 3300, ['ch', '03', 'eq', '3', 'f']],
      ['/ch/3/eq/3/gain', -12.5, ['ch', '03', 'eq', '3', 'g']],
      ['/ch/3/eq/3/q', 0.7, ['ch', '03', 'eq', '3', 'q']],
      ['/ch/3/send/1/level', -14.5, ['ch', '03', 'mix', '01', 'level']],
      ['/master/fader', 4.2, ['main', 'st', 'mix', 'fader']],
    ];
    store.batch(writes.map(([a, v]) => [a, v] as const), 'api');
    const read = (path: string[]) => path.reduce<any>((n, k) => n[k], x32.OSC); // eslint-disable-line @typescript-eslint/no-explicit-any
    // x32-osc registers for /xremote at connect: the echo comes to it. Paced and coalesced behind the
    // connect dump, an echo keeps its address's place in the queue: wait for every value, not the last.
    const tree = buildTree();
    const ours = (path: string[]) => {
      const node = path.slice(0, -1).join('/');
      const at = tree.node(node)!.leaves.findIndex((l) => l.name === path[path.length - 1]);
      return tokenize(server.nodeLineOf(node)!).slice(1)[at];
    };
    await until(() => read(writes[writes.length - 1]![2]) === '+4.2' && writes.every(([, , path]) => read(path) === ours(path)), 'the echoes').catch(() => undefined);
    for (const [address, , path] of writes) expect(read(path), address).toBe(ours(path));
  }, 90_000);

  it('receives the meters it asks for, as /meters/N blobs it decodes', async () => {
    const { store, x32, errors } = await connect();
    store.set('/ch/2/meter/peak', -20, 'engine', { internal: true });
    const got: Array<{ number: number; meters: number[] }> = [];
    x32.on('meter', (d) => got.push(d));
    x32.meterSubscriptions = [[6, 1], 0];
    await until(() => got.filter((d) => d.number === 6).length >= 3 && got.some((d) => d.number === 0), 'meters');
    const strip = got.find((d) => d.number === 6)!;
    expect(strip.meters).toHaveLength(4);
    expect(strip.meters[0]).toBeCloseTo(0.1, 4);
    expect(got.find((d) => d.number === 0)!.meters).toHaveLength(70);
    expect(errors.filter((e) => /meter data/i.test(e))).toEqual([]);
  }, 90_000);
});
