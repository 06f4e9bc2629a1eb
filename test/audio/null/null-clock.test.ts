import { describe, expect, it } from 'vitest';
import { NullClock, type ClockedRunner } from '../../../src/audio/null/null-clock.ts';

/** Fake time: timers fire when the test advances the clock; blocks take `costMs` each. */
function rig(periodMs: number, costMs = 0.1) {
  let now = 1000;
  let timer: { at: number; fn: () => void } | undefined;
  const due: number[] = [];
  const runner: ClockedRunner & { late: number; dropped: number } = {
    blockPeriodMs: periodMs,
    late: 0,
    dropped: 0,
    runBlock() {
      due.push(now);
      now += costMs;
      return now;
    },
    markLate() {
      this.late++;
    },
    markDropped(n: number) {
      this.dropped += n;
    },
  };
  const clock = new NullClock(runner, {
    now: () => now,
    setTimer: (fn, ms) => (timer = { at: now + ms, fn }),
    clearTimer: () => (timer = undefined),
  });
  /** Runs timers up to `t`, firing each `jitterMs` after it was asked for. */
  const advanceTo = (t: number, jitterMs = 0) => {
    while (timer && timer.at + jitterMs <= t) {
      const tm = timer;
      timer = undefined;
      now = Math.max(now, tm.at + jitterMs);
      tm.fn();
    }
    now = Math.max(now, t);
  };
  return { clock, runner, due, advanceTo, setNow: (t: number) => (now = t), get now() { return now; } };
}

describe('NullClock', () => {
  it('renders exactly one block per period from an absolute start: timer jitter never accumulates', () => {
    const r = rig(128 / 48);
    r.clock.start();
    r.advanceTo(1000 + 10_000, 0.7);
    // 10 s at 2.667 ms per block: blocks 0..3749; block 3750, due at exactly 10 s, fires 0.7 ms later.
    expect(r.due.length).toBe(3750);
    // Each block ran within the timer's jitter of its absolute due time.
    r.due.forEach((t, n) => expect(t - (1000 + (n * 128) / 48)).toBeLessThan(0.7 + 0.1 + 1e-9));
    expect(r.runner.late).toBe(0);
    r.clock.stop();
    r.advanceTo(1000 + 20_000);
    expect(r.due.length).toBe(3750);
  });

  it('catches up after a late timer, counting blocks that missed their slack as late', () => {
    const r = rig(2);
    r.clock.start();
    r.advanceTo(1100);
    const before = r.due.length;
    r.setNow(1100 + 40); // the timer fires 40 ms late
    r.advanceTo(1200);
    expect(r.due.length - before).toBe(50);
    expect(r.runner.late).toBeGreaterThan(0);
    expect(r.runner.dropped).toBe(0);
  });

  it('drops a backlog beyond maxBacklog instead of racing through it', () => {
    const r = rig(2);
    r.clock.start();
    r.advanceTo(1010);
    r.setNow(1010 + 5000); // the machine was suspended
    r.advanceTo(1010 + 5000);
    expect(r.runner.dropped).toBeGreaterThan(2000);
    expect(r.due.length).toBeLessThan(20);
  });

  it('yields to the event loop when the engine is slower than real time, then drops what it cannot render', () => {
    // Each block costs 1.5 periods: without a budget one timer call would render forever.
    const r = rig(2, 3);
    r.clock.start();
    let calls = 0;
    for (let t = 1000; t < 3000 && calls < 1000; t += 50) {
      r.advanceTo(t);
      calls++;
    }
    // One timer call renders at most a backlog's worth (250 ms / 2 ms) of blocks before yielding.
    expect(r.due.length).toBeGreaterThan(100);
    expect(r.due.length).toBeLessThan(2000 / 3 + 130);
    expect(r.runner.dropped).toBeGreaterThan(0);
    expect(r.runner.late).toBeGreaterThan(0);
  });
});
