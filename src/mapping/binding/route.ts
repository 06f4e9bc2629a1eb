/**
 * Incoming messages to the bindings that can use them. A binding whose source is an OSC address with
 * no pattern characters (`/ch/05/mix/fader`) receives only messages for that address, through one
 * lookup, instead of every binding testing every message: an X32 dialect file has hundreds of such
 * bindings. Other bindings see every message. Bindings of one address get a message in file order.
 */
import { Subject, type Observable, type Subscription } from 'rxjs';
import type { SurfaceMessage } from '../../surfaces/types.ts';
import type { SourceSpec } from '../file/types.ts';

const PATTERN = /[*?[\]{}!,]/;

export class IncomingRouter {
  private readonly byAddress = new Map<string, Subject<SurfaceMessage>>();

  constructor(private readonly incoming$: Observable<SurfaceMessage>) {}

  /** The messages a binding with this source needs to see. */
  for(source: SourceSpec | undefined): Observable<SurfaceMessage> {
    if (source?.kind !== 'osc' || PATTERN.test(source.address)) return this.incoming$;
    let s = this.byAddress.get(source.address);
    if (!s) {
      s = new Subject<SurfaceMessage>();
      this.byAddress.set(source.address, s);
    }
    return s;
  }

  /** Starts routing; the subscription ends it (and completes the per-address streams). */
  start(): Subscription {
    const done = () => {
      for (const s of this.byAddress.values()) s.complete();
    };
    return this.incoming$.subscribe({
      next: (m) => {
        if (m.kind === 'osc') this.byAddress.get(m.address)?.next(m);
      },
      complete: done,
      error: done,
    });
  }
}
