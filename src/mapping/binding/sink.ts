/**
 * The feedback sink of one surface: every outgoing message passes here, is coalesced per physical
 * output (latest wins, at most `rateHz` per output) and sent. Temporary overlays (a value shown on a
 * scribble strip while its knob turns) hold back the output's normal text, which returns when the
 * overlay expires.
 */
import { Subject, Subscription, type SchedulerLike } from 'rxjs';
import type { SurfaceMessage, SurfaceTransport } from '../../surfaces/types.ts';
import type { Outgoing } from './codec.ts';
import { coalesceByKey } from './operators/coalesce.ts';

interface Queued extends Outgoing {
  readonly overlay: boolean;
}

export class FeedbackSink {
  private readonly queue = new Subject<Queued>();
  private readonly subscription: Subscription;
  private readonly lastSent = new Map<string, Outgoing>();
  private readonly overlays = new Map<string, Subscription>();

  constructor(
    private readonly transport: SurfaceTransport,
    rateHz: number,
    private readonly scheduler: SchedulerLike,
  ) {
    this.subscription = this.queue
      .pipe(coalesceByKey((o) => (o.overlay ? `${o.key}#overlay` : o.key), 1000 / rateHz, scheduler))
      .subscribe((o) => this.deliver(o));
  }

  send(o: Outgoing): void {
    this.queue.next({ ...o, overlay: false });
  }

  /** Shows `o` for `holdMs` (renewed by each call), then restores the output's normal content. */
  overlay(o: Outgoing, holdMs: number): void {
    this.overlays.get(o.key)?.unsubscribe();
    const timer = this.scheduler.schedule(() => {
      this.overlays.delete(o.key);
      this.subscription.remove(timer);
      const base = this.lastSent.get(o.key);
      if (base) this.transport.send(base.msg, base.except !== undefined ? { except: base.except } : undefined);
    }, holdMs);
    this.overlays.set(o.key, timer);
    this.subscription.add(timer);
    this.queue.next({ ...o, overlay: true });
  }

  private deliver(o: Queued): void {
    if (o.overlay) {
      if (this.overlays.has(o.key)) this.transport.send(o.msg);
      return;
    }
    const last = this.lastSent.get(o.key);
    if (o.dedupe && !o.force && last && sameMessage(last.msg, o.msg) && last.except === o.except) return;
    this.lastSent.set(o.key, o);
    if (this.overlays.has(o.key)) return;
    this.transport.send(o.msg, o.except !== undefined ? { except: o.except } : undefined);
  }

  /** Forgets what each output shows (a resync follows: the device may have been reset). */
  forget(): void {
    this.lastSent.clear();
  }

  dispose(): void {
    this.subscription.unsubscribe();
    this.queue.complete();
    this.overlays.clear();
    this.lastSent.clear();
  }
}

function sameMessage(a: SurfaceMessage, b: SurfaceMessage): boolean {
  if (a.kind === 'midi' || a.kind === 'frame') {
    if (b.kind !== a.kind || a.data.length !== b.data.length) return false;
    for (let i = 0; i < a.data.length; i++) if (a.data[i] !== b.data[i]) return false;
    return true;
  }
  if (a.kind === 'line') return b.kind === 'line' && a.text === b.text;
  return b.kind === 'osc' && a.address === b.address && JSON.stringify(a.args) === JSON.stringify(b.args);
}
