/**
 * The feedback sink of one surface: every outgoing message passes here, is coalesced per physical
 * output (latest wins, at most `rateHz` per output) and sent. Temporary overlays (a value shown on a
 * scribble strip while its knob turns) hold back the output's normal text, which returns when the
 * overlay expires.
 *
 * The surface as a whole is paced too (the transport's `pace`, in bytes: a MIDI port, a serial line;
 * src/surfaces/pacing.ts): a recall or a resync changes every output at once, and a driver's buffer
 * or a 31250-baud line takes only so much. Within the pace messages leave at once; past it they wait,
 * one per output (latest wins, in the order the outputs first waited), and leave as the pace allows.
 */
import { Subject, Subscription, type SchedulerLike } from 'rxjs';
import type { SurfaceMessage, SurfaceTransport } from '../../surfaces/types.ts';
import type { Outgoing } from './codec.ts';
import { coalesceByKey } from './operators/coalesce.ts';
import { TokenBucket } from '../../surfaces/pacing.ts';

interface Queued extends Outgoing {
  readonly overlay: boolean;
}

export class FeedbackSink {
  private readonly queue = new Subject<Queued>();
  private readonly subscription: Subscription;
  private readonly lastSent = new Map<string, Outgoing>();
  private readonly overlays = new Map<string, Subscription>();
  private readonly bucket: TokenBucket | undefined;
  /** Messages past the pace: output key → latest message. Bounded by the number of outputs. */
  private readonly waiting = new Map<string, { readonly msg: SurfaceMessage; readonly except: string | undefined }>();
  private wake: Subscription | undefined;
  /** The most messages ever waiting for the pace (the bound, measured). */
  peakWaiting = 0;

  constructor(
    private readonly transport: SurfaceTransport,
    rateHz: number,
    private readonly scheduler: SchedulerLike,
  ) {
    this.subscription = this.queue
      .pipe(coalesceByKey((o) => (o.overlay ? `${o.key}#overlay` : o.key), 1000 / rateHz, scheduler))
      .subscribe((o) => this.deliver(o));
    if (transport.pace) this.bucket = new TokenBucket(transport.pace, () => scheduler.now());
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
      if (base) this.emit(o.key, base.msg, base.except);
    }, holdMs);
    this.overlays.set(o.key, timer);
    this.subscription.add(timer);
    this.queue.next({ ...o, overlay: true });
  }

  private deliver(o: Queued): void {
    if (o.overlay) {
      if (this.overlays.has(o.key)) this.emit(o.key, o.msg, undefined);
      return;
    }
    const last = this.lastSent.get(o.key);
    if (o.dedupe && !o.force && last && sameMessage(last.msg, o.msg) && last.except === o.except) return;
    this.lastSent.set(o.key, o);
    if (this.overlays.has(o.key)) return;
    this.emit(o.key, o.msg, o.except);
  }

  /** Sends now within the pace, else waits in line (one per output, the latest winning). */
  private emit(key: string, msg: SurfaceMessage, except: string | undefined): void {
    if (!this.bucket || (this.waiting.size === 0 && this.bucket.take(messageBytes(msg)))) {
      this.transport.send(msg, except !== undefined ? { except } : undefined);
      return;
    }
    this.waiting.set(key, { msg, except });
    if (this.waiting.size > this.peakWaiting) this.peakWaiting = this.waiting.size;
    this.schedule();
  }

  private schedule(): void {
    if (this.wake || !this.bucket) return;
    const first = this.waiting.values().next();
    if (first.done) return;
    const timer = this.scheduler.schedule(() => {
      this.subscription.remove(timer);
      this.wake = undefined;
      this.drain();
    }, this.bucket.waitMs(messageBytes(first.value.msg)));
    this.wake = timer;
    this.subscription.add(timer);
  }

  private drain(): void {
    // Read once: what the bucket holds now, not what comes while this loop runs.
    const bucket = this.bucket!;
    const full = bucket.idle;
    let budget = bucket.available();
    let spent = 0;
    for (const [key, w] of this.waiting) {
      const cost = messageBytes(w.msg);
      // One message larger than the whole burst still goes, alone, on a full bucket.
      if (cost > budget && !(full && spent === 0)) break;
      budget -= cost;
      spent += cost;
      this.waiting.delete(key);
      this.transport.send(w.msg, w.except !== undefined ? { except: w.except } : undefined);
    }
    bucket.spend(spent);
    this.schedule();
  }

  /** Messages waiting for the pace now. */
  get pending(): number {
    return this.waiting.size;
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
    this.waiting.clear();
    this.wake = undefined;
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

/** What a message costs a byte-paced surface: its bytes on the wire (framing included, roughly). */
function messageBytes(msg: SurfaceMessage): number {
  switch (msg.kind) {
    case 'midi':
      return msg.data.length;
    case 'frame':
      return msg.data.length + 2;
    case 'line':
      return msg.text.length + 2;
    default:
      return 1;
  }
}
