/**
 * Serial surface transport: opens a port by path or USB id, frames its bytes (text lines, SLIP or
 * raw MIDI), and survives unplugging: on close it retries with exponential back-off and emits
 * connected=true again once the device is back, so the mapping layer resyncs it.
 */
import { BehaviorSubject, Subject, distinctUntilChanged, type Observable } from 'rxjs';
import { SerialPort } from 'serialport';
import type { SendOptions, SurfaceDeviceSpec, SurfaceMessage, SurfaceTransport, TransportStats } from '../types.ts';
import { logger, RateLimitedLog } from '../../util/log.ts';
import { LineFramer, encodeLine } from './framing/line.ts';
import { SlipDecoder, encodeSlip } from './framing/slip.ts';
import { MidiEncoder } from './framing/midi.ts';
import { MidiParser } from '../midi/parser.ts';
import { findSerialPortByUsbId } from './ports.ts';

const log = logger(import.meta.url);

export type SerialSpec = Extract<SurfaceDeviceSpec, { transport: 'serial' }>;

/** The part of a serialport stream the transport uses (SerialPort and SerialPortMock both fit). */
export interface SerialLink {
  open(cb: (err: Error | null) => void): void;
  write(data: Uint8Array): boolean;
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
  /** Bytes allowed to wait in the write buffer before sends are dropped. Default 65536. */
  readonly maxPendingBytes?: number;
}

const defaultOpen = (path: string, baudRate: number): SerialLink => new SerialPort({ path, baudRate, autoOpen: false }) as unknown as SerialLink;

export class SerialTransport implements SurfaceTransport {
  readonly kind = 'serial' as const;
  private readonly incoming = new Subject<SurfaceMessage>();
  readonly incoming$: Observable<SurfaceMessage> = this.incoming.asObservable();
  private readonly connected = new BehaviorSubject<boolean>(false);
  readonly connected$: Observable<boolean> = this.connected.pipe(distinctUntilChanged());
  private readonly counters: TransportStats = { received: 0, sent: 0, dropped: 0, errors: 0 };
  private readonly decode: { push(b: Uint8Array): void; reset(): void; dropped(): number };
  private readonly encoder = new MidiEncoder();
  private readonly opts: Required<Omit<SerialTransportOptions, 'openLink'>> & Pick<SerialTransportOptions, 'openLink'>;
  private readonly badSend: RateLimitedLog;
  private readonly badIn: RateLimitedLog;
  private link: SerialLink | undefined;
  private timer: NodeJS.Timeout | undefined;
  private delay: number;
  private closed = false;
  private reported = '';
  private lastPath = '';

  constructor(
    readonly id: string,
    private readonly spec: SerialSpec,
    opts: SerialTransportOptions = {},
  ) {
    if (!spec.path && !spec.vendorId) throw new TypeError(`surface ${id}: a serial device needs "path" or "vendorId"`);
    const baud = spec.baudRate ?? 115200;
    if (!(Number.isInteger(baud) && baud > 0)) throw new TypeError(`surface ${id}: "baudRate" must be a positive integer, got ${spec.baudRate}`);
    this.opts = { backoffMs: 250, maxBackoffMs: 5000, maxPendingBytes: 65536, ...opts };
    this.delay = this.opts.backoffMs;
    this.badSend = new RateLimitedLog(log, `surface ${id}: message not sendable on ${spec.framing} framing`);
    this.badIn = new RateLimitedLog(log, `surface ${id}: input dropped by ${spec.framing} framing`);
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
    return findSerialPortByUsbId(this.spec.vendorId!, this.spec.productId);
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
      this.decode.reset();
      this.encoder.reset();
      link.on('data', (chunk: Buffer) => this.onData(chunk));
      link.on('close', () => this.lost(link));
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
    link.removeAllListeners();
    this.link = undefined;
    this.connected.next(false);
    if (this.closed) return;
    this.report(`surface ${this.id}: ${this.lastPath} went away; reconnecting`);
    this.retry();
  }

  private retry(): void {
    if (this.closed || this.timer) return;
    this.timer = setTimeout(() => this.attempt(), this.delay);
    this.delay = Math.min(this.delay * 2, this.opts.maxBackoffMs);
  }

  send(msg: SurfaceMessage, _opts?: SendOptions): void {
    const link = this.link;
    if (!link || !link.isOpen || link.writableLength > this.opts.maxPendingBytes) {
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
    link.write(bytes);
    this.counters.sent++;
  }

  private encode(msg: SurfaceMessage): Uint8Array {
    const f = this.spec.framing;
    if (f === 'lines' && msg.kind === 'line') {
      if (/[\r\n]/.test(msg.text)) throw new TypeError('a line must not contain line breaks');
      return encodeLine(msg.text, this.spec.lineEnding ?? '\n');
    }
    if (f === 'slip' && msg.kind === 'frame') return encodeSlip(msg.data);
    if (f === 'midi' && msg.kind === 'midi') return this.encoder.encode(msg.data);
    throw new TypeError(`a ${msg.kind} message cannot be sent on ${f} framing`);
  }

  stats(): TransportStats {
    return { ...this.counters, dropped: this.counters.dropped + this.decode.dropped() };
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const link = this.link;
    this.link = undefined;
    if (link) {
      link.removeAllListeners();
      link.on('error', () => {});
      await new Promise<void>((resolve) => link.close(() => resolve()));
    }
    this.connected.next(false);
    this.connected.complete();
    this.incoming.complete();
  }
}
