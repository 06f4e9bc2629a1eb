/**
 * Feedback coalescing: per key (one physical control), at most one value per `periodMs`, latest wins.
 * The first value after a quiet period goes out at once; later ones inside the period wait, replacing
 * each other, and the newest leaves when the period ends (which opens the next period). So a storm of
 * 10,000 changes per second on one fader sends about 1000/periodMs messages and always ends on the
 * final value, while a resync of many different controls goes out in one pass.
 *
 *   periodMs 20, one key:  a@0 b@5 c@10 d@30   →   a@0 c@20 d@40
 *
 * Time comes from the injected scheduler. Teardown: cancels every pending flush and drops the
 * pending values.
 */
import { Observable, Subscription, asyncScheduler, type OperatorFunction, type SchedulerLike } from 'rxjs';

export function coalesceByKey<T>(keyOf: (v: T) => string, periodMs: number, scheduler: SchedulerLike = asyncScheduler): OperatorFunction<T, T> {
  return (source) =>
    new Observable<T>((sub) => {
      /** A key with an open period; `pending` is the value waiting for its end. */
      const open = new Map<string, { pending: T | undefined; has: boolean }>();
      const timers = new Subscription();
      const openPeriod = (key: string): void => {
        const slot = { pending: undefined as T | undefined, has: false };
        open.set(key, slot);
        const action = scheduler.schedule(() => {
          timers.remove(action);
          open.delete(key);
          if (slot.has) {
            const v = slot.pending as T;
            slot.pending = undefined;
            openPeriod(key);
            sub.next(v);
          }
        }, periodMs);
        timers.add(action);
      };
      const values = source.subscribe({
        next(v) {
          const key = keyOf(v);
          const slot = open.get(key);
          if (slot) {
            slot.pending = v;
            slot.has = true;
            return;
          }
          openPeriod(key);
          sub.next(v);
        },
        error: (e) => sub.error(e),
        complete: () => sub.complete(),
      });
      return () => {
        values.unsubscribe();
        timers.unsubscribe();
        open.clear();
      };
    });
}
