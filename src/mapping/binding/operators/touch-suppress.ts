/**
 * Touch suppression for motor faders: while `touched$` is true nothing passes (the hand wins over the
 * motor); the latest value seen meanwhile is kept, and on release it is emitted (through `onRelease`,
 * which may mark it as forced) so the fader is set to the current value.
 *
 *   values:  a---b---c-------d
 *   touched: ---T-------F-----
 *   output:  a-----------c---d
 *
 * Teardown: unsubscribes the source and touched$; the kept value is dropped.
 */
import { Observable, type MonoTypeOperatorFunction } from 'rxjs';

export function suppressWhileTouched<T>(touched$: Observable<boolean>, onRelease: (latest: T) => T = (v) => v): MonoTypeOperatorFunction<T> {
  return (source) =>
    new Observable<T>((sub) => {
      let touched = false;
      let has = false;
      let latest: T | undefined;
      const touches = touched$.subscribe((t) => {
        const released = touched && !t;
        touched = t;
        if (released && has) sub.next(onRelease(latest as T));
      });
      const values = source.subscribe({
        next(v) {
          latest = v;
          has = true;
          if (!touched) sub.next(v);
        },
        error: (e) => sub.error(e),
        complete: () => sub.complete(),
      });
      return () => {
        touches.unsubscribe();
        values.unsubscribe();
        latest = undefined;
      };
    });
}
