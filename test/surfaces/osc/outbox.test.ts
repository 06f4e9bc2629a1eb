import { describe, expect, it } from 'vitest';
import { Outbox } from '../../../src/surfaces/osc/outbox.ts';
import { SubscriberTable } from '../../../src/surfaces/osc/subscriptions.ts';

const tick = () => new Promise((r) => setImmediate(r));

describe('Outbox', () => {
  it('coalesces per peer and address, latest value wins, and bounds the queue', async () => {
    const sent: string[] = [];
    const box = new Outbox((peer, address, args) => sent.push(`${peer} ${address} ${args[0]!.value}`), { maxPending: 2 });
    for (let k = 0; k < 100; k++) box.put('a', '/x', [{ type: 'i', value: k }]);
    box.put('a', '/y', [{ type: 'i', value: 1 }]);
    box.put('a', '/z', [{ type: 'i', value: 1 }]);
    box.put('b', '/x', [{ type: 'i', value: 7 }]);
    box.put('a', '/y', [{ type: 'i', value: 2 }]);
    await tick();
    expect(sent).toEqual(['a /x 99', 'a /y 2', 'b /x 7']);
    expect(box.dropped).toBe(1);
    box.close();
  });

  it('sends slow entries at the slow rate and forgets departed peers', async () => {
    const sent: string[] = [];
    const box = new Outbox((peer, address) => sent.push(`${peer} ${address}`), { slowRateHz: 50 });
    box.put('a', '/meter', [{ type: 'f', value: -3 }], true);
    box.put('b', '/meter', [{ type: 'f', value: -3 }], true);
    box.forget('b');
    await tick();
    expect(sent).toEqual([]);
    await new Promise((r) => setTimeout(r, 40));
    expect(sent).toEqual(['a /meter']);
    box.close();
  });
});

describe('SubscriberTable', () => {
  it('expires clients that do not renew and refuses beyond its size', () => {
    let now = 0;
    const t = new SubscriberTable<string>(100, 2, () => now);
    expect(t.renew('a').added).toBe(true);
    now = 50;
    expect(t.renew('a').added).toBe(false);
    t.renew('b');
    expect(t.renew('c').sub).toBeUndefined();
    expect(t.refused).toBe(1);
    now = 120;
    expect([...t.live()].map((s) => s.peer)).toEqual(['a', 'b']);
    now = 151;
    expect([...t.live()].map((s) => s.peer)).toEqual([]);
    expect(t.sweep()).toEqual(['a', 'b']);
    expect(t.size).toBe(0);
  });
});
