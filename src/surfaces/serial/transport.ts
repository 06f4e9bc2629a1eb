/**
 * Serial surface transport: opens a port by path or USB id, frames its bytes (text lines, SLIP or
 * raw MIDI), and survives unplugging: on close it retries with exponential back-off and emits
 * connected=true again once the device is back, so the mapping layer resyncs it.
 *
 * A device that stops reading is survived the same way. Past `maxPendingBytes` of unwritten output
 * the surface reads as disconnected (sends are dropped and counted) until the queue drains, and then
 * as connected again, so the mapping layer resends the latest values rather than a stale backlog. A
 * queue that makes no progress at all for `stallMs` is stuck (a pty whose peer never reads, a driver
 * that lost the device without telling): the port is reopened, with a warning and a count in stats().
 */
import fs from 'node:fs';
import { performance } from 'node:perf_hooks';
import { BehaviorSubject, Subject, distinctUntilChanged, type Observable } from 'rxjs';
import { serialPort } from './serialport-lazy.ts';
import type { SendOptions, SurfaceDeviceSpec, SurfaceMessage, SurfaceTransport, TransportStats } from '../types.ts';
import { logger, RateLimitedLog } from '../../util/log.ts';
import { LineFramer, encodeLine } from './framing/line.ts';
import { END, SlipDecoder, encodeSlip } from './framing/slip.ts';
import { MidiEncoder } from './framing/midi.ts';
import { MidiParser } from '../midi/parser.ts';
import { findSerialPortByUsbId, type SerialPortInfo } from './ports.ts';
import { resolvePacing, serialPace, type Pace } from '../pacing.ts';

const log = logger(import.meta.url);

export type SerialSpec = Extract<SurfaceDeviceSpec, { transport: 'serial' }>;

/** The part of a serialport stream the transport uses (SerialPort and SerialPortMock both fit). */
export interface SerialLink {
  open(cb: (err: Error | null) => void): void;
  /** `cb` runs once the bytes are handed to the OS (or fail): the only sign that the queue moves. */
  write(data: Uint8Array, cb: (err?: Error | null) => void): boolean;
  close(cb?: (err: Error | null) => void): void;
  readonly isOpen: boolean;
  readonly writableLength: number;
  on(event: 'data', fn: (chunk: Buffer) => void): this;
  on(event: 'close', fn: (err?: Error) => void): this;
  on(event: 'error', fn: (err: Error) => void): this;
  removeAllListeners(): this;
}

export interface SerialTransportOptions {
  /** First retry delay after a failed open or an unplug; doubles up to maxBackoffMs. Default 250. */
  readonly backoffMs?: number;
  readonly maxBackoffMs?: number;
  /** Opens a link; defaults to a real SerialPort (tests may pass SerialPortMock). */
  readonly openLink?: (path: string, baudRate: number) => SerialLink;
  /** Lists the serial ports a device given by USB ids is looked for among; defaults to the OS's list. */
  readonly listPorts?: () => Promise<SerialPortInfo[] | { unavailable: string }>;
  /** Bytes allowed to wait in the write buffer; beyond it the surface reads as disconnected until they drain. Default 65536. */
  readonly maxPendingBytes?: number;
  /**
   * A write queue with no progress for this long, plus twice the time its bytes take at the baud
   * rate (a slow device that still reads is not stuck), gets the port reopened. Default 3000.
   */
  readonly stallMs?: number;
}

export interface SerialTransportStats extends TransportStats {
  /** Times the write queue was stuck and the port was reopened. */
  stalls: number;
  /** Times the write queue passed maxPendingBytes (sends dropped until it drained). */
  overflows: number;
  /** Bytes waiting to be written to the device now. */
  pendingBytes: number;
}

const defaultOpen = (path: string, baudRate: number): SerialLink => new (serialPort())({ path, baudRate, autoOpen: false }) as unknown as SerialLink;

