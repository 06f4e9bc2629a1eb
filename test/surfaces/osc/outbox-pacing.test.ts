/**
 * Pacing in the OSC outbox (src/surfaces/osc/outbox.ts, src/surfaces/pacing.ts): a burst leaves
 * `burst` datagrams at once and the rest as tokens come; while waiting, values coalesce per address
 * (the queue never holds more than the distinct addresses) and the last value always arrives. The
 * clock of the token bucket is injected, so what is sent at once and what waits is exact; what is
 * waited for afterwards is awaited as a condition, never timed.
 */
import { describe, expect, it } from 'vitest';
import { Outbox } from '../../../src/surfaces/osc/outbox.ts';
import { decodePacket, encodeMessage } from '../../../src/surfaces/osc/codec.ts';
import { TokenBucket } from '../../../src/surfaces/pacing.ts';

const tick = () => new Promise((r) => setImmediate(r));

async function until(pred: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const t0 = Date.now();
  while (!pred()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** Moves the injected clock on until nothing waits. */
async function drain(pending: () => number, advance: (ms: number) => void): Promise<void> {
  const t0 = Date.now();
  while (pending() > 0) {
    if (Date.now() - t0 > 10_000) throw new Error(`${pending()} values still waiting`);
    advance(100);
    await new Promise((r) => setTimeout(r, 2));
  }
}

describe('TokenBucket', () => {
  it('gives the burst at once, then the rate, never more than the burst after a pause', () => {
    let now = 0;
    const b = new TokenBucket({ burst: 4, rate: 1000 }, () => now);
    let n = 0;
    while (b.take()) n++;
    expect(n).toBe(4);
    expect(b.waitMs()).toBe(1);
    now = 3;
    n = 0;
    while (b.take()) n++;
    expect(n).toBe(3);
    now = 10_000;
    expect(b.idle).toBe(true);
    n = 0;
    while (b.take()) n++;
    expect(n).toBe(4);
  });

  it('grants what it holds at once: tokens that come while a drain runs wait for the next one', () => {
    let now = 0;
    const b = new TokenBucket({ burst: 16, rate: 2000 }, () => now);
    expect(b.grant(100)).toBe(16);
    now = 2;
    expect(b.grant(100)).toBe(4);
    expect(b.grant(100)).toBe(0);
    now = 3;
    expect(b.grant(1)).toBe(1);
    b.refund(1);
    expect(b.grant(100)).toBe(2);
  });
});

describe('Outbox pacing', () => {
  it('sends the burst at once and the rest as tokens come, every final value arriving', async () => {
    let now = 0;
    const sent: string[] = [];
    const box = new Outbox((peer, address, args) => sent.push(`${address} ${args[0]!.value}`), { now: () => now, pace: () => ({ burst: 8, rate: 1000 }) });
    for (let k = 0; k < 100; k++) box.put('a', `/ch/${k}/fader`, [{ type: 'f', value: k }]);
    await tick();
    expect(sent.length).toBe(8);
    expect(box.pending('a')).toBe(92);
    expect(box.paced).toBeGreaterThan(0);
    // A storm on a waiting address and on a sent one, while the burst is paced.
    for (let v = 0; v < 1000; v++) {
      box.put('a', '/ch/50/fader', [{ type: 'f', value: 1000 + v }]);
      box.put('a', '/ch/0/fader', [{ type: 'f', value: 5000 + v }]);
      expect(box.pending('a')).toBeLessThanOrEqual(100);
    }
    await tick();
    expect(box.peakPending).toBeLessThanOrEqual(100);
    // Tokens come with the clock: 4 ms, 4 values; a long pause refills no more than the burst.
    now = 4;
    await until(() => sent.length >= 12, '4 more values after 4 ms of tokens');
    expect(sent.length).toBe(12);
    now = 10_000;
    await until(() => sent.length >= 20, 'a burst more');
    expect(sent.length).toBe(20);
    await drain(() => box.pending('a'), (ms) => (now += ms));
    const last = new Map<string, string>();
    for (const m of sent) last.set(m.split(' ')[0]!, m.split(' ')[1]!);
    expect(last.size).toBe(100);
    expect(last.get('/ch/50/fader')).toBe('1999');
    expect(last.get('/ch/0/fader')).toBe('5999');
    for (let k = 1; k < 100; k++) if (k !== 50) expect(last.get(`/ch/${k}/fader`)).toBe(String(k));
    // Each address once in the paced tail: coalesced, not queued per change.
    expect(sent.length).toBe(101);
    box.close();
  });

  it('an idle client is never held back: single changes leave at once', async () => {
    let now = 0;
    const sent: string[] = [];
    const box = new Outbox((_p, address) => sent.push(address), { now: () => now, pace: () => ({ burst: 4, rate: 100 }) });
    for (let k = 0; k < 50; k++) {
      now += 20;
      box.put('a', '/fader', [{ type: 'f', value: k }]);
      await tick();
      expect(sent.length).toBe(k + 1);
    }
    box.close();
  });

  it('a paced client at its bound sends its oldest value per new address; the queue stays bounded', async () => {
    const now = 0;
    const sent: string[] = [];
    const box = new Outbox((_p, address) => sent.push(address), { now: () => now, maxPending: 10, pace: () => ({ burst: 2, rate: 1 }) });
    for (let k = 0; k < 40; k++) box.put('a', `/x${k}`, [{ type: 'i', value: k }]);
    await tick();
    expect(box.pending('a')).toBeLessThanOrEqual(10);
    expect(box.peakPending).toBeLessThanOrEqual(10);
    // Nothing lost: sent now, or waiting.
    expect(sent.length + box.pending('a')).toBe(40);
    expect(sent.slice(0, 30)).toEqual(Array.from({ length: 30 }, (_, k) => `/x${k}`));
    box.close();
  });

  it('packs what waits into bundles of at most the bundle size, one token each', async () => {
    let now = 0;
    const packets: Uint8Array[] = [];
    const box = new Outbox(() => undefined, {
      now: () => now,
      // A 512-byte bundle costs 1.73 small datagrams: a burst of 4 sends two.
      pace: () => ({ burst: 4, rate: 1000 }),
      bundleBytes: () => 512,
      encode: (a, args) => encodeMessage(a, args),
      sendPacket: (_p, b) => packets.push(Uint8Array.from(b)),
    });
    for (let k = 0; k < 200; k++) box.put('a', `/ch/${k}/fader`, [{ type: 'f', value: k }]);
    await tick();
    expect(packets.length).toBe(2);
    await drain(() => box.pending('a'), (ms) => (now += ms));
    const got: string[] = [];
    for (const p of packets) {
      expect(p.length).toBeLessThanOrEqual(512);
      for (const g of decodePacket(p)) for (const m of g.messages) got.push(`${m.address} ${m.args[0]!.value}`);
    }
    expect(got).toEqual(Array.from({ length: 200 }, (_, k) => `/ch/${k}/fader ${k}`));
    // A lone value goes as a plain message, not a bundle of one.
    now += 1000;
    box.put('a', '/solo', [{ type: 'i', value: 1 }]);
    await tick();
    expect(box.pending('a')).toBe(0);
    expect(Buffer.from(packets.at(-1)!).subarray(0, 5).toString()).toBe('/solo');
    box.close();
  });
});
