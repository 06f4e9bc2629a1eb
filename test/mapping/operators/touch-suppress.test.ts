import { describe, expect, it } from 'vitest';
import { TestScheduler } from 'rxjs/testing';
import { suppressWhileTouched } from '../../../src/mapping/binding/operators/touch-suppress.ts';

const ts = () => new TestScheduler((a, b) => expect(a).toEqual(b));

describe('suppressWhileTouched', () => {
  it('holds values while touched and emits the latest on release', () => {
    ts().run(({ hot, expectObservable }) => {
      const values = hot('a---b---c-------d');
      const touched = hot('--T-------F------', { T: true, F: false });
      expectObservable(values.pipe(suppressWhileTouched(touched))).toBe('a---------c-----d');
    });
  });

  it('marks the release value through onRelease, and sends nothing on a release with no value yet', () => {
    ts().run(({ hot, expectObservable }) => {
      const values = hot('----a---b');
      const touched = hot('-T-F-T-F-', { T: true, F: false });
      expectObservable(values.pipe(suppressWhileTouched(touched, (v) => v.toUpperCase()))).toBe('----a--Ab');
    });
  });

  it('unsubscribes from touches on teardown', () => {
    ts().run(({ hot, expectObservable, expectSubscriptions }) => {
      const touched = hot('--T---', { T: true });
      expectObservable(hot('a-----').pipe(suppressWhileTouched(touched)), '^--!').toBe('a---');
      expectSubscriptions(touched.subscriptions).toBe('^--!');
    });
  });
});
