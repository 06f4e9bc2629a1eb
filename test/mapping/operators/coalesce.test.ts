import { describe, expect, it } from 'vitest';
import { Subject } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { coalesceByKey } from '../../../src/mapping/binding/operators/coalesce.ts';

const ts = () => new TestScheduler((a, b) => expect(a).toEqual(b));
const key = (v: string) => v.toLowerCase().replace(/[0-9]/g, '');

describe('coalesceByKey', () => {
  it('sends the first value at once and then at most one per period, latest wins', () => {
    const s = ts();
    s.run(({ cold, expectObservable }) => {
      const src = cold('a 4ms b 4ms c 19ms d', { a: 'x1', b: 'x2', c: 'x3', d: 'x4' });
      // x1 @0; x2, x3 wait, x3 wins @20; x4 @30 waits for the period opened @20 to end @40.
      expectObservable(src.pipe(coalesceByKey(key, 20, s))).toBe('a 19ms c 19ms d', { a: 'x1', c: 'x3', d: 'x4' });
    });
  });

  it('keeps keys apart, so a resync of many outputs leaves in one pass', () => {
    const s = ts();
    s.run(({ cold, expectObservable }) => {
      const src = cold('(abc)', { a: 'x1', b: 'y1', c: 'z1' });
      expectObservable(src.pipe(coalesceByKey(key, 20, s))).toBe('(abc)', { a: 'x1', b: 'y1', c: 'z1' });
    });
  });

  it('a storm of 10,000 values in one second on one key sends at most 1000/period, ending on the last', () => {
    const s = ts();
    const sent: Array<[number, string]> = [];
    s.run(() => {
      const src = new Subject<string>();
      src.pipe(coalesceByKey(key, 20, s)).subscribe((v) => sent.push([s.now(), v]));
      for (let k = 0; k < 10_000; k++) s.schedule(() => src.next(`x${k}`), Math.floor(k / 10));
    });
    expect(sent.filter(([t]) => t < 1000).length).toBe(50);
    expect(sent.at(-1)).toEqual([1000, 'x9999']);
  });

  it('cancels pending flushes on unsubscribe', () => {
    const s = ts();
    s.run(({ cold, expectObservable }) => {
      const src = cold('a 4ms b', { a: 'x1', b: 'x2' });
      expectObservable(src.pipe(coalesceByKey(key, 20, s)), '^ 9ms !').toBe('a', { a: 'x1' });
    });
  });
});
