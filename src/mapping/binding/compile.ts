/**
 * Compiles a loaded mapping into RxJS pipelines between one surface and the store: for each binding
 * instance a control pipeline (surface → store/state) and a feedback pipeline (store → surface). A
 * state change (bank, page...) or a (re)connection resyncs every output in one pass. dispose() ends
 * every subscription and timer it made.
 */
import { BehaviorSubject, Subject, Subscription, asyncScheduler, share, type SchedulerLike } from 'rxjs';
import type { ParamStore } from '../../params/store.ts';
import type { SurfaceTransport } from '../../surfaces/types.ts';
import { logger, RateLimitedLog } from '../../util/log.ts';
import { controlPipeline, type ControlLink } from './control.ts';
import { feedbackPipeline } from './feedback.ts';
import { handshakePipeline } from './handshake.ts';
import { TargetResolver, type Runtime } from './runtime.ts';
import { QueryResponder } from './query.ts';
import { IncomingRouter } from './route.ts';
import { FeedbackSink } from './sink.ts';
import { SharedStates, SurfaceState } from './state.ts';
import type { MappingFile } from '../file/types.ts';

export { SurfaceState } from './state.ts';

const log = logger(import.meta.url);

export interface CompileOptions {
  /** The surface id; changes it makes carry origin `surface:<id>`. */
  readonly id: string;
  /** Time source for rate limits, acceleration and hold timers (tests inject a virtual one). */
  readonly scheduler?: SchedulerLike;
  /** Feedback messages per second per physical output; default: the mapping's feedbackRateHz. */
  readonly feedbackRateHz?: number;
}

export interface CompiledMapping {
  readonly state: SurfaceState;
  /** Sends every bound output's current value again. */
  resync(): void;
  dispose(): void;
}

export function compileMapping(mapping: MappingFile, store: ParamStore, transport: SurfaceTransport, opts: CompileOptions): CompiledMapping {
  const scheduler = opts.scheduler ?? asyncScheduler;
  const count = (pattern: string): number => store.registry.match(pattern).length;
  const state = new SurfaceState(mapping.state, { channels: count('/ch/*/fader'), buses: count('/bus/*/fader'), fx: count('/fx/*/fader') }, SharedStates.of(store));
  const root = new Subscription();
  const sink = new FeedbackSink(transport, opts.feedbackRateHz ?? mapping.feedbackRateHz, scheduler);
  const resync$ = new Subject<void>();
  const incoming$ = transport.incoming$.pipe(share());
  const router = new IncomingRouter(incoming$);
  const rt: Runtime = {
    store,
    transport,
    origin: `surface:${opts.id}`,
    scheduler,
    state,
    sink,
    resync$,
    incoming$,
    incomingFor: (source) => router.for(source),
    badInput: new RateLimitedLog(log, `surface ${opts.id}: input the mapping could not apply`),
  };

  // Before any feedback pipeline subscribes, so a resync is never deduplicated against stale state.
  root.add(resync$.subscribe(() => sink.forget()));
  const links: ControlLink[] = [];
  const queries = new QueryResponder(store, transport, mapping.replies);
  for (const inst of mapping.bindings) {
    const target = new TargetResolver(inst, rt);
    queries.add(inst, target);
    const link: ControlLink = { touched$: new BehaviorSubject(false), lastWrite: undefined, corrected$: new Subject<void>() };
    links.push(link);
    root.add(controlPipeline(inst, rt, target, link));
    root.add(feedbackPipeline(inst, rt, target, link));
  }
  root.add(router.start());
  if (!queries.empty) root.add(queries.listen(rt.incoming$, (m) => rt.badInput.hit(m)));
  root.add(state.changes$.subscribe(() => resync$.next()));
  // Before the resync below: a device query goes out ahead of everything a (re)connection resends.
  root.add(handshakePipeline(mapping.handshake, rt));
  root.add(
    transport.connected$.subscribe((up) => {
      if (up) resync$.next();
    }),
  );
  log.debug({ mapping: mapping.file, surface: opts.id, bindings: mapping.bindings.length }, 'mapping compiled');

  let disposed = false;
  return {
    state,
    resync: () => {
      if (!disposed) resync$.next();
    },
    dispose: () => {
      if (disposed) return;
      disposed = true;
      root.unsubscribe();
      sink.dispose();
      resync$.complete();
      for (const l of links) {
        l.touched$.complete();
        l.corrected$.complete();
      }
      state.dispose();
    },
  };
}
