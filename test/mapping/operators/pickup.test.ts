import { describe, expect, it } from 'vitest';
import { TestScheduler } from 'rxjs/testing';
import { pickup } from '../../../src/mapping/binding/operators/pickup.ts';

const ts = () => new TestScheduler((a, b) => expect(a).toEqual(b));
const values = { a: 0.1, b: 0.2, c: 0.3, d: 0.6, e: 0.7, f: 0.49, g: 0.05 };

describe('pickup', () => {
  it('passes nothing until the control crosses the param, then everything', () => {
    ts().run(({ cold, expectObservable }) => {
      const src = cold('a-b-c-d-e|', values);
      expectObservable(src.pipe(pickup({ current: () => 0.5, threshold: 0.03, reset$: cold('-') }))).toBe('------d-e|', values);
    });
  });

  it('engages at once within the threshold', () => {
    ts().run(({ cold, expectObservable }) => {
      expectObservable(cold('f-a|', values).pipe(pickup({ current: () => 0.5, threshold: 0.03, reset$: cold('-') }))).toBe('f-a|', values);
    });
  });

  it('must catch the param again after a reset', () => {
    ts().run(({ cold, hot, expectObservable }) => {
      let param = 0.5;
      const reset$ = hot('-----r');
      const src = cold('c-d-e--a-g|', values);
      const out = src.pipe(pickup({ current: () => param, threshold: 0.03, reset$ }));
      // After the reset the param is at 0.1: 0.7 → 0.1 reaches it (within the threshold), then 0.05 passes.
      hot('----p').subscribe(() => (param = 0.1));
      expectObservable(out).toBe('--d-e--a-g|', values);
    });
  });

  it('frees the reset subscription on unsubscribe', () => {
    ts().run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const reset$ = hot('------');
      const src = cold('a-b-c-d-e|', values);
      expectObservable(src.pipe(pickup({ current: () => 0.5, threshold: 0.03, reset$ })), '^--!').toBe('----', values);
      expectSubscriptions(reset$.subscriptions).toBe('^--!');
    });
  });
});
