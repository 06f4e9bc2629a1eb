/**
 * The control direction of one binding instance: surface messages → decoded events → glue (dead-band,
 * pickup, encoder acceleration, button modes) → a write to the store, the surface state or a scene
 * action, tagged with this surface's origin.
 */
import { BehaviorSubject, Subscription, filter, map, merge, share, type Observable, type Subject } from 'rxjs';
import type { ParamDef, ParamValue } from '../../params/registry.ts';
import { createDecoder, encodeFeedback, outputKey, type ControlEvent } from './codec.ts';
import { accelerate } from './operators/accelerate.ts';
import { pickup } from './operators/pickup.ts';
import type { Runtime, TargetResolver } from './runtime.ts';
import type { BindingInstance } from '../file/types.ts';

interface Tagged<E extends ControlEvent = ControlEvent> {
  readonly e: E;
  readonly peer: string | undefined;
}

/** What the feedback side needs to know about the control side. */
export interface ControlLink {
  readonly touched$: BehaviorSubject<boolean>;
  /**
   * The last param value this control wrote: feedback of exactly that change is not sent back to it
   * (the control is already there), while other controls bound to the same param still follow.
   */
  lastWrite: { def: ParamDef; value: ParamValue; absolute: boolean } | undefined;
  /**
   * Emits when the control is not where its value landed (it sent a position outside its range,
   * `F1 1.5`): feedback then sends the control the param's value, its own change though it is.
   */
  readonly corrected$: Subject<void>;
}

