/**
 * The null backend's clock: a drift-free timer for headless boxes and tests. Block n is due at
 * t0 + n·blockPeriod (absolute, so timer jitter never accumulates); a late timer catches up by
 * rendering every due block; far behind (a suspended machine), it drops the backlog and re-anchors.
 */
import { performance } from 'node:perf_hooks';

export interface ClockedRunner {
  readonly blockPeriodMs: number;
  /** Renders one block; returns the time it finished, in the clock's time base (ms). */
  runBlock(): number;
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
  readonly now?: () => number;
  readonly setTimer?: (fn: () => void, ms: number) => unknown;
  readonly clearTimer?: (handle: unknown) => void;
}

export class NullClock {
  private t0 = 0;
  private n = 0;
  private timer: unknown = undefined;
  private running = false;
  private readonly now: () => number;
  private readonly setTimer: (fn: () => void, ms: number) => unknown;
  private readonly clearTimer: (handle: unknown) => void;
  private readonly slackMs: number;
  private readonly maxBacklogMs: number;
  private readonly tick = (): void => this.onTimer();

  constructor(
    private readonly runner: ClockedRunner,
    private readonly opts: NullClockOptions = {},
  ) {
    this.now = opts.now ?? (() => performance.now());
    this.setTimer = opts.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
    this.clearTimer = opts.clearTimer ?? ((h) => clearTimeout(h as NodeJS.Timeout));
    this.slackMs = opts.slackMs ?? Math.max(10, 2 * runner.blockPeriodMs);
    this.maxBacklogMs = opts.maxBacklogMs ?? 250;
  }

  get isRunning(): boolean {
    return this.running;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.t0 = this.now();
    this.n = 0;
    this.onTimer();
  }

  stop(): void {
    this.running = false;
    if (this.timer !== undefined) this.clearTimer(this.timer);
    this.timer = undefined;
  }

  private onTimer(): void {
    this.timer = undefined;
    if (!this.running) return;
    const period = this.runner.blockPeriodMs;
    let now = this.now();
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
      const end = this.runner.runBlock();
      if (end > due + this.slackMs) this.runner.markLate();
      this.n++;
      due = this.t0 + this.n * period;
      now = end;
    }
    if (this.running) this.timer = this.setTimer(this.tick, Math.max(0, due - this.now()));
  }
}
