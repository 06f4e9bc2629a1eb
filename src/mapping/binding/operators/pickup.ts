/**
 * Soft takeover ("pickup") for knobs without motors: an absolute control that is out of step with its
 * param changes nothing until it reaches the param's value, within `threshold` or by crossing it
 * between two readings. Once engaged it passes every value, until `reset$` emits (the param was changed
 * from elsewhere, or the bank moved the knob onto another param).
 *
 *   param 0.5, knob: 0.1 0.2 0.3 0.6 0.7   →   emits 0.6 0.7   (0.3 → 0.6 crossed 0.5)
 *
 * Teardown: unsubscribes the source and reset$, and drops its state.
 */
import { Observable, type MonoTypeOperatorFunction } from 'rxjs';

export interface PickupOptions {
  /** The param's current value, normalized like the input. */
  readonly current: () => number;
  /** How close (normalized) counts as caught; 3/128 is about three 7-bit steps. */
  readonly threshold: number;
  /** Emits when the control must catch the param again. */
  readonly reset$: Observable<unknown>;
}

export function pickup(opts: PickupOptions): MonoTypeOperatorFunction<number> {
  return (source) =>
    new Observable<number>((sub) => {
      let engaged = false;
      let last: number | undefined;
      const resets = opts.reset$.subscribe(() => {
        engaged = false;
        last = undefined;
      });
      const values = source.subscribe({
        next(v) {
          if (!engaged) {
            const c = opts.current();
            const crossed = last !== undefined && (last - c) * (v - c) <= 0;
            last = v;
            if (!crossed && Math.abs(v - c) > opts.threshold) return;
            engaged = true;
          }
          sub.next(v);
        },
        error: (e) => sub.error(e),
        complete: () => sub.complete(),
      });
      return () => {
        resets.unsubscribe();
        values.unsubscribe();
      };
    });
}
