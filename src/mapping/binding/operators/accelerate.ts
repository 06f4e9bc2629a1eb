/**
 * Encoder acceleration: ticks that follow each other within `windowMs`, in the same direction, climb a
 * list of factors; a pause or a change of direction starts again at the first. The device's own tick
 * count (fast turns send bigger magnitudes) is kept and multiplied.
 *
 *   factors [1, 2, 4], windowMs 50:   +1 @0, +1 @10, +1 @20, +1 @200   →   +1, +2, +4, +1
 *
 * Time comes from the injected scheduler, so it is tested with virtual time.
 * Teardown: unsubscribes the source; its state lives in the subscription.
 */
import { Observable, asyncScheduler, type MonoTypeOperatorFunction, type SchedulerLike } from 'rxjs';

export interface AccelOptions {
  readonly factors: readonly number[];
  readonly windowMs: number;
}

export function accelerate(opts: AccelOptions, scheduler: SchedulerLike = asyncScheduler): MonoTypeOperatorFunction<number> {
  return (source) =>
    new Observable<number>((sub) => {
      let level = 0;
      let lastAt = -Infinity;
      let lastSign = 0;
      return source.subscribe({
        next(ticks) {
          const now = scheduler.now();
          const sign = Math.sign(ticks);
          level = now - lastAt <= opts.windowMs && sign === lastSign ? Math.min(level + 1, opts.factors.length - 1) : 0;
          lastAt = now;
          lastSign = sign;
          sub.next(ticks * opts.factors[level]!);
        },
        error: (e) => sub.error(e),
        complete: () => sub.complete(),
      });
    });
}
