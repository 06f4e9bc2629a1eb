/**
 * A mapped OSC surface (a TouchOSC-style layout through a mapping file) never resends a stale value
 * after an idle period (#17): a client whose subscription lapsed and that comes back by moving a
 * fader must be left showing what it moved to, and a resync sends the present. Real UDP on 127.0.0.1.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ParamRegistry } from '../../../src/params/registry.ts';
import { ParamStore } from '../../../src/params/store.ts';
import { defaultSession } from '../../../src/params/session.ts';
import { parseMapping } from '../../../src/mapping/file/load.ts';
import { compileMapping } from '../../../src/mapping/binding/compile.ts';
import { OscTransport } from '../../../src/surfaces/osc/transport.ts';
import { oscClient, f, sleep, type OscTestClient } from './client.ts';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const MAPPING = `version: 1
surface: { transport: osc, port: 9100, subscriptionTimeoutMs: 150 }
bindings:
  - repeat: { i: 0..1 }
    source: { osc: "/1/fader{i + 1}", args: f }
    target: /ch/{i + 1}/fader
`;

async function rig() {
  const store = new ParamStore(ParamRegistry.fromSession(defaultSession()));
  const mapping = parseMapping(MAPPING, 'layout.yaml');
  const spec = { transport: 'osc' as const, host: '127.0.0.1', port: 0, subscriptionTimeoutMs: 150 };
  const transport = new OscTransport('tablet', spec);
  await transport.whenListening();
  const compiled = compileMapping(mapping, store, transport, { id: 'tablet' });
  cleanups.push(() => transport.close());
  cleanups.push(() => compiled.dispose());
  const client = async (): Promise<OscTestClient> => {
    const c = await oscClient(transport.port);
    cleanups.push(() => c.close());
    return c;
  };
  return { store, transport, compiled, client };
}

const lastOf = (c: OscTestClient, address: string) => [...c.received].reverse().find((m) => m.address === address)?.args[0]?.value;

describe('mapped OSC surface after an idle period', () => {
  it('a client that comes back by moving a fader is left showing where it moved it, not the old value', async () => {
    const { store, transport, client } = await rig();
    const tablet = await client();
    tablet.send('/1/fader1', f(0.25)); // -30 dB
    await tablet.waitFor(() => store.get('/ch/1/fader') === -30, 'the first move');
    // Idle past the subscription timeout: the surface forgets the client.
    const t0 = Date.now();
    while (Date.now() - t0 < 400) await sleep(20);
    void transport;
    tablet.received.splice(0);
    tablet.send('/1/fader1', f(0.5)); // -10 dB: the touch that brings it back
    await tablet.waitFor(() => store.get('/ch/1/fader') === -10, 'the move after idle');
    await tablet.waitFor((m) => m.some((x) => x.address === '/1/fader2'), 'the resync');
    await sleep(100);
    // It shows the present: fader 1 where the hand left it (or nothing sent for it), never -30 dB.
    const shown = lastOf(tablet, '/1/fader1');
    expect(shown === undefined || Math.abs((shown as number) - 0.5) < 1e-6).toBe(true);
    // And the mix did not jump back either.
    expect(store.get('/ch/1/fader')).toBe(-10);
  });

  it('a resync after idle sends the present values, including changes made while the client was away', async () => {
    const { store, client } = await rig();
    const tablet = await client();
    tablet.send('/1/fader1', f(0.25));
    await tablet.waitFor(() => store.get('/ch/1/fader') === -30, 'the first move');
    await sleep(400);
    store.set('/ch/2/fader', -10, 'api'); // changed while nobody listened
    tablet.received.splice(0);
    tablet.send('/1/fader1', f(0.25));
    await tablet.waitFor((m) => m.some((x) => x.address === '/1/fader2'), 'the resync');
    expect(lastOf(tablet, '/1/fader2')).toBeCloseTo(0.5, 6);
  });
});
