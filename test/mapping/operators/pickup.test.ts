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

  it('picks up when the control crosses a value that changed elsewhere in one message', () => {
    ts().run(({ cold, hot, expectObservable }) => {
      // Engaged at 0.49 and moved to 0.1; then the param moves to 0.5 elsewhere (a reset). The hand
      // sweeps the fader from 0.1 to 0.7 in one message: it crossed 0.5, so it picks up at once.
      let param = 0.49;
      hot('---p').subscribe(() => (param = 0.5));
      const reset$ = hot('---r');
      expectObservable(cold('f-a--e|', values).pipe(pickup({ current: () => param, threshold: 0.03, reset$ }))).toBe('f-a--e|', values);
    });
  });

  it('measures the crossing from the latest reading, not from where it last engaged', () => {
    ts().run(({ cold, hot, expectObservable }) => {
      // Engaged at 0.6, then down to 0.1; the param moves to 0.5 elsewhere. 0.1 → 0.3 does not cross 0.5
      // (a crossing measured from 0.6 would, and the param would jump to 0.3); 0.3 → 0.6 does.
      let param = 0.6;
      hot('---p').subscribe(() => (param = 0.5));
      const reset$ = hot('---r');
      expectObservable(cold('d-a--c-d|', values).pipe(pickup({ current: () => param, threshold: 0.03, reset$ }))).toBe('d-a----d|', values);
    });
  });

  it('forgets the last position when the device goes away: a knob that comes back elsewhere must reach the value', () => {
    ts().run(({ cold, hot, expectObservable }) => {
      // 0.1 before the device left, 0.7 after it came back: no crossing can be measured across the gap
      // (one measured from 0.1 would make the param jump from 0.5 to 0.7). 0.7 → 0.6 stays above 0.5;
      // 0.49, within the threshold, catches it.
      const lost$ = hot('---l');
      const out = cold('a----e-d-f|', values).pipe(pickup({ current: () => 0.5, threshold: 0.03, reset$: cold('-'), lost$ }));
      expectObservable(out).toBe('---------f|', values);
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
