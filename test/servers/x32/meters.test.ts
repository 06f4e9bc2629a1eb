/**
 * X32 meters and timed subscriptions over real UDP: blob format and length per bank, faderd's meter
 * values in them, the rate a time factor asks for, renewal and expiry. Rates are counted with wide
 * bounds over windows of the server's own schedule, so a loaded machine does not fail them.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { METER_COUNTS } from '../../../src/servers/x32/meters.ts';
import { TimedSubscriptions, intervalFor } from '../../../src/servers/x32/timed.ts';
import { i, s, sessionStore, sleep, startServer, x32Client, type Received, type X32TestClient } from './client.ts';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function rig(leaseMs = 10_000) {
  const store = sessionStore();
  const { server, host } = await startServer(store, { leaseMs });
  cleanups.push(() => server.close());
  const c = await x32Client(host, server.port);
  cleanups.push(() => c.close());
  return { store, server, c };
}

/** A meter blob: LE count, then LE floats. */
function floats(m: Received): number[] {
  const b = m.args[0]!.value as Uint8Array;
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const n = view.getInt32(0, true);
  expect(b.byteLength).toBe(4 + 4 * n);
  return Array.from({ length: n }, (_, k) => view.getFloat32(4 + 4 * k, true));
}

const of = (c: X32TestClient, address: string) => c.received.filter((m) => m.address === address);

describe('X32 meters', () => {
  it('/meters/0, 1, 2, 5 and 6 arrive as blobs of the console length, with faderd levels in them', async () => {
    const { store, c } = await rig();
    store.set('/ch/2/meter/peak', -6, 'engine', { internal: true });
    store.set('/ch/2/meter/gr', 6, 'engine', { internal: true });
    store.set('/bus/1/meter/peak', -20, 'engine', { internal: true });
    store.set('/master/meter/peak', 0, 'engine', { internal: true });
    c.send('/meters', s('/meters/0'));
    c.send('/meters', s('/meters/1'));
    c.send('/meters', s('/meters/2'));
    c.send('/meters', s('/meters/5'), i(0), i(1));
    c.send('/meters', s('/meters/6'), i(1));
    for (const bank of [0, 1, 2, 5, 6]) await c.waitFor((m) => m.address === `/meters/${bank}`, `/meters/${bank}`);
    const first = (bank: number) => floats(of(c, `/meters/${bank}`)[0]!);
    for (const bank of [0, 1, 2, 5, 6]) expect(first(bank)).toHaveLength(METER_COUNTS[bank]!);
    expect(first(0)[1]).toBeCloseTo(0.501, 3); // channel 2 at -6 dBFS, linear
    expect(first(0)[48]).toBeCloseTo(0.1, 4); // bus 1
    expect(first(1)[64 + 1]).toBeCloseTo(0.501, 3); // channel 2's dynamics: 6 dB of reduction leaves 0.501
    expect(first(1)[32 + 1]).toBe(1); // gate slot: no reduction of its own
    expect(first(2)[22]).toBe(1); // main L at 0 dBFS
    expect(first(5)[1]).toBeCloseTo(0.501, 3);
    expect(first(5)[16]).toBeCloseTo(0.1, 4); // group meters 1-8 are buses 1-8
    const strip = first(6); // channel id 1 = channel 2: level, gate GR, dyn GR, post-fade
    expect(strip[0]).toBeCloseTo(0.501, 3);
    expect(strip[1]).toBe(1);
    expect(strip[2]).toBeCloseTo(0.501, 3);
    // Raw bytes as the document shows them: blob size (BE) = 4 + 4n, then LE count 4.
    const raw = of(c, '/meters/6')[0]!.args[0]!.value as Uint8Array;
    expect(Array.from(raw.subarray(0, 4))).toEqual([4, 0, 0, 0]);
  });

  it('every bank answers with its length; /meters/15 is the RTA at -128 dB', async () => {
    const { c } = await rig();
    for (let bank = 0; bank < METER_COUNTS.length; bank++) c.send('/meters', s(`meters/${bank}`));
    await c.waitFor(() => new Set(c.received.map((m) => m.address)).size === METER_COUNTS.length, 'all banks');
    for (let bank = 0; bank < METER_COUNTS.length; bank++) {
      const b = of(c, `/meters/${bank}`)[0]!.args[0]!.value as Uint8Array;
      expect(b.byteLength, `/meters/${bank}`).toBe(4 + 4 * METER_COUNTS[bank]!);
    }
    const rta = of(c, '/meters/15')[0]!.args[0]!.value as Uint8Array;
    expect(new DataView(rta.buffer, rta.byteOffset).getInt16(4, true) / 256).toBe(-128);
  });

  it('sends at 50 ms x time factor, a renewal keeps it going, and it stops when its lease runs out', async () => {
    const { server, c } = await rig(1500);
    c.send('/meters', s('/meters/1'), i(0), i(0), i(2)); // 100 ms
    await sleep(1000);
    const inWindow = of(c, '/meters/1').length;
    // ~10 in one second; a loaded machine may send fewer, never many more (missed sends are skipped, not burst).
    expect(inWindow).toBeGreaterThanOrEqual(4);
    expect(inWindow).toBeLessThanOrEqual(12);
    c.send('/renew', s('meters/1'));
    await sleep(1000); // past the first lease (1.5 s), within the renewed one
    const renewed = of(c, '/meters/1');
    expect(renewed[renewed.length - 1]!.at).toBeGreaterThan(1600);
    await c.waitFor(() => server.stats().subscriptions === 0, 'the lease to run out', 3000);
    const stopped = of(c, '/meters/1').length;
    await sleep(400);
    expect(of(c, '/meters/1').length).toBe(stopped);
    // /renew after the lease ran out does nothing: the client must ask again.
    c.send('/renew');
    await sleep(300);
    expect(of(c, '/meters/1').length).toBe(stopped);
  });

  it('/unsubscribe ends one subscription by name, or all of them', async () => {
    const { server, c } = await rig();
    c.send('/meters', s('/meters/2'), i(0), i(0), i(1));
    c.send('/meters', s('/meters/6'), i(0), i(0), i(1));
    await c.waitFor(() => of(c, '/meters/6').length > 0 && of(c, '/meters/2').length > 0, 'both');
    c.send('/unsubscribe', s('/meters/2'));
    await sleep(150);
    const two = of(c, '/meters/2').length;
    await sleep(200);
    expect(of(c, '/meters/2').length).toBe(two);
    expect(server.stats().subscriptions).toBe(1);
    c.send('/unsubscribe');
    await c.waitFor(() => server.stats().subscriptions === 0, 'none left');
  });
});

