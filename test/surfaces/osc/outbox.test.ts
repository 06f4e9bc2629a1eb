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
    // At its bound a client that drains gets what waits at once: no value is lost.
    expect(sent).toEqual(['a /x 99', 'a /y 1', 'a /z 1', 'a /y 2', 'b /x 7']);
    expect(box.dropped).toBe(0);
    expect(box.peakPending).toBe(2);
    box.close();
  });

  it('holds a congested client to one value per address, then drops it with a reason; others flow', async () => {
    const sent: string[] = [];
    const drops: string[] = [];
    let now = 0;
    const stuck = new Set(['a']);
    const box = new Outbox((peer, address, args) => sent.push(`${peer} ${address} ${args[0]!.value}`), {
      maxPending: 3,
      stallMs: 1000,
      now: () => now,
      congested: (peer) => stuck.has(peer),
      onDrop: (peer, why) => drops.push(`${peer}: ${why}`),
    });
    for (let k = 0; k < 50; k++) {
      box.put('a', `/x${k % 3}`, [{ type: 'i', value: k }]);
      box.put('b', '/x', [{ type: 'i', value: k }]);
      await tick();
    }
    expect(sent.filter((m) => m.startsWith('a '))).toEqual([]);
    expect(box.pending('a')).toBe(3);
    expect(sent.at(-1)).toBe('b /x 49');
    // Draining again: the latest values go out.
    stuck.delete('a');
    box.put('a', '/x0', [{ type: 'i', value: 100 }]);
    await tick();
    expect(sent.filter((m) => m.startsWith('a '))).toEqual(['a /x0 100', 'a /x1 49', 'a /x2 47']);
    // Stuck for longer than stallMs: dropped, once, with the reason.
    stuck.add('a');
    box.put('a', '/x0', [{ type: 'i', value: 1 }]);
    await tick();
    now = 1500;
    box.put('a', '/x0', [{ type: 'i', value: 2 }]);
    await tick();
    expect(drops).toEqual(['a: its connection has not drained for 2 s']);
    expect(box.pending('a')).toBe(0);
    // A new address past the bound while congested drops at once.
    stuck.add('c');
    for (let k = 0; k < 4; k++) box.put('c', `/y${k}`, [{ type: 'i', value: k }]);
    expect(drops[1]).toBe('c: 3 values waiting while its connection does not drain');
    expect(box.droppedClients).toBe(2);
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
