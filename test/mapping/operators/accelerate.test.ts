import { describe, expect, it } from 'vitest';
import { TestScheduler } from 'rxjs/testing';
import { accelerate } from '../../../src/mapping/binding/operators/accelerate.ts';

describe('accelerate', () => {
  it('climbs the factor list while ticks come fast, and starts again after a pause', () => {
    const ts = new TestScheduler((a, b) => expect(a).toEqual(b));
    ts.run(({ cold, expectObservable }) => {
      const src = cold('a 9ms a 9ms a 9ms a 99ms a|', { a: 1 });
      expectObservable(src.pipe(accelerate({ factors: [1, 2, 4], windowMs: 20 }, ts))).toBe('a 9ms b 9ms c 9ms c 99ms a|', { a: 1, b: 2, c: 4 });
    });
  });

  it('starts again on a change of direction and keeps the device magnitude', () => {
    const ts = new TestScheduler((a, b) => expect(a).toEqual(b));
    ts.run(({ cold, expectObservable }) => {
      const src = cold('a 4ms b 4ms c 4ms d|', { a: 1, b: 3, c: -2, d: -1 });
      expectObservable(src.pipe(accelerate({ factors: [1, 2], windowMs: 20 }, ts))).toBe('a 4ms b 4ms c 4ms d|', { a: 1, b: 6, c: -2, d: -2 });
    });
  });
});
