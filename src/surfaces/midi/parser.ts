/**
 * MIDI 1.0 byte-stream parser: turns the bytes a DIN/USB-serial device sends into complete messages.
 * Handles running status (a data byte where a status is due repeats the last channel status),
 * real-time bytes (0xF8-0xFF) anywhere, even inside another message, without disturbing it, and
 * SysEx split across reads, with a size cap so a missing F7 cannot grow memory forever.
 *
 *   const p = new MidiParser({ onMessage: (m) => ... });
 *   p.push(Uint8Array.of(0x90, 60, 100, 62, 0xf8, 90)); // note on 60, clock, note on 62 (running status)
 */

export interface MidiParserOptions {
  /** Called with each complete message (status first; SysEx as F0 … F7). The array is the caller's to keep. */
  readonly onMessage: (data: Uint8Array) => void;
  /** Pass real-time bytes (clock, start, stop, active sensing...) on as one-byte messages; default true. */
  readonly realtime?: boolean;
  /** Longest SysEx accepted, F0 and F7 included; longer ones are dropped and counted. Default 65536. */
  readonly maxSysex?: number;
}

/** Number of data bytes after a status byte, or -1 for SysEx (variable). */
export function dataLength(status: number): number {
  if (status < 0xf0) {
    const hi = status & 0xf0;
    return hi === 0xc0 || hi === 0xd0 ? 1 : 2;
  }
  switch (status) {
    case 0xf0:
      return -1;
    case 0xf1:
    case 0xf3:
      return 1;
    case 0xf2:
      return 2;
    default:
      return 0;
  }
}

export class MidiParser {
  private readonly onMessage: (data: Uint8Array) => void;
  private readonly realtime: boolean;
  private readonly maxSysex: number;
  /** Status of the message in progress (0: none). */
  private status = 0;
  /** Last channel status, for running status; cleared by system common and SysEx. */
  private running = 0;
  private readonly data = new Uint8Array(2);
  private count = 0;
  private sysex: number[] = [];
  private inSysex = false;
  private sysexOverflow = false;
  /** Stray data bytes, truncated messages and over-long SysEx. */
  errors = 0;
  messages = 0;

  constructor(opts: MidiParserOptions) {
    this.onMessage = opts.onMessage;
    this.realtime = opts.realtime ?? true;
    this.maxSysex = opts.maxSysex ?? 65536;
  }

  push(bytes: ArrayLike<number>): void {
    for (let i = 0; i < bytes.length; i++) this.byte(bytes[i]! & 0xff);
  }

  /** Forgets any message in progress (after a reconnect, say). */
  reset(): void {
    this.status = 0;
    this.running = 0;
    this.count = 0;
    this.inSysex = false;
    this.sysex = [];
    this.sysexOverflow = false;
  }

  private emit(data: Uint8Array): void {
    this.messages++;
    this.onMessage(data);
  }

  private byte(b: number): void {
    if (b >= 0xf8) {
      if (this.realtime) this.emit(Uint8Array.of(b));
      return;
    }
    if (this.inSysex) {
      if (b < 0x80) {
        if (this.sysex.length < this.maxSysex - 1) this.sysex.push(b);
        else this.sysexOverflow = true;
        return;
      }
      // Any status ends a SysEx; only F7 ends it well.
      this.inSysex = false;
      if (b === 0xf7 && !this.sysexOverflow) {
        this.sysex.push(0xf7);
        this.emit(Uint8Array.from(this.sysex));
      } else this.errors++;
      this.sysex = [];
      this.sysexOverflow = false;
      if (b === 0xf7) return;
    }
    if (b >= 0x80) {
      if (this.status !== 0 && this.count > 0) this.errors++; // the previous message was cut short
      if (b === 0xf0) {
        this.inSysex = true;
        this.sysex = [0xf0];
        this.status = 0;
        this.running = 0;
        return;
      }
      if (b === 0xf7) {
        this.errors++; // an end of SysEx with no start
        this.status = 0;
        return;
      }
      this.count = 0;
      if (b >= 0xf0) {
        this.running = 0;
        const n = dataLength(b);
        if (n === 0) {
          this.status = 0;
          this.emit(Uint8Array.of(b));
        } else this.status = b;
        return;
      }
      this.status = b;
      this.running = b;
      return;
    }
    // A data byte.
    if (this.status === 0) {
      if (this.running === 0) {
        this.errors++;
        return;
      }
      this.status = this.running;
      this.count = 0;
    }
    this.data[this.count++] = b;
    const need = dataLength(this.status);
    if (this.count === need) {
      const out = new Uint8Array(need + 1);
      out[0] = this.status;
      out.set(this.data.subarray(0, need), 1);
      this.count = 0;
      // Channel messages stay armed for running status; system common ones need a new status.
      if (this.status >= 0xf0) this.status = 0;
      this.emit(out);
    }
  }
}