export class SerialTransport implements SurfaceTransport {
  readonly kind = 'serial' as const;
  private readonly incoming = new Subject<SurfaceMessage>();
  readonly incoming$: Observable<SurfaceMessage> = this.incoming.asObservable();
  private readonly connected = new BehaviorSubject<boolean>(false);
  readonly connected$: Observable<boolean> = this.connected.pipe(distinctUntilChanged());
  private readonly counters = { received: 0, sent: 0, dropped: 0, errors: 0, stalls: 0, overflows: 0 };
  private readonly decode: { push(b: Uint8Array): void; reset(): void; dropped(): number };
  private readonly encoder = new MidiEncoder();
  private readonly opts: Required<Omit<SerialTransportOptions, 'openLink' | 'listPorts'>> & Pick<SerialTransportOptions, 'openLink' | 'listPorts'>;
  private readonly badSend: RateLimitedLog;
  /** The feedback sink's pace for this line, in bytes. */
  readonly pace: Pace | undefined;
  private readonly badIn: RateLimitedLog;
  private readonly stuckLog: RateLimitedLog;
  private readonly fullLog: RateLimitedLog;
  private link: SerialLink | undefined;
  private timer: NodeJS.Timeout | undefined;
  private delay: number;
  private closed = false;
  private reported = '';
  private lastPath = '';
  /** Last time the write queue moved (a write completed, or bytes were queued on an empty queue). */
  private lastProgress = 0;
  /** Over maxPendingBytes: sends are dropped and connected reads false until the queue is empty. */
  private congested = false;
  /** A stuck write was cut off by a reopen: the device may hold half a frame, ended before anything new. */
  private cutOff = false;
  private watch: NodeJS.Timeout | undefined;
  private readonly written = (err?: Error | null): void => this.onWritten(err);

  constructor(
    readonly id: string,
    private readonly spec: SerialSpec,
    opts: SerialTransportOptions = {},
  ) {
    if (!spec.path && !spec.vendorId) throw new TypeError(`surface ${id}: a serial device needs "path" or "vendorId"`);
    const baud = spec.baudRate ?? 115200;
    if (!(Number.isInteger(baud) && baud > 0)) throw new TypeError(`surface ${id}: "baudRate" must be a positive integer, got ${spec.baudRate}`);
    // The feedback sink keeps to the line's rate, so a recall does not fill the write queue past its bound.
    this.pace = resolvePacing(spec.pacing, serialPace(baud)).pace;
    this.opts = { backoffMs: 250, maxBackoffMs: 5000, maxPendingBytes: 65536, stallMs: 3000, ...opts };
    this.delay = this.opts.backoffMs;
    this.badSend = new RateLimitedLog(log, `surface ${id}: message not sendable on ${spec.framing} framing`);
    this.badIn = new RateLimitedLog(log, `surface ${id}: input dropped by ${spec.framing} framing`);
    this.stuckLog = new RateLimitedLog(log, `surface ${id}: serial output stuck; reopening the port`);
    this.fullLog = new RateLimitedLog(log, `surface ${id}: serial output backed up; feedback held until the device reads it, then resent`);
    this.decode = this.makeDecoder();
    this.attempt();
  }

  private makeDecoder(): { push(b: Uint8Array): void; reset(): void; dropped(): number } {
    const peer = this.id;
    const max = this.spec.maxFrame;
    const out = (m: SurfaceMessage): void => {
      this.counters.received++;
      this.incoming.next(m);
    };
    switch (this.spec.framing) {
      case 'lines': {
        const f = new LineFramer({ ending: this.spec.lineEnding ?? '\n', maxLine: max ?? 1024, onLine: (text) => out({ kind: 'line', text, peer }) });
        return { push: (b) => f.push(b), reset: () => f.reset(), dropped: () => f.dropped };
      }
      case 'slip': {
        const f = new SlipDecoder({ maxFrame: max ?? 4096, onFrame: (data) => out({ kind: 'frame', data, peer }) });
        return { push: (b) => f.push(b), reset: () => f.reset(), dropped: () => f.dropped };
      }
      case 'midi': {
        const p = new MidiParser({ maxSysex: max ?? 65536, onMessage: (data) => out({ kind: 'midi', data, peer }) });
        return { push: (b) => p.push(b), reset: () => p.reset(), dropped: () => p.errors };
      }
    }
  }

