/**
 * The surface-side contract: what every transport (MIDI, OSC, serial, in-memory) offers the mapping
 * layer. Transports know nothing of params; they move messages and report connection state.
 */
import type { Observable } from 'rxjs';
import type { Pace, PacingSetting } from './pacing.ts';

/** OSC 1.0 argument as osc.js represents it with `metadata: true`. */
export interface OscArg {
  readonly type: 'i' | 'f' | 's' | 'b' | 'h' | 't' | 'd' | 'S' | 'c' | 'r' | 'm' | 'T' | 'F' | 'N' | 'I';
  readonly value?: unknown;
}

export type SurfaceMessage =
  /** One complete MIDI message: status byte first (running status already expanded); SysEx is F0 … F7. */
  | { readonly kind: 'midi'; readonly data: Uint8Array; readonly peer?: string }
  /** One OSC message (bundles are already unpacked); `peer` is the remote "host:port" it came from or goes to. */
  | { readonly kind: 'osc'; readonly address: string; readonly args: readonly OscArg[]; readonly peer?: string }
  /** One line of a text-line serial protocol, without its terminator. */
  | { readonly kind: 'line'; readonly text: string; readonly peer?: string }
  /** One binary frame (SLIP-decoded) of a serial protocol. */
  | { readonly kind: 'frame'; readonly data: Uint8Array; readonly peer?: string };

export type TransportKind = 'midi' | 'osc' | 'serial' | 'memory';

export interface SendOptions {
  /** Send only to this peer (OSC query replies). */
  readonly to?: string;
  /** Send to every subscribed peer except this one (the peer that caused the change). */
  readonly except?: string;
}

export interface SurfaceTransport {
  readonly id: string;
  readonly kind: TransportKind;
  /** Messages from the device, decoded and framed. Never errors: bad bytes are dropped and counted. */
  readonly incoming$: Observable<SurfaceMessage>;
  /** Connection state; emits the current state on subscribe. A reconnect emits true again (resync then). */
  readonly connected$: Observable<boolean>;
  /** Queues a message for the device. Never throws; dropped (and counted) while disconnected. */
  send(msg: SurfaceMessage, opts?: SendOptions): void;
  /** Counters for status output: messages in/out, dropped, decode errors. */
  stats(): TransportStats;
  /**
   * The pace the feedback sink holds the whole surface to, in bytes (src/surfaces/pacing.ts); none:
   * the transport paces itself (OSC: per client) or needs none.
   */
  readonly pace?: Pace;
  close(): Promise<void>;
}

export interface TransportStats {
  received: number;
  sent: number;
  dropped: number;
  errors: number;
}

/**
 * How a mapping file says where its device is. Port-name patterns are case-insensitive substrings,
 * or a regular expression written `/…/`.
 */
export type SurfaceDeviceSpec =
  | {
      readonly transport: 'midi';
      /** Input and output port name patterns (an output defaults to the input's pattern). */
      readonly input?: string;
      readonly output?: string;
      /** Open a virtual port pair with this name where the platform offers them. */
      readonly virtual?: string;
      /** Feedback pace in bytes (src/surfaces/pacing.ts); false: unpaced. */
      readonly pacing?: PacingSetting;
    }
  | {
      readonly transport: 'osc';
      /** Local listening address and port for this surface (a dialect such as X32 on 10023). */
      readonly host?: string;
      readonly port?: number;
      /** A fixed remote to send feedback to (a tablet that does not subscribe). */
      readonly remoteHost?: string;
      readonly remotePort?: number;
      /** Address whose receipt (re)subscribes the sender to feedback, e.g. `/xremote`. */
      readonly renew?: string;
      /** A subscriber that does not renew within this time is dropped (X32: 10 s). */
      readonly subscriptionTimeoutMs?: number;
      /** Client addresses/subnets allowed when listening beyond loopback. */
      readonly allow?: readonly string[];
      /** Feedback pace per client in datagrams, and bundling (src/surfaces/pacing.ts); false: unpaced. */
      readonly pacing?: PacingSetting;
    }
  | {
      readonly transport: 'serial';
      readonly path?: string;
      /** USB ids (hex strings, e.g. "2341"), used when no path is given. */
      readonly vendorId?: string;
      readonly productId?: string;
      readonly baudRate?: number;
      /** `lines`: text lines; `slip`: SLIP frames; `midi`: raw MIDI bytes (with running status). */
      readonly framing: 'lines' | 'slip' | 'midi';
      readonly lineEnding?: '\n' | '\r\n' | '\r';
      /** Longest accepted line/frame in bytes; longer input is dropped and counted. */
      readonly maxFrame?: number;
      /** Feedback pace in bytes; default the line's rate (src/surfaces/pacing.ts); false: unpaced. */
      readonly pacing?: PacingSetting;
    }
  | { readonly transport: 'memory' };
