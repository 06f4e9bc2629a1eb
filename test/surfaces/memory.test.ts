import { describe, expect, it } from 'vitest';
import { MemorySurface, messageToHex } from '../../src/surfaces/memory.ts';
import type { SurfaceMessage } from '../../src/surfaces/types.ts';

describe('MemorySurface', () => {
  it('delivers what the test emits and records what it is sent', () => {
    const s = new MemorySurface('m');
    const got: SurfaceMessage[] = [];
    const sub = s.incoming$.subscribe((m) => got.push(m));
    s.midi(0x90, 0x68, 0x7f);
    s.emit({ kind: 'line', text: 'F1 0.5' });
    expect(got.map(messageToHex)).toEqual(['90 68 7F', 'F1 0.5']);
    s.send({ kind: 'osc', address: '/a', args: [{ type: 'f', value: 0.5 }] }, { except: 'p:1' });
    expect(s.sent[0]!.opts).toEqual({ except: 'p:1' });
    expect(s.takeHex()).toEqual(['/a f:0.5']);
    expect(s.sent).toEqual([]);
    expect(s.stats()).toEqual({ received: 2, sent: 1, dropped: 0, errors: 0 });
    sub.unsubscribe();
  });

  it('replays its connection state, drops sends while disconnected and counts them', () => {
    const s = new MemorySurface('m');
    const states: boolean[] = [];
    const sub = s.connected$.subscribe((c) => states.push(c));
    s.setConnected(false);
    s.send({ kind: 'midi', data: Uint8Array.of(0xe0, 0, 0) });
    s.setConnected(true);
    expect(states).toEqual([true, false, true]);
    expect(s.sent).toEqual([]);
    expect(s.stats().dropped).toBe(1);
    expect(s.observerCount()).toBe(1);
    sub.unsubscribe();
    expect(s.observerCount()).toBe(0);
  });

  it('after close, nothing is delivered or sent', async () => {
    const s = new MemorySurface('m');
    let completed = false;
    s.incoming$.subscribe({ complete: () => (completed = true) });
    await s.close();
    s.midi(0x90, 1, 1);
    s.send({ kind: 'line', text: 'x' });
    expect(completed).toBe(true);
    expect(s.stats()).toEqual({ received: 0, sent: 0, dropped: 1, errors: 0 });
  });
});
