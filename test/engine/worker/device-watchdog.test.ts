/**
 * The vanished-device rule on a tick clock (each check exactly CHECK_MS): the device counts as gone
 * after STALL_MS without a block, never before, and the silence reported bounds the time from the last
 * block (which came after the check before the one that saw the count move) to the switch.
 */
import { describe, expect, it } from 'vitest';
import { CHECK_MS, DeviceWatchdog, STALL_MS, watchdogClock } from '../../../src/engine/worker/device-watchdog.ts';

/** Runs checks with the given block counts, returning the first check index (and its report) that fails the device. */
function firstFailure(counts: (number | undefined)[]): { at: number; silentMs: number } | undefined {
  const w = new DeviceWatchdog(watchdogClock('ticks'));
  for (let i = 0; i < counts.length; i++) {
    const s = w.check(counts[i]);
    if (s !== undefined) return { at: i, silentMs: s };
  }
  return undefined;
}

describe('DeviceWatchdog', () => {
  it('fails a device whose blocks stop, a second after the check that last saw one, reporting the worst case', () => {
    // Blocks move for 8 checks (2 s), then stop: the last move is seen at check 7, the last block came
    // after check 6, and the device counts as gone a second of checks after check 7.
    const counts = [...Array.from({ length: 8 }, (_, i) => i * 100), ...Array<number>(20).fill(700)];
    const f = firstFailure(counts)!;
    expect(f.at).toBe(7 + STALL_MS / CHECK_MS);
    expect(f.silentMs).toBe(STALL_MS + CHECK_MS);
    expect(f.silentMs).toBeLessThanOrEqual(2000); // README: "within about two seconds"
  });

  it('never fails a device that keeps delivering, however slowly between checks', () => {
    expect(firstFailure(Array.from({ length: 100 }, (_, i) => i))).toBeUndefined();
  });

  it('starts a fresh watch when the device comes back, and watches nothing without a device', () => {
    // Stalled for long with no device (undefined), then a device that delivers once and stalls.
    const counts = [...Array<undefined>(30).fill(undefined), 5, ...Array<number>(10).fill(5)];
    const f = firstFailure(counts)!;
    expect(f.at).toBe(30 + STALL_MS / CHECK_MS);
    expect(f.silentMs).toBe(STALL_MS + CHECK_MS);
  });

  it('takes the wall clock unless told ticks', () => {
    expect(watchdogClock(undefined)).toBe(Date.now);
    const t = watchdogClock('ticks');
    expect([t(), t(), t()]).toEqual([0, CHECK_MS, 2 * CHECK_MS]);
  });
});
