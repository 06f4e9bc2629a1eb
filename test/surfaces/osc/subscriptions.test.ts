import { describe, expect, it } from 'vitest';
import { addressRange, peerHost, SubscriberTable } from '../../../src/surfaces/osc/subscriptions.ts';

describe('SubscriberTable fairness', () => {
  it('names hosts and ranges of every peer form', () => {
    expect(peerHost('10.0.0.5:9000')).toBe('10.0.0.5');
    expect(peerHost('ws:10.0.0.5:9000')).toBe('10.0.0.5');
    expect(peerHost('[fe80::1]:9000')).toBe('fe80::1');
    expect(addressRange('192.168.1.77')).toBe('192.168.1.0/24');
    expect(addressRange('2001:db8:0:1::5')).toBe('2001:db8:0:1::/64');
    expect(addressRange('2001:db8::5')).toBe('2001:db8:0:0::/64');
  });

  it('a full table evicts the least recently renewed implicit client for an explicit one, never the reverse', () => {
    let now = 0;
    const t = new SubscriberTable<never>(10_000, 3, () => now, { evict: true });
    t.renew('10.0.1.1:1');
    now = 1;
    t.renew('10.0.2.1:1', { explicit: true });
    now = 2;
    t.renew('10.0.3.1:1');
    now = 3;
    t.renew('10.0.1.1:1'); // renewed: now 10.0.3.1 is the oldest implicit one
    now = 4;
    expect(t.renew('10.0.4.1:1', { explicit: true }).evicted).toBe('10.0.3.1:1');
    // Implicit newcomers may displace implicit clients only.
    expect(t.renew('10.0.5.1:1').evicted).toBe('10.0.1.1:1');
    now = 5;
    expect(t.renew('10.0.6.1:1').evicted).toBe('10.0.5.1:1');
    // Only explicit clients left but the newcomer: the next implicit one is refused.
    t.renew('10.0.6.1:1', { explicit: true });
    expect(t.renew('10.0.7.1:1').sub).toBeUndefined();
    expect(t.refused).toBe(1);
    // An explicit newcomer takes the least recently renewed explicit place.
    expect(t.renew('10.0.8.1:1', { explicit: true }).evicted).toBe('10.0.2.1:1');
  });

  it('caps places per host and per range: a host churns within its own share', () => {
    let now = 0;
    const t = new SubscriberTable<never>(10_000, 64, () => now, { evict: true, maxPerHost: 2, maxPerRange: 3 });
    for (let p = 1; p <= 5; p++) {
      now = p;
      t.renew(`10.0.0.9:${p}`, { explicit: true });
    }
    expect([...t.live()].map((s) => s.peer)).toEqual(['10.0.0.9:4', '10.0.0.9:5']);
    t.renew('10.0.0.10:1');
    now = 10;
    // The range is full: an implicit newcomer from it displaces its implicit member only...
    expect(t.renew('10.0.0.11:1').evicted).toBe('10.0.0.10:1');
    // ...and another range is untouched by it.
    expect(t.renew('10.0.1.1:1').evicted).toBeUndefined();
    expect(t.size).toBe(4);
  });

  it('permanent clients never expire, are never evicted and take no place from the caps', () => {
    let now = 0;
    const t = new SubscriberTable<never>(100, 1, () => now, { evict: true });
    t.renew('10.0.0.1:9001', { permanent: true, explicit: true });
    expect(t.renew('10.0.0.2:1').added).toBe(true);
    now = 1000;
    expect(t.sweep()).toEqual(['10.0.0.2:1']);
    expect([...t.live()].map((s) => s.peer)).toEqual(['10.0.0.1:9001']);
  });

  it('a lapsed client that comes back before the sweep is new again', () => {
    let now = 0;
    const t = new SubscriberTable<string>(100, 4, () => now);
    t.renew('a')!.sub!.entries.push('x');
    now = 200;
    const r = t.renew('a');
    expect(r.added).toBe(true);
    expect(r.sub!.entries).toEqual([]);
  });
});
