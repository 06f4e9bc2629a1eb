/**
 * Pacing of feedback per destination. A scene recall, a session reload or a surface's resync
 * changes every param at once; sent in one turn of the event loop that is hundreds to thousands of
 * messages, and a tablet's UDP receive buffer (or a MIDI driver's, or a serial line at 31250 baud)
 * keeps only the first few: its faders stay on the old mix. So each destination gets a token bucket:
 * `burst` units leave at once (a fader moving, a meter frame: normal operation is never slowed), the
 * rest at `rate` per second, waiting coalesced by key in their queue meanwhile (latest value wins,
 * so what waits is bounded by the number of distinct outputs and the final state always arrives).
 *
 * The unit is what the receiver pays for: a datagram for OSC over UDP (a bundle is one, whatever it
 * holds: the kernel charges about 1 KB of receive buffer per datagram however small), a message for
 * WebSocket, a byte for MIDI and serial lines.
 *
 *   const bucket = new TokenBucket({ burst: 32, rate: 2000 }, Date.now);
 *   if (bucket.take()) send(); else setTimeout(retry, bucket.waitMs());
 */
import { z } from 'zod';

export interface Pace {
  /** Units that may leave at once after a quiet moment. */
  readonly burst: number;
  /** Units per second once the burst is spent. */
  readonly rate: number;
}

/**
 * The `pacing` setting of a session's listener or a mapping's device: `false` sends as fast as
 * feedback comes (a client known to keep up), an object overrides the transport's defaults.
 * `bundle` (OSC over UDP): several messages per datagram, up to `bundleBytes`.
 */
export const PacingSchema = z.union([
  z.literal(false),
  z.strictObject({
    rate: z.number().positive().max(10_000_000).optional(),
    burst: z.number().int().min(1).max(1_000_000).optional(),
    bundle: z.boolean().optional(),
    bundleBytes: z.number().int().min(64).max(65_000).optional(),
  }),
]);
export type PacingSetting = z.infer<typeof PacingSchema>;

/** Pacing where bundles cannot be sent (an X32's clients expect plain messages, as the console sends). */
export const PaceOnlySchema = z.union([z.literal(false), z.strictObject({ rate: z.number().positive().max(10_000_000).optional(), burst: z.number().int().min(1).max(1_000_000).optional() })]);

/** A settled pacing: `pace` undefined means unpaced. */
export interface Pacing {
  readonly pace: Pace | undefined;
  readonly bundleBytes: number;
}

/**
 * Defaults per transport. UDP: 16 datagrams at once fit the smallest receive buffers met in practice
 * (a socket asked for 8 KB holds 19 small datagrams on Linux; phones and tablets hold ~200 KB), then
 * 2,000 datagrams per second, which any client on a LAN reads (meters of 40 strips at 30 Hz are 1,200). A recall of 3,000 params unbundled
 * takes 1.5 s; bundled (40 params per datagram) well under a tenth of that. WebSocket: TCP paces
 * itself and a client that does not drain is held by the outbox; the bucket only spreads a burst.
 * MIDI, in bytes: 2 KB at once (a Mackie Control's whole bank: faders, LEDs, rings, both LCD lines),
 * then 6,250 bytes per second, twice a DIN port's wire rate (USB ports are faster; an ALSA rawmidi
 * buffer holds 4 KB). Serial, in bytes: the line's own rate at 10 bits per byte, 256 bytes at once.
 */
export const DEFAULT_PACE = {
  udp: { burst: 16, rate: 2000 },
  ws: { burst: 512, rate: 20_000 },
  midi: { burst: 2048, rate: 6250 },
} as const satisfies Record<string, Pace>;

/** A serial line's pace in bytes: what it carries per second, a 256-byte burst (a UART's FIFO and the OS buffer). */
export function serialPace(baudRate: number): Pace {
  return { burst: 256, rate: Math.max(1, Math.floor(baudRate / 10)) };
}

/**
 * What a datagram of `bytes` costs a receiver, in small datagrams, with a margin: Linux charges each
 * its size plus several hundred bytes of bookkeeping (a socket asked for 8 KB holds 19 datagrams of
 * 40 bytes, 6 or 7 of 1400). A 1400-byte bundle costs 3.
 */
export function datagramCost(bytes: number): number {
  return Math.max(1, (bytes + 700) / 700);
}

/** The largest bundle sent by default: fits an Ethernet or Wi-Fi frame unfragmented. */
export const DEFAULT_BUNDLE_BYTES = 1400;

/** Settles a pacing setting against the transport's default (`bundle` only where it means something). */
export function resolvePacing(setting: PacingSetting | undefined, fallback: Pace): Pacing {
  if (setting === false) return { pace: undefined, bundleBytes: 0 };
  const s = setting ?? {};
  return {
    pace: { burst: s.burst ?? fallback.burst, rate: s.rate ?? fallback.rate },
    bundleBytes: s.bundle ? (s.bundleBytes ?? DEFAULT_BUNDLE_BYTES) : 0,
  };
}

export class TokenBucket {
  private tokens: number;
  private at: number;

  constructor(
    private readonly pace: Pace,
    private readonly now: () => number,
  ) {
    this.tokens = pace.burst;
    this.at = now();
  }

  private refill(): void {
    const t = this.now();
    if (t > this.at) this.tokens = Math.min(this.pace.burst, this.tokens + ((t - this.at) * this.pace.rate) / 1000);
    this.at = t;
  }

  /** Takes `cost` units if they are there. One larger than the burst passes when the bucket is full. */
  take(cost = 1): boolean {
    this.refill();
    if (this.tokens >= cost || this.tokens >= this.pace.burst) {
      this.tokens -= cost;
      return true;
    }
    return false;
  }

  /**
   * Takes as many `cost`-unit sends as there are tokens now, up to `max`, and returns how many. A
   * drain sends that many and no more: tokens that come while a slow loop runs are not spent in it,
   * so one turn of the event loop never sends more than the burst.
   */
  grant(max: number, cost = 1): number {
    this.refill();
    let n = Math.min(max, Math.floor(this.tokens / cost));
    if (n === 0 && max > 0 && this.tokens >= this.pace.burst) n = 1;
    this.tokens -= n * cost;
    return n;
  }

  /** The units there now (a drain of varying costs reads this once, then spends what it sent). */
  available(): number {
    this.refill();
    return this.tokens;
  }

  /** Spends units (possibly into debt: an item larger than the burst, sent on a full bucket). */
  spend(units: number): void {
    this.tokens -= units;
  }

  /** Gives back units granted but not used. */
  refund(units: number): void {
    this.tokens = Math.min(this.pace.burst, this.tokens + units);
  }

  /** Milliseconds until `cost` units are there (at least 1). */
  waitMs(cost = 1): number {
    this.refill();
    const need = Math.min(cost, this.pace.burst) - this.tokens;
    return Math.max(1, Math.ceil((need * 1000) / this.pace.rate));
  }

  /** Whether the bucket is full again (its owner may forget it). */
  get idle(): boolean {
    this.refill();
    return this.tokens >= this.pace.burst;
  }
}

