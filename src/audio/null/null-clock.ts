/**
 * The null backend's clock: a drift-free timer for headless boxes and tests. Block n is due at
 * t0 + n·blockPeriod (absolute, so timer jitter never accumulates); a late timer catches up by
 * rendering every due block; far behind (a suspended machine), it drops the backlog and re-anchors.
 *
 * Allocation-free once running: time is read through the block runner's clock into a Float64Array
 * (performance.now() returns a boxed double on Node 20), and the timer is not a new setTimeout per
 * wake-up (~180 bytes each) but one, re-armed with refresh() (see RefreshTimer).
 */
import { blockClock, type BlockClock } from '../../engine/worker/clock.ts';

export interface ClockedRunner {
  readonly blockPeriodMs: number;
  /** Renders one block (the clock reads the time it finished itself). */
  runBlock(): unknown;
  markLate(): void;
  markDropped(n: number): void;
}

export interface NullClockOptions {
  /** Output buffering a block may use before it counts as late (a virtual device's latency). */
  readonly slackMs?: number;
  /** Beyond this backlog, blocks are dropped instead of caught up. */
  readonly maxBacklogMs?: number;
  /** Called before each block (fills the inputs: demo signal or silence). */
  readonly beforeBlock?: () => void;
  /** Time in ms (tests); default: the allocation-free native clock of engine/worker/clock.ts. */
  readonly now?: () => number;
  /**
   * Time in ms written into out[index] (tests that weigh allocation: a double returned by `now` is
   * boxed when the call is not inlined); takes precedence over `now`.
   */
  readonly clock?: BlockClock;
  /** Both or neither (tests): a timer per wake-up instead of the refreshed ones. */
  readonly setTimer?: (fn: () => void, ms: number) => unknown;
  readonly clearTimer?: (handle: unknown) => void;
}

/**
 * One Node Timeout, re-armed with refresh() at every wake-up: setTimeout would build a new Timeout
 * each time (~180 bytes). Its delay is fixed, whole milliseconds (Node's timers have a resolution of
 * one ms) at most one block period: a refresh() from inside the callback goes back into the timer
 * list being run, where a different delay would make Node build a new list for it every time. The
 * clock wakes at least once per block and renders what is due by its absolute schedule, so the
 * rounding costs no accuracy, only an occasional wake-up with nothing to do.
 */
export class RefreshTimer {
  private timer: NodeJS.Timeout | undefined;
  private pending = false;
  /** Timeout objects made (tests: one per start, not one per wake-up). */
  made = 0;

  constructor(
    private readonly fn: () => void,
    readonly delayMs: number,
  ) {}

  /** Fires `fn` once, delayMs from now. */
  schedule(): void {
    if (this.timer === undefined) {
      this.timer = setTimeout(this.fn, this.delayMs);
      this.made++;
    } else {
      this.timer.refresh();
    }
    this.pending = true;
  }

  /** Called by the owner when its timer fired (nothing is pending any more). */
  fired(): void {
    this.pending = false;
  }

  cancel(): void {
    if (!this.pending) return;
    // A cleared Timeout cannot be refreshed (Node marks its delay -1): it is dropped and made anew.
    clearTimeout(this.timer);
    this.timer = undefined;
    this.pending = false;
  }
}

export class NullClock {
  private t0 = 0;
  private n = 0;
  private running = false;
  /** [0]: the time just read (ms). */
  private readonly time = new Float64Array(1);
  private readonly clock: BlockClock;
  private readonly timers: RefreshTimer | undefined;
  private handle: unknown = undefined;
  private readonly slackMs: number;
  private readonly maxBacklogMs: number;
  private readonly tick = (): void => this.onTimer();
  /** Timer wake-ups so far (tests weigh allocation per wake-up). */
  wakes = 0;

  constructor(
    private readonly runner: ClockedRunner,
    private readonly opts: NullClockOptions = {},
  ) {
    const now = opts.now;
    this.clock = opts.clock ?? (now ? (out, i) => void (out[i] = now()) : blockClock());
    this.timers = opts.setTimer && opts.clearTimer ? undefined : new RefreshTimer(this.tick, Math.max(1, Math.floor(runner.blockPeriodMs)));
    this.slackMs = opts.slackMs ?? Math.max(10, 2 * runner.blockPeriodMs);
    this.maxBacklogMs = opts.maxBacklogMs ?? 250;
  }

  get isRunning(): boolean {
    return this.running;
  }

  /** Timeout objects the clock has made (see RefreshTimer); 0 with injected timers. */
  get timersMade(): number {
    return this.timers?.made ?? 0;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.t0 = this.read();
    this.n = 0;
    this.onTimer();
  }

  stop(): void {
    this.running = false;
    if (this.timers) this.timers.cancel();
    else if (this.handle !== undefined) this.opts.clearTimer!(this.handle);
    this.handle = undefined;
  }

  private read(): number {
    this.clock(this.time, 0);
    return this.time[0]!;
  }

  private onTimer(): void {
    this.timers?.fired();
    this.handle = undefined;
    this.wakes++;
    if (!this.running) return;
    const period = this.runner.blockPeriodMs;
    this.clock(this.time, 0);
    let now = this.time[0]!;
    let due = this.t0 + this.n * period;
    if (now - due > this.maxBacklogMs) {
      const skipped = Math.floor((now - due) / period);
      this.runner.markDropped(skipped);
      this.n += skipped;
      due = this.t0 + this.n * period;
    }
    // An engine slower than real time would never catch up: after a backlog's worth of blocks the
    // timer yields (messages get through) and the next call drops what is still behind.
    let budget = Math.max(1, Math.ceil(this.maxBacklogMs / period));
    while (due <= now && this.running && budget-- > 0) {
      this.opts.beforeBlock?.();
      this.runner.runBlock();
      this.clock(this.time, 0);
      const end = this.time[0]!;
      if (end > due + this.slackMs) this.runner.markLate();
      this.n++;
      due = this.t0 + this.n * period;
      now = end;
    }
    if (!this.running) return;
    if (this.timers) return this.timers.schedule();
    this.clock(this.time, 0);
    const wait = due - this.time[0]!;
    this.handle = this.opts.setTimer!(this.tick, wait > 0 ? wait : 0);
  }
}
