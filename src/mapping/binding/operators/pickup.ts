/**
 * Soft takeover ("pickup") for knobs without motors: an absolute control that is out of step with its
 * param changes nothing until it reaches the param's value, within `threshold` or by crossing it
 * between two readings. Once engaged it passes every value, until `reset$` emits (the param was changed
 * from elsewhere, or the bank moved the knob onto another param).
 *
 *   param 0.5, knob: 0.1 0.2 0.3 0.6 0.7   →   emits 0.6 0.7   (0.3 → 0.6 crossed 0.5)
 *
 * The control's last reading is kept through a reset: the knob has not moved, so a hand that sweeps
 * it across the new value in one message (0.3 before the reset, 0.8 after it, the param now at 0.5)
 * picks up there, as ReaLearn's and Mixxx's soft takeover do. It is forgotten when `lost$` emits (the
 * device went away): where the knob was then says nothing about where it is when it comes back, and a
 * crossing measured from there would make the param jump.
 *
 * Teardown: unsubscribes the source, reset$ and lost$, and drops its state.
 */
import { Observable, type MonoTypeOperatorFunction } from 'rxjs';

export interface PickupOptions {
  /** The param's current value, normalized like the input. */
  readonly current: () => number;
  /** How close (normalized) counts as caught; 3/128 is about three 7-bit steps. */
  readonly threshold: number;
  /** Emits when the control must catch the param again (its position is still known). */
  readonly reset$: Observable<unknown>;
  /** Emits when the control's position is no longer known (the device disconnected). */
  readonly lost$?: Observable<unknown>;
}

export function pickup(opts: PickupOptions): MonoTypeOperatorFunction<number> {
  return (source) =>
    new Observable<number>((sub) => {
      let engaged = false;
      /** The control's last reading, engaged or not: where the hand left it. */
      let last: number | undefined;
      const resets = opts.reset$.subscribe(() => {
        engaged = false;
      });
      const losses = opts.lost$?.subscribe(() => {
        engaged = false;
        last = undefined;
      });
      const values = source.subscribe({
        next(v) {
          const previous = last;
          last = v;
          if (!engaged) {
            const c = opts.current();
            const crossed = previous !== undefined && (previous - c) * (v - c) <= 0;
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
        losses?.unsubscribe();
        values.unsubscribe();
      };
    });
}