describe('X32 subscriptions', () => {
  it('/subscribe sends the value itself at its time factor', async () => {
    const { store, c } = await rig();
    store.set('/ch/1/mute', true, 'api');
    c.send('/subscribe', s('/ch/01/mix/on'), i(2));
    await c.waitFor(() => of(c, '/ch/01/mix/on').length >= 3, 'three updates');
    expect(of(c, '/ch/01/mix/on')[0]!.args).toEqual([{ type: 'i', value: 0 }]);
  });

  it('/formatsubscribe expands * over i0..i1 into LE words led by the byte length, to its alias', async () => {
    const { store, c } = await rig();
    store.set('/ch/7/mute', true, 'api');
    c.send('/formatsubscribe', s('testme'), s('/ch/**/mix/on'), i(6), i(9), i(1));
    const m = await c.waitFor((r) => r.address === 'testme', 'testme');
    const b = m.args[0]!.value as Uint8Array;
    // 20 bytes: the length, then ch 06..09 on (1) / off (0), as the protocol document's example.
    expect(Array.from(new Int32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)))).toEqual([20, 1, 0, 1, 1]);
  });

  it('/batchsubscribe sends a meter bank (or channel mutes) to its alias', async () => {
    const { c } = await rig();
    c.send('/batchsubscribe', s('/yy'), s('/meters/6'), i(0), i(0), i(40));
    c.send('/batchsubscribe', s('/mfm_a'), s('/mix/on'), i(0), i(63), i(8));
    const yy = await c.waitFor((r) => r.address === '/yy', '/yy');
    expect(floats(yy)).toHaveLength(4);
    const mutes = await c.waitFor((r) => r.address === '/mfm_a', '/mfm_a');
    expect(floats(mutes)).toHaveLength(64);
  });
});

describe('TimedSubscriptions', () => {
  it('runs each subscription on its own interval by the injected clock, and skips rather than bursts', () => {
    let now = 0;
    const sent: string[] = [];
    const t = new TimedSubscriptions({ leaseMs: 1500, now: () => now });
    t.add('p', 'a', intervalFor(2), () => sent.push('a'));
    t.add('p', 'b', intervalFor(0), () => sent.push('b')); // a factor outside 1..99 means 1: 50 ms
    for (now = 0; now < 1000; now += 10) t.run();
    expect(sent.filter((x) => x === 'a')).toHaveLength(10);
    expect(sent.filter((x) => x === 'b')).toHaveLength(20);
    // A stalled loop: one late send, not the 10 missed ones.
    sent.length = 0;
    expect(t.renew('p')).toBe(2);
    now += 500;
    t.run();
    expect(sent).toEqual(['a', 'b']);
    now += 1500; // past the renewed lease

    expect(t.run()).toBeUndefined();
    expect(t.size).toBe(0);
  });
});
