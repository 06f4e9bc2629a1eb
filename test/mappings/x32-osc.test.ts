import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { compileMapping } from '../../src/mapping/binding/compile.ts';
import { resolveDevice } from '../../src/mapping/file/device.ts';
import { loadMapping } from '../../src/mapping/file/load.ts';
import { OscTransport, type OscSpec } from '../../src/surfaces/osc/transport.ts';
import { oscClient, f, i, sleep } from '../surfaces/osc/client.ts';
import { Clock, MAPPINGS, sessionStore, unit } from './helpers.ts';

const FILE = 'x32-osc.yaml';
const osc = (address: string, ...args: Array<{ type: 'f' | 'i' | 's'; value: number | string }>) => ({ kind: 'osc' as const, address, args, peer: '10.0.0.2:5000' });

function x32() {
  const clock = new Clock();
  const store = sessionStore('channels: 8\nbuses: 2\n');
  const u = unit(FILE, store, clock);
  u.flush(); // a memory surface is connected from the start: the resync
  return { store, u };
}

describe('X32 OSC dialect (messages)', () => {
  it('/ch/05/mix/fader 0.75 sets 0 dB; the X32 fader law both ways', () => {
    const { store, u } = x32();
    u.surface.emit(osc('/ch/05/mix/fader', { type: 'f', value: 0.75 }));
    expect(store.get('/ch/5/fader')).toBe(0);
    u.surface.emit(osc('/ch/05/mix/fader', { type: 'f', value: 0.25 }));
    expect(store.get('/ch/5/fader')).toBe(-30);
    u.surface.emit(osc('/ch/05/mix/fader', { type: 'f', value: 0.0625 }));
    expect(store.get('/ch/5/fader')).toBe(-60);
    u.surface.sent.splice(0);
    store.set('/ch/5/fader', -10, 'api');
    u.advance();
    // Feedback to every subscriber (no peer skipped: the change came from elsewhere).
    expect(u.surface.sent.map((s) => [s.msg, s.opts])).toEqual([[{ kind: 'osc', address: '/ch/05/mix/fader', args: [{ type: 'f', value: 0.5 }] }, undefined]]);
  });

  it('/mix/on is 1 = on = unmuted; pan 0..1 with 0.5 at the centre; the sender is not echoed', () => {
    const { store, u } = x32();
    u.surface.emit(osc('/ch/02/mix/on', { type: 'i', value: 0 }));
    expect(store.get('/ch/2/mute')).toBe(true);
    u.surface.emit(osc('/ch/02/mix/pan', { type: 'f', value: 0.25 }));
    expect(store.get('/ch/2/pan')).toBe(-0.5);
    u.advance();
    expect(u.surface.sent.every((s) => s.opts?.except === '10.0.0.2:5000')).toBe(true);
    u.surface.sent.splice(0);
    store.set('/ch/2/mute', false, 'api');
    store.set('/master/fader', 10, 'api');
    expect(u.flush()).toEqual(['/ch/02/mix/on i:1', '/main/st/mix/fader f:1']);
  });

  it('answers queries to the asker: a value in its X32 form, /info and /status from the reply table', () => {
    const { store, u } = x32();
    store.set('/ch/3/name', 'Bass', 'api');
    store.set('/ch/3/fader', -10, 'api');
    u.flush();
    u.surface.emit(osc('/ch/03/mix/fader'));
    u.surface.emit(osc('/ch/03/config/name'));
    u.surface.emit(osc('/info'));
    u.surface.emit(osc('/status'));
    expect(u.surface.sent.map((s) => [s.msg, s.opts?.to])).toEqual([
      [{ kind: 'osc', address: '/ch/03/mix/fader', args: [{ type: 'f', value: 0.5 }] }, '10.0.0.2:5000'],
      [{ kind: 'osc', address: '/ch/03/config/name', args: [{ type: 's', value: 'Bass' }] }, '10.0.0.2:5000'],
      [{ kind: 'osc', address: '/info', args: [{ type: 's', value: 'V2.07' }, { type: 's', value: 'faderd' }, { type: 's', value: 'X32' }, { type: 's', value: '4.06-8' }] }, '10.0.0.2:5000'],
      [{ kind: 'osc', address: '/status', args: [{ type: 's', value: 'active' }, { type: 's', value: '127.0.0.1' }, { type: 's', value: 'faderd' }] }, '10.0.0.2:5000'],
    ]);
    // Channels the session does not have are neither driven nor answered.
    u.surface.sent.splice(0);
    u.surface.emit(osc('/ch/12/mix/fader', { type: 'f', value: 1 }));
    u.surface.emit(osc('/ch/12/mix/fader'));
    expect(u.flush()).toEqual([]);
  });

  it('sends and buses: /ch/01/mix/02/level and /bus/02/mix/on', () => {
    const { store, u } = x32();
    u.surface.emit(osc('/ch/01/mix/02/level', { type: 'f', value: 0.75 }));
    expect(store.get('/ch/1/send/2/level')).toBe(0);
    u.surface.emit(osc('/bus/02/mix/on', { type: 'i', value: 0 }));
    expect(store.get('/bus/2/mute')).toBe(true);
  });
});

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('X32 OSC dialect over UDP', () => {
  it('an /xremote subscriber gets changes until its subscription runs out (10 s in the file; 300 ms here)', async () => {
    const mapping = loadMapping(path.join(MAPPINGS, FILE));
    expect(mapping.device).toMatchObject({ transport: 'osc', port: 10023, renew: '/xremote', subscriptionTimeoutMs: 10_000 });
    const spec = resolveDevice(mapping, { subscriptionTimeoutMs: 300 }) as OscSpec;
    const transport = new OscTransport('x32', { ...spec, port: 0 }); // any free port, not 10023
    cleanups.push(() => transport.close());
    await transport.whenListening();
    const store = sessionStore('channels: 8\nbuses: 2\n');
    const compiled = compileMapping(mapping, store, transport, { id: 'x32' });
    cleanups.push(async () => compiled.dispose());
    const app = await oscClient(transport.port);
    cleanups.push(() => app.close());

    app.send('/info');
    await app.waitFor((m) => m.some((x) => x.address === '/info'), '/info reply');
    app.send('/xremote');
    // Subscribing sends the whole mix once (a resync), then changes.
    await app.waitFor((m) => m.some((x) => x.address === '/main/st/mix/on'), 'the resync');
    await sleep(50);
    app.received.splice(0);
    store.set('/ch/5/fader', -10, 'api');
    await app.waitFor((m) => m.some((x) => x.address === '/ch/05/mix/fader'), 'a change');
    expect(app.received.find((x) => x.address === '/ch/05/mix/fader')?.args).toEqual([{ type: 'f', value: 0.5 }]);

    // The app moves a fader: applied, and not echoed back to it.
    app.send('/ch/01/mix/fader', f(0.5));
    app.send('/ch/01/mix/on', i(0));
    const t0 = Date.now();
    while (store.get('/ch/1/mute') !== true && Date.now() - t0 < 3000) await sleep(5);
    expect(store.get('/ch/1/fader')).toBe(-10);
    await sleep(80);
    expect(app.received.filter((x) => x.address.startsWith('/ch/01/'))).toEqual([]);

    // No renewal: after the timeout, changes no longer reach it.
    await sleep(450);
    app.received.splice(0);
    store.set('/ch/5/fader', -20, 'api');
    await sleep(120);
    expect(app.received).toEqual([]);

    // Renewing subscribes it again.
    app.send('/xremote');
    await app.waitFor((m) => m.some((x) => x.address === '/ch/05/mix/fader' && x.args[0]?.value === 0.375), 'changes after renewing');
  });
});