export function controlPipeline(inst: BindingInstance, rt: Runtime, target: TargetResolver, link: ControlLink): Subscription {
  const sub = new Subscription();
  const g = inst.glue;
  const originOf = (peer: string | undefined): string => (peer ? `${rt.origin}@${peer}` : rt.origin);

  const write = (fn: () => void): void => {
    try {
      fn();
    } catch (e) {
      rt.badInput.hit(`${inst.label}: ${(e as Error).message}`);
    }
  };
  /** Subscribes so that a handler that throws costs one message, not the binding (an error would end it). */
  const on = <T>(o: Observable<T>, fn: (v: T) => void): Subscription =>
    o.subscribe({ next: (v) => write(() => fn(v)), error: (e: unknown) => rt.badInput.hit(`${inst.label}: control stopped: ${String(e)}`) });

  const setParam = (def: ParamDef, value: ParamValue, origin: string, absolute = false): void => {
    // Recorded before the write: the store notifies feedback synchronously, inside set(). A value the
    // store clamps differs from this one, so the control is then moved to where the param really is.
    link.lastWrite = { def, value, absolute };
    write(() => rt.store.set(def.address, value, origin));
  };

  /** Shows the value on the binding's display cell for a while (value while touched/turned). */
  const display = (): void => {
    if (!inst.display) return;
    const r = target.get();
    if (!r.active || r.kind !== 'param' || !r.def) return;
    const out = inst.display.lcd;
    const value = rt.store.getByIndex(r.def.index);
    rt.sink.overlay({ key: outputKey(out), msg: encodeFeedback(out, { norm: 0, value, def: r.def, blank: false }) }, inst.display.holdMs);
  };

  if (inst.touch) {
    const decodeTouch = createDecoder(inst.touch, { button: true });
    sub.add(
      on(rt.incomingFor(inst.touch), (m) => {
        const e = decodeTouch(m);
        if (e?.kind !== 'press' || e.down === link.touched$.value) return;
        link.touched$.next(e.down);
        if (e.down) display();
      }),
    );
  }
  if (!inst.source) return sub;

  const decode = createDecoder(inst.source, { encoder: g.encoder, button: !!g.button && inst.source.kind !== 'note' });
  const events$: Observable<Tagged> = rt.incomingFor(inst.source).pipe(
    map((m) => {
      const e = decode(m);
      return e ? { e, peer: m.peer } : undefined;
    }),
    filter((t): t is Tagged => t !== undefined && target.get().active),
    share(),
  );
  const of = <K extends ControlEvent['kind']>(kind: K) => events$.pipe(filter((t): t is Tagged<Extract<ControlEvent, { kind: K }>> => t.e.kind === kind));

  // Absolute positions.
  let lastRaw = -1;
  let absolute$ = of('abs').pipe(
    filter(({ e }) => {
      if (g.deadband > 0 && lastRaw >= 0 && Math.abs(e.raw - lastRaw) < g.deadband && e.raw !== 0 && e.raw !== e.steps) return false;
      lastRaw = e.raw;
      return true;
    }),
  );
  let lastPeer: string | undefined;
  const paramTarget = (): { address: string; def: ParamDef } | undefined => {
    const r = target.get();
    return r.active && r.kind === 'param' && r.def ? { address: r.address, def: r.def } : undefined;
  };
  if (g.pickup !== undefined) {
    const current = (): number => {
      const t = paramTarget();
      return t ? target.scale(t.def).toControl(rt.store.getByIndex(t.def.index)) : 0;
    };
    const changedElsewhere$ = rt.store.changes$.pipe(
      filter((batch) => {
        const t = paramTarget();
        return !!t && batch.some((c) => c.def === t.def && c.origin !== rt.origin && !c.origin.startsWith(`${rt.origin}@`));
      }),
    );
    const norms$ = absolute$.pipe(
      map((t) => {
        lastPeer = t.peer;
        return t.e.norm;
      }),
      // A device that went away may come back with its knobs anywhere: their last readings are void.
      pickup({ current, threshold: g.pickup, reset$: merge(changedElsewhere$, rt.resync$), lost$: rt.transport.connected$.pipe(filter((up) => !up)) }),
    );
    absolute$ = norms$.pipe(map((norm) => ({ e: { kind: 'abs' as const, norm, raw: norm, steps: 1 }, peer: lastPeer })));
  }
  sub.add(
    on(absolute$, ({ e, peer }) => {
      const t = paramTarget();
      if (!t) return;
      const value = target.scale(t.def).toValue(e.norm);
      setParam(t.def, value, originOf(peer), true);
      if (e.clamped) link.corrected$.next();
      display();
    }),
  );

  sub.add(
    on(of('value'), ({ e, peer }) => {
      const t = paramTarget();
      if (t) setParam(t.def, e.value, originOf(peer), true);
      display();
    }),
  );

  const stepValue = (def: ParamDef, current: ParamValue, ticks: number): ParamValue => {
    if (def.type === 'bool') return ticks > 0;
    if (def.type === 'enum') {
      const n = def.values!.length;
      return def.values![Math.max(0, Math.min(n - 1, def.values!.indexOf(String(current)) + ticks))]!;
    }
    const s = target.scale(def);
    return s.fromTargetNorm(Math.max(0, Math.min(1, s.targetNorm(current) + ticks * g.step)));
  };

  // Relative encoders.
  const ticks$ = of('rel').pipe(
    map((t) => {
      lastPeer = t.peer;
      return t.e.ticks;
    }),
    filter((n) => n !== 0),
  );
  sub.add(
    on(g.accel ? ticks$.pipe(accelerate(g.accel, rt.scheduler)) : ticks$, (ticks) => {
      const peer = lastPeer;
      const r = target.get();
      if (r.active && r.kind === 'state' && inst.target.kind === 'state') {
        const name = inst.target.name;
        write(() => rt.state.set(name, rt.state.get(name) + ticks));
        return;
      }
      const t = paramTarget();
      if (!t) return;
      const next = stepValue(t.def, rt.store.getByIndex(t.def.index), ticks);
      setParam(t.def, next, originOf(peer));
      display();
    }),
  );

  // Buttons.
  let pressedAt = -Infinity;
  sub.add(
    on(of('press'), ({ e, peer }) => {
      const origin = originOf(peer);
      const r = target.get();
      if (!r.active) return;
      const mode = g.button ?? defaultMode(inst, r.kind === 'param' ? r.def : undefined);
      if (r.kind === 'resync') {
        if (e.down) rt.resync$.next();
        return;
      }
      if (r.kind === 'scene' && inst.target.kind === 'scene') {
        const t = inst.target;
        if (e.down) write(() => rt.store.set(`/scene/${t.which}`, t.name, origin));
        return;
      }
      if (r.kind === 'state' && inst.target.kind === 'state') {
        const t = inst.target;
        if (e.down) write(() => rt.state.set(t.name, t.value.evaluate(target.env())));
        return;
      }
      if (r.kind === 'all') {
        const fixed = inst.target.kind === 'all' ? inst.target.value : undefined;
        const allOn = r.defs.length > 0 && r.defs.every((d) => rt.store.getByIndex(d.index) === true);
        const v = decideBool(mode, e.down, allOn, fixed ?? g.value, rt.scheduler.now(), pressedAt, g.holdMs);
        if (e.down) pressedAt = rt.scheduler.now();
        if (v !== undefined) write(() => rt.store.batch(r.defs.map((d) => [d.address, v] as const), origin));
        return;
      }
      if (r.kind !== 'param' || !r.def) return;
      const def = r.def;
      const fixed = (inst.target.kind === 'param' ? inst.target.value : undefined) ?? g.value;
      const now = rt.scheduler.now();
      let v: ParamValue | undefined;
      if (def.type === 'bool') {
        const b = decideBool(mode, e.down, rt.store.getByIndex(def.index) === true, fixed, now, pressedAt, g.holdMs);
        v = b;
      } else if (mode === 'trigger' || fixed !== undefined) {
        v = e.down ? (fixed ?? target.scale(def).toValue(1)) : undefined;
      } else if (def.type === 'enum' && mode === 'toggle') {
        if (e.down) v = def.values![(def.values!.indexOf(String(rt.store.getByIndex(def.index))) + 1) % def.values!.length];
      } else {
        const s = target.scale(def);
        const on = s.toControl(rt.store.getByIndex(def.index)) >= 0.5;
        const b = decideBool(mode, e.down, on, undefined, now, pressedAt, g.holdMs);
        v = b === undefined ? undefined : s.toValue(b ? 1 : 0);
      }
      if (e.down) pressedAt = now;
      if (v !== undefined) {
        const value = v;
        setParam(def, value, origin);
      }
    }),
  );
  return sub;
}

function defaultMode(inst: BindingInstance, def: ParamDef | undefined): 'momentary' | 'toggle' | 'trigger' {
  if (inst.target.kind !== 'param' && inst.target.kind !== 'all') return 'trigger';
  if (inst.target.kind === 'all') return inst.target.value !== undefined ? 'trigger' : 'toggle';
  if (inst.target.value !== undefined) return 'trigger';
  return def?.type === 'bool' || def?.type === 'enum' ? 'toggle' : 'momentary';
}

/**
 * A button's next boolean, or undefined for no write. `hold`: a press flips the value; a release after
 * holdMs or more flips it back (held = momentary, tapped = latched).
 */
function decideBool(mode: string, down: boolean, current: boolean, fixed: ParamValue | undefined, now: number, pressedAt: number, holdMs: number): boolean | undefined {
  switch (mode) {
    case 'momentary':
      return down;
    case 'toggle':
      return down ? !current : undefined;
    case 'trigger':
      return down ? (fixed === undefined ? true : fixed === true || fixed === 1 || fixed === 'true' || fixed === 'on') : undefined;
    case 'hold':
      if (down) return !current;
      return now - pressedAt >= holdMs ? !current : undefined;
    default:
      return undefined;
  }
}
