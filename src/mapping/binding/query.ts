/**
 * OSC queries on a mapped surface, as an X32 app makes them: a message with no arguments at an address
 * the mapping shows a value on (`/ch/05/mix/fader`) is answered, to the asking peer only, with the
 * current value in that output's own form; an address in the mapping's `replies:` table (`/info`)
 * gets its fixed arguments. Other peers hear nothing of it.
 */
import { filter, type Observable, type Subscription } from 'rxjs';
import type { SurfaceMessage, SurfaceTransport } from '../../surfaces/types.ts';
import { encodeFeedback } from './codec.ts';
import type { TargetResolver } from './runtime.ts';
import type { ParamStore } from '../../params/store.ts';
import type { BindingInstance, FeedbackOut, StaticReply } from '../file/types.ts';

type OscOut = Extract<FeedbackOut, { kind: 'osc' | 'source' }>;

interface Answerer {
  readonly out: OscOut;
  readonly target: TargetResolver;
}

/** The OSC address an output shows its value at, if it is an OSC output. */
function oscAddress(out: FeedbackOut): string | undefined {
  if (out.kind === 'osc') return out.address;
  if (out.kind === 'source' && out.source.kind === 'osc') return out.source.address;
  return undefined;
}

export class QueryResponder {
  private readonly byAddress = new Map<string, Answerer[]>();
  private readonly replies = new Map<string, StaticReply>();

  constructor(
    private readonly store: ParamStore,
    private readonly transport: SurfaceTransport,
    replies: readonly StaticReply[],
  ) {
    for (const r of replies) this.replies.set(r.address, r);
  }

  /** Registers a binding's OSC outputs as answerable. */
  add(inst: BindingInstance, target: TargetResolver): void {
    for (const out of inst.feedback) {
      const address = oscAddress(out);
      if (address === undefined || (out.kind !== 'osc' && out.kind !== 'source')) continue;
      const list = this.byAddress.get(address) ?? [];
      list.push({ out, target });
      this.byAddress.set(address, list);
    }
  }

  /** Whether there is anything to answer (a mapping without OSC outputs needs no subscription). */
  get empty(): boolean {
    return this.byAddress.size === 0 && this.replies.size === 0;
  }

  listen(incoming$: Observable<SurfaceMessage>, onError: (message: string) => void): Subscription {
    return incoming$.pipe(filter((m): m is Extract<SurfaceMessage, { kind: 'osc' }> => m.kind === 'osc' && m.args.length === 0)).subscribe((m) => {
      try {
        this.answer(m.address, m.peer);
      } catch (e) {
        onError(`query ${m.address}: ${(e as Error).message}`);
      }
    });
  }

  private answer(address: string, peer: string | undefined): void {
    const opts = peer !== undefined ? { to: peer } : undefined;
    const fixed = this.replies.get(address);
    if (fixed) {
      this.transport.send({ kind: 'osc', address, args: fixed.args }, opts);
      return;
    }
    for (const a of this.byAddress.get(address) ?? []) {
      const r = a.target.get();
      if (!r.active || r.kind !== 'param' || !r.def) continue;
      const value = this.store.getByIndex(r.def.index);
      const msg = encodeFeedback(a.out, { norm: a.target.scale(r.def).toControl(value), value, def: r.def, blank: false, env: a.target.env() });
      this.transport.send(msg, opts);
      return;
    }
  }
}