  private async resolvePath(): Promise<string | undefined> {
    if (this.spec.path) return this.spec.path;
    return findSerialPortByUsbId(this.spec.vendorId!, this.spec.productId, this.opts.listPorts);
  }

  /** Logs a connection problem once per distinct reason, not once per retry. */
  private report(reason: string): void {
    if (reason === this.reported) return;
    this.reported = reason;
    log.warn({ surface: this.id }, reason);
  }

  private attempt(): void {
    this.timer = undefined;
    if (this.closed) return;
    this.resolvePath().then(
      (path) => {
        if (this.closed) return;
        if (!path) {
          this.report(`surface ${this.id}: no serial device with USB id ${this.spec.vendorId}${this.spec.productId ? `:${this.spec.productId}` : ''} is plugged in; waiting for it`);
          this.retry();
          return;
        }
        this.open(path);
      },
      (e: Error) => {
        this.report(`surface ${this.id}: ${e.message}`);
        this.retry();
      },
    );
  }

  private open(path: string): void {
    let link: SerialLink;
    try {
      link = (this.opts.openLink ?? defaultOpen)(path, this.spec.baudRate ?? 115200);
    } catch (e) {
      this.report(`surface ${this.id}: cannot open ${path}: ${(e as Error).message}`);
      this.retry();
      return;
    }
    this.lastPath = path;
    link.on('error', (e) => this.report(`surface ${this.id}: ${path}: ${e.message}`));
    link.open((err) => {
      if (this.closed) {
        if (!err) link.close();
        return;
      }
      if (err) {
        link.removeAllListeners();
        this.report(`surface ${this.id}: cannot open ${path}: ${err.message}`);
        this.retry();
        return;
      }
      this.link = link;
      this.delay = this.opts.backoffMs;
      this.reported = '';
      this.congested = false;
      // A reopen after a stall starts a fresh wait, not one that began before it.
      this.lastProgress = performance.now();
      this.decode.reset();
      this.encoder.reset();
      link.on('data', (chunk: Buffer) => this.onData(chunk));
      link.on('close', () => this.lost(link));
      if (this.cutOff) {
        this.cutOff = false;
        // MIDI needs nothing: the next status byte ends a cut-off message.
        const f = this.spec.framing;
        if (f !== 'midi') link.write(f === 'lines' ? Buffer.from(this.spec.lineEnding ?? '\n', 'latin1') : Uint8Array.of(END), this.written);
      }
      this.watch = setInterval(() => this.checkStuck(), Math.max(20, Math.min(1000, this.opts.stallMs / 4)));
      this.watch.unref();
      log.info({ surface: this.id, path }, 'serial device connected');
      this.connected.next(true);
    });
  }

  private onData(chunk: Buffer): void {
    const before = this.decode.dropped();
    this.decode.push(chunk);
    const n = this.decode.dropped() - before;
    if (n > 0) this.badIn.hit(`${n} over-long or malformed ${this.spec.framing === 'lines' ? 'line' : this.spec.framing === 'slip' ? 'frame' : 'message'}${n > 1 ? 's' : ''}`);
  }

  private lost(link: SerialLink): void {
    if (this.link !== link) return;
    this.detach(link);
    this.connected.next(false);
    if (this.closed) return;
    this.report(`surface ${this.id}: ${this.lastPath} went away; reconnecting`);
    this.retry();
  }

  private detach(link: SerialLink): void {
    link.removeAllListeners();
    // Closing cancels a pending read or write, which serialport reports as an error.
    link.on('error', () => {});
    this.link = undefined;
    this.congested = false;
    if (this.watch) clearInterval(this.watch);
    this.watch = undefined;
  }

