/**
 * The shipped Open Stage Control layout starts from the mix as it is (#17): its custom module, run
 * as Open Stage Control runs it (globals send, setInterval, app) and sending from one UDP socket that
 * also hears the answers (as Open Stage Control does), against a real native OSC server.
 */
import dgram from 'node:dgram';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ParamRegistry } from '../../src/params/registry.ts';
import { ParamStore } from '../../src/params/store.ts';
import { defaultSession } from '../../src/params/session.ts';
import { NativeOscServer } from '../../src/servers/native-osc.ts';
import { decodePacket, encodeMessage, type OscMessage } from '../../src/surfaces/osc/codec.ts';
import type { OscArg } from '../../src/surfaces/types.ts';
import { sleep } from '../surfaces/osc/client.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface Widget {
  address?: string;
  widgets?: Widget[];
}
const addresses = (w: Widget): string[] => [...(w.address ? [w.address] : []), ...(w.widgets ?? []).flatMap(addresses)];

async function until(pred: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const t0 = Date.now();
  while (!pred()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

/** Runs the custom module with its faderd port pointed at `port`; returns what it hears and its hooks. */
async function runModule(port: number) {
  const sock = dgram.createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  cleanups.push(() => new Promise<void>((r) => sock.close(() => r())));
  const heard: OscMessage[] = [];
  sock.on('message', (d) => {
    for (const g of decodePacket(d)) heard.push(...g.messages);
  });
  const code = fs.readFileSync(path.join(ROOT, 'mappings', 'open-stage-control', 'faderd-subscribe.js'), 'utf8').replace('const FADERD_PORT = 9000;', `const FADERD_PORT = ${port};`);
  const module = { exports: {} as { init?: () => void } };
  const handlers = new Map<string, () => void>();
  const timers: Array<() => void> = [];
  const send = (host: string, p: number, address: string, ...args: Array<string | number>) => {
    const osc: OscArg[] = args.map((a) => (typeof a === 'number' ? { type: 'f', value: a } : { type: 's', value: a }));
    sock.send(encodeMessage(address, osc), p, host);
  };
  new Function('module', 'send', 'setInterval', 'app', code)(module, send, (fn: () => void) => timers.push(fn), { on: (e: string, fn: () => void) => handlers.set(e, fn) });
  module.exports.init!();
  return { heard, renew: () => timers.forEach((t) => t()), open: () => handlers.get('open')?.() };
}

describe('the Open Stage Control layout', () => {
  it('gets the current value of every widget when it starts, after faderd restarts, and when a tablet connects', async () => {
    const layout = JSON.parse(fs.readFileSync(path.join(ROOT, 'mappings', 'open-stage-control', 'faderd-8ch.json'), 'utf8')) as { content: Widget };
    const controls = addresses(layout.content).filter((a) => a && !a.includes('/meter/'));
    const store = new ParamStore(ParamRegistry.fromSession(defaultSession()));
    store.batch([['/ch/1/fader', -30], ['/ch/2/mute', true], ['/ch/3/name', 'Bass DI'], ['/ch/4/pan', -0.5]], 'state');
    let server = new NativeOscServer(store, { host: '127.0.0.1', port: 0 });
    await server.start();
    const port = server.port;
    cleanups.push(() => server.close());
    const m = await runModule(port);
    const has = (a: string) => m.heard.some((x) => x.address === a);
    await until(() => controls.every(has), 'every widget value');
    const value = (a: string) => [...m.heard].reverse().find((x) => x.address === a)!.args[0]!.value;
    expect(value('/norm/ch/1/fader')).toBeCloseTo(0.25, 5);
    expect(value('/norm/ch/2/mute')).toBe(1);
    expect(value('/ch/3/name')).toBe('Bass DI');
    expect(value('/norm/ch/4/pan')).toBeCloseTo(0.25, 5);
    // faderd restarts on the same port; the next renewal is a new subscription and brings the mix back.
    await server.close();
    store.set('/ch/1/fader', -10, 'api');
    server = new NativeOscServer(store, { host: '127.0.0.1', port });
    await server.start();
    m.heard.splice(0);
    m.renew();
    await until(() => controls.every(has), 'the mix after a restart');
    expect(value('/norm/ch/1/fader')).toBeCloseTo(0.5, 5);
    // A tablet that (re)connects to Open Stage Control: the module asks for the present.
    m.heard.splice(0);
    m.open();
    await until(() => controls.every(has), 'the mix for a tablet that connects');
  });
});
