/**
 * Notices a device that stopped calling back. A vanished device (JACK gone, USB unplugged) often gives
 * no error at all: the blocks just stop. The engine worker looks at the block count every CHECK_MS;
 * when it has not moved for STALL_MS, the device counts as failed and the engine falls back to the
 * null clock. The last block came after the check before the one that saw the count move, so the
 * silence before the fallback is at most STALL_MS + CHECK_MS by the watchdog's clock: the README's
 * "within about two seconds".
 *
 * The clock is injected. By default it is the wall clock, so a loaded machine that runs the timer late
 * falls back late too; `FADERD_WATCHDOG_CLOCK=ticks` makes each check count as exactly CHECK_MS, so a
 * test can check the rule's bound (reported in the failure reason) without depending on the machine's
 * load.
 */

/** How long without a block before the device counts as gone. */
export const STALL_MS = 1000;
/** How often the block count is looked at. */
export const CHECK_MS = 250;

export type WatchdogClock = () => number;

/** The clock named by FADERD_WATCHDOG_CLOCK: `ticks` (one CHECK_MS per check, for tests) or the wall clock. */
export function watchdogClock(name: string | undefined = process.env.FADERD_WATCHDOG_CLOCK): WatchdogClock {
  if (name !== 'ticks') return Date.now;
  let ticks = 0;
  return () => ticks++ * CHECK_MS;
}

export class DeviceWatchdog {
  private lastBlocks = -1;
  /** When the check before the one that last saw the count move ran: the last block came after it. */
  private silentSince = 0;
  /** When the count last moved (or the watch began), by the check that saw it. */
  private movedAt = 0;
  private lastCheck: number | undefined;

  constructor(
    private readonly now: WatchdogClock = Date.now,
    private readonly stallMs: number = STALL_MS,
  ) {}

  /**
   * One check, with the device's block count, or undefined while there is no device to watch (which
   * starts a fresh watch for the next one). Returns the silence before the failure (ms, an upper
   * bound) when the device counts as gone, else undefined. Reads the clock once per call, so the tick
   * clock advances by one check.
   */
  check(blocks: number | undefined): number | undefined {
    const now = this.now();
    const prev = this.lastCheck ?? now;
    this.lastCheck = now;
    if (blocks === undefined) {
      this.lastBlocks = -1;
      return undefined;
    }
    if (blocks !== this.lastBlocks) {
      this.lastBlocks = blocks;
      this.movedAt = now;
      this.silentSince = prev;
      return undefined;
    }
    return now - this.movedAt >= this.stallMs ? now - this.silentSince : undefined;
  }
}
