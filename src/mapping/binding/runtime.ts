/**
 * What the control and feedback pipelines of one compiled mapping share: the store, the surface, the
 * surface state, the sink, and how a binding's templated target resolves against the current state.
 */
import type { Observable, SchedulerLike, Subject } from 'rxjs';
import type { ParamDef } from '../../params/registry.ts';
import type { ParamStore } from '../../params/store.ts';
import { compileAddressPattern } from '../../util/osc-pattern.ts';
import type { RateLimitedLog } from '../../util/log.ts';
import type { SurfaceMessage, SurfaceTransport } from '../../surfaces/types.ts';
import { makeScale, type Scale } from './glue.ts';
import type { FeedbackSink } from './sink.ts';
import type { SurfaceState } from './state.ts';
import type { BindingInstance, SourceSpec } from '../file/types.ts';

export interface Runtime {
  readonly store: ParamStore;
  readonly transport: SurfaceTransport;
  /** `surface:<id>`: the origin of every change this surface makes. */
  readonly origin: string;
  readonly scheduler: SchedulerLike;
  readonly state: SurfaceState;
  readonly sink: FeedbackSink;
  /** Emits when every feedback pipeline must send its current value again. */
  readonly resync$: Subject<void>;
  readonly incoming$: Observable<SurfaceMessage>;
  /** The messages a binding with this source needs to see (OSC addresses are routed by lookup). */
  incomingFor(source: SourceSpec | undefined): Observable<SurfaceMessage>;
  readonly badInput: RateLimitedLog;
}

export type Resolved =
  | { readonly active: false }
  | { readonly active: true; readonly kind: 'param'; readonly address: string; readonly def: ParamDef | undefined }
  | { readonly active: true; readonly kind: 'all'; readonly defs: readonly ParamDef[] }
  | { readonly active: true; readonly kind: 'state' }
  | { readonly active: true; readonly kind: 'scene' }
  | { readonly active: true; readonly kind: 'resync' };

const INACTIVE: Resolved = { active: false };

/** Per-instance memo of the target, recomputed only when the state or session env changes. */
export class TargetResolver {
  private lastEnv: unknown;
  private resolved: Resolved = INACTIVE;
  private readonly scales = new Map<ParamDef, Scale>();

  constructor(
    private readonly inst: BindingInstance,
    private readonly rt: Runtime,
  ) {}

  get(): Resolved {
    const stateEnv = this.rt.state.env;
    if (stateEnv === this.lastEnv) return this.resolved;
    this.lastEnv = stateEnv;
    const env = { ...stateEnv, ...this.inst.vars };
    const t = this.inst.target;
    if (this.inst.when && this.inst.when.evaluate(env) === 0) this.resolved = INACTIVE;
    else if (t.kind === 'param') {
      const address = t.address.render(env);
      this.resolved = { active: true, kind: 'param', address, def: this.rt.store.registry.get(address) };
    } else if (t.kind === 'all') {
      const re = compileAddressPattern(t.pattern.render(env));
      this.resolved = { active: true, kind: 'all', defs: this.rt.store.registry.defs.filter((d) => re.test(d.address) && !d.readOnly) };
    } else this.resolved = { active: true, kind: t.kind };
    return this.resolved;
  }

  /** Evaluates an expression of the binding against the current state. */
  env(): Readonly<Record<string, number>> {
    return { ...this.rt.state.env, ...this.inst.vars };
  }

  scale(def: ParamDef): Scale {
    let s = this.scales.get(def);
    if (!s) {
      s = makeScale(this.inst.glue, def);
      this.scales.set(def, s);
    }
    return s;
  }
}
