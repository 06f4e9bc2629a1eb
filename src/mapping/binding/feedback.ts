/**
 * The feedback direction of one binding instance: its target's changes (or, on a resync, its current
 * value) → touch suppression → origin suppression → the glue run backwards → the exact messages of
 * each feedback output → the surface's coalescing sink.
 */
import { EMPTY, Subscription, concat, filter, interval, map, merge, of, startWith, switchMap, type Observable } from 'rxjs';
import type { ParamValue } from '../../params/registry.ts';
import { displayOnly, encodeOutput, outputKey, type FeedbackValue } from './codec.ts';
import { meterLevel } from './displays.ts';
import type { ControlLink } from './control.ts';
import { suppressWhileTouched } from './operators/touch-suppress.ts';
import type { Runtime, TargetResolver } from './runtime.ts';
import type { BindingInstance } from '../file/types.ts';

interface Update {
  readonly fb: FeedbackValue;
  readonly origin: string;
  /** A resync or a touch release: sent whatever its origin. */
  readonly force: boolean;
  /** A meter's periodic resend of the level it already shows. */
  readonly refresh?: boolean;
}

const BLANK: FeedbackValue = { norm: 0, value: undefined, def: undefined, blank: true };

export function feedbackPipeline(inst: BindingInstance, rt: Runtime, target: TargetResolver, link: ControlLink): Subscription {
  if (inst.feedback.length === 0) return Subscription.EMPTY;
  const keys = inst.feedback.map(outputKey);
  const dedupe = inst.feedback.map(displayOnly);

  const updates$: Observable<Update> = rt.resync$.pipe(
    switchMap((): Observable<Update> => {
      const r = target.get();
      if (!r.active) return EMPTY;
      const env = target.env();
      if (r.kind === 'param') {
        const def = r.def;
        if (!def) return of({ fb: BLANK, origin: '', force: true });
        const scale = target.scale(def);
        const fb = (value: ParamValue): FeedbackValue => ({ norm: scale.toControl(value), value, def, blank: false, env });
        const now = (): Update => ({ fb: fb(rt.store.getByIndex(def.index)), origin: '', force: true });
        return merge(
          rt.store.changes$.pipe(
            map((batch) => batch.find((c) => c.def === def)),
            filter((c) => c !== undefined),
            map((c): Update => ({ fb: fb(c.value), origin: c.origin, force: false })),
          ),
          // The control sent a position it cannot be at: it gets the param's value back.
          link.corrected$.pipe(map(now)),
        ).pipe(startWith(now()));
      }
      const current = (): FeedbackValue => {
        const on = isOn(inst, rt, r);
        return { norm: on ? 1 : 0, value: on, def: undefined, blank: false, env };
      };
      // Group, state and scene targets show on/off: all set, state selected, scene current.
      const watched = r.kind === 'all' ? new Set(r.defs) : r.kind === 'scene' ? new Set([rt.store.def('/scene/current')]) : undefined;
      const changes$ = watched
        ? rt.store.changes$.pipe(
            filter((batch) => batch.some((c) => watched.has(c.def))),
            map((batch) => ({ fb: current(), origin: batch[0]!.origin, force: false })),
          )
        : EMPTY;
      return changes$.pipe(startWith({ fb: current(), origin: '', force: true }));
    }),
  );

  // Meters that the device lets fall unless refreshed get their last level again periodically.
  const refreshMs = Math.min(...inst.feedback.map((f) => (f.kind === 'meter' && f.refreshMs ? f.refreshMs : Infinity)));
  // Each level is resent every refreshMs until the next one arrives: the device sees a steady level
  // at a steady pace, and a meter resting at its floor (it cannot fall further) is left alone.
  const refreshed$ = Number.isFinite(refreshMs)
    ? updates$.pipe(
        switchMap((u) => {
          const resting = u.fb.blank || typeof u.fb.value !== 'number' || meterLevel(u.fb.value) === 0;
          return resting ? of(u) : concat(of(u), interval(refreshMs, rt.scheduler).pipe(map(() => ({ ...u, force: true, refresh: true }))));
        }),
      )
    : updates$;
  const touched$ = inst.touch ? refreshed$.pipe(suppressWhileTouched<Update>(link.touched$, (u) => ({ ...u, force: true }))) : refreshed$;
  return touched$.subscribe({
    next: (u) => {
      try {
        send(u);
      } catch (e) {
        rt.badInput.hit(`${inst.label} feedback: ${(e as Error).message}`);
      }
    },
    // An error ends this binding's feedback only; the daemon and the other bindings go on.
    error: (e: unknown) => rt.badInput.hit(`${inst.label}: feedback stopped: ${String(e)}`),
  });

  function send(u: Update): void {
    let except: string | undefined;
    if (!u.force) {
      const own = u.origin === rt.origin;
      const ownPeer = !own && u.origin.startsWith(`${rt.origin}@`);
      const lw = link.lastWrite;
      // Only the control that made the change is already showing it; others on this surface follow.
      const mine = (own || ownPeer) && lw !== undefined && lw.def === u.fb.def && Object.is(lw.value, u.fb.value);
      if (mine && !inst.echo) {
        if (own) return;
        except = u.origin.slice(rt.origin.length + 1);
      } else if (mine && own && lw.absolute) {
        // Echoing an absolute control's own value would re-quantize it and make it twitch.
        return;
      }
    }
    for (let k = 0; k < inst.feedback.length; k++) {
      for (const part of encodeOutput(inst.feedback[k]!, keys[k]!, u.fb)) {
        // A refresh resends the level only: an overload indicator is sent when it changes.
        const force = u.force && (!u.refresh || part.refresh === true);
        rt.sink.send({ key: part.key, msg: part.msg, dedupe: dedupe[k]!, force, ...(except !== undefined ? { except } : {}) });
      }
    }
  }
}

function isOn(inst: BindingInstance, rt: Runtime, r: ReturnType<TargetResolver['get']>): boolean {
  if (!r.active) return false;
  const t = inst.target;
  if (r.kind === 'all') {
    const fixed = t.kind === 'all' ? t.value : undefined;
    // A solo-clear style button (writes false) lights while anything is still set.
    if (fixed === false) return r.defs.some((d) => rt.store.getByIndex(d.index) === true);
    return r.defs.length > 0 && r.defs.every((d) => rt.store.getByIndex(d.index) === true);
  }
  if (r.kind === 'state' && t.kind === 'state') {
    const env = { ...rt.state.env, ...inst.vars };
    return rt.state.get(t.name) === t.value.evaluate(env);
  }
  if (r.kind === 'scene' && t.kind === 'scene') return rt.store.get('/scene/current') === t.name;
  return false;
}