  private onWritten(err?: Error | null): void {
    this.lastProgress = performance.now();
    const link = this.link;
    if (err || !this.congested || !link || link.writableLength > 0) return;
    this.congested = false;
    log.info({ surface: this.id }, 'serial output drained; resending the current values');
    // Connected again: the mapping layer resyncs, so the device ends on the latest values.
    this.connected.next(true);
  }

  private checkStuck(): void {
    const link = this.link;
    if (!link) return;
    // A device node that has gone means the device has gone, even when the port has not said so: a
    // hung-up tty reads as end of file, which serialport retries forever instead of reporting.
    if (!this.opts.openLink && this.lastPath.startsWith('/') && !fs.existsSync(this.lastPath)) {
      this.lost(link);
      link.close(() => {});
      return;
    }
    if (link.writableLength === 0) return;
    const pending = link.writableLength;
    // 10 bits a byte on the wire (8N1); a pty ignores the baud rate, so this only ever adds slack.
    const wireMs = (pending * 10 * 1000) / (this.spec.baudRate ?? 115200);
    const idleMs = performance.now() - this.lastProgress;
    if (idleMs < this.opts.stallMs + 2 * wireMs) return;
    this.counters.stalls++;
    this.cutOff = true;
    this.stuckLog.hit(`${this.lastPath}: ${pending} bytes unwritten for ${(idleMs / 1000).toFixed(1)} s`);
    this.detach(link);
    link.close(() => {});
    this.connected.next(false);
    this.retry();
  }

  private retry(): void {
    if (this.closed || this.timer) return;
    this.timer = setTimeout(() => this.attempt(), this.delay);
    this.delay = Math.min(this.delay * 2, this.opts.maxBackoffMs);
  }

  send(msg: SurfaceMessage, opts?: SendOptions): void {
    // The device is this port's only peer (incoming messages carry the surface id as their peer):
    // a send that excludes it, such as the echo of the device's own change, goes nowhere.
    if (opts && (opts.except === this.id || (opts.to !== undefined && opts.to !== this.id))) return;
    const link = this.link;
    if (!link || !link.isOpen || this.congested) {
      this.counters.dropped++;
      return;
    }
    let bytes: Uint8Array;
    try {
      bytes = this.encode(msg);
    } catch (e) {
      this.counters.errors++;
      this.badSend.hit((e as Error).message);
      return;
    }
    if (link.writableLength === 0) this.lastProgress = performance.now();
    link.write(bytes, this.written);
    this.counters.sent++;
    if (link.writableLength > this.opts.maxPendingBytes) {
      this.congested = true;
      this.counters.overflows++;
      this.fullLog.hit(`${link.writableLength} bytes wait for ${this.lastPath}`);
      this.connected.next(false);
    }
  }

  private encode(msg: SurfaceMessage): Uint8Array {
    const f = this.spec.framing;
    if (f === 'lines' && msg.kind === 'line') {
      if (/[\r\n]/.test(msg.text)) throw new TypeError('a line must not contain line breaks');
      const line = encodeLine(msg.text, this.spec.lineEnding ?? '\n');
      // The device drops a line longer than it takes, as faderd does: better to say so here.
      const max = this.spec.maxFrame;
      const ending = (this.spec.lineEnding ?? '\n').length;
      if (max !== undefined && line.length - ending > max) throw new TypeError(`a line of ${line.length - ending} bytes is longer than the device takes (maxFrame ${max})`);
      return line;
    }
    if (f === 'slip' && msg.kind === 'frame') return encodeSlip(msg.data);
    if (f === 'midi' && msg.kind === 'midi') return this.encoder.encode(msg.data);
    throw new TypeError(`a ${msg.kind} message cannot be sent on ${f} framing`);
  }

  stats(): SerialTransportStats {
    return { ...this.counters, dropped: this.counters.dropped + this.decode.dropped(), pendingBytes: this.link?.writableLength ?? 0 };
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const link = this.link;
    if (link) {
      this.detach(link);
      await new Promise<void>((resolve) => link.close(() => resolve()));
    }
    this.connected.next(false);
    this.connected.complete();
    this.incoming.complete();
  }
}
