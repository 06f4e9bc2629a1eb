/**
 * MIDI surface transport. Finds its input/output ports by name pattern (or opens a virtual pair),
 * polls the port lists every ~2 s so a controller unplugged and plugged back is reopened (and
 * connected$ emits true again: the mapping layer resyncs then), and passes SysEx both ways.
 *
 * Where the platform has no MIDI subsystem (no ALSA sequencer), the first port listing throws; the
 * transport logs the reason once, keeps connected$ false, stops polling (each listing would print
 * the same ALSA errors to stderr again) and drops what it is asked to send. faderd carries on.
 */
import { BehaviorSubject, Subject, type Observable } from 'rxjs';
import type { SendOptions, SurfaceDeviceSpec, SurfaceMessage, SurfaceTransport, TransportStats } from '../types.ts';
import { logger, RateLimitedLog } from '../../util/log.ts';
import { portMatcher, type MidiBackend, type MidiInputHandle, type MidiOutputHandle } from './backend.ts';
import { EasymidiBackend } from './easymidi-backend.ts';
import { midiUnavailableReason } from './ports.ts';
import { midiProblem } from '../serial/framing/midi.ts';
import { DEFAULT_PACE, resolvePacing, type Pace } from '../pacing.ts';

const log = logger(import.meta.url);

export type MidiSpec = Extract<SurfaceDeviceSpec, { transport: 'midi' }>;

export interface MidiTransportOptions {
  readonly backend?: MidiBackend;
  /** How often port lists are checked for devices coming and going. Default 2000 ms. */
  readonly pollMs?: number;
  /** Longest SysEx accepted from the device (F0 and F7 included); longer ones are dropped and counted. Default 65536. */
  readonly maxSysex?: number;
}

export class MidiTransport implements SurfaceTransport {
  readonly kind = 'midi' as const;
  private readonly incoming = new Subject<SurfaceMessage>();
  readonly incoming$: Observable<SurfaceMessage> = this.incoming.asObservable();
  private readonly connected = new BehaviorSubject<boolean>(false);
  readonly connected$: Observable<boolean>;
  private readonly counters: TransportStats = { received: 0, sent: 0, dropped: 0, errors: 0 };
  private readonly backend: MidiBackend;
  private readonly matchIn: ((n: string) => boolean) | undefined;
  private readonly matchOut: ((n: string) => boolean) | undefined;
  private readonly badSend: RateLimitedLog;
  private readonly badIn: RateLimitedLog;
  private readonly maxSysex: number;
  private input: { name: string; handle: MidiInputHandle } | undefined;
  private output: { name: string; handle: MidiOutputHandle } | undefined;
  private timer: NodeJS.Timeout | undefined;
  private waitingLogged = false;
  private closed = false;
  /** Why MIDI cannot work here at all, once known. */
  unavailable: string | undefined;
  /** The feedback sink's pace for this port, in bytes (a recall must not overrun the driver's buffer). */
  readonly pace: Pace | undefined;

  constructor(
    readonly id: string,
    private readonly spec: MidiSpec,
    opts: MidiTransportOptions = {},
  ) {
    this.backend = opts.backend ?? new EasymidiBackend();
    this.connected$ = this.connected.asObservable();
    const outPattern = spec.output ?? spec.input;
    this.matchIn = spec.input !== undefined ? portMatcher(spec.input) : undefined;
    this.matchOut = outPattern !== undefined ? portMatcher(outPattern) : undefined;
    if (!spec.virtual && !this.matchIn && !this.matchOut) throw new TypeError(`surface ${id}: a MIDI device needs "input", "output" or "virtual"`);
    this.badSend = new RateLimitedLog(log, `surface ${id}: MIDI message not sent`);
    this.badIn = new RateLimitedLog(log, `surface ${id}: malformed MIDI from the device dropped`);
    this.maxSysex = opts.maxSysex ?? 65536;
    this.pace = resolvePacing(spec.pacing, DEFAULT_PACE.midi).pace;
    if (spec.virtual) this.openVirtual(spec.virtual);
    else {
      this.poll();
      if (!this.unavailable && !this.closed) {
        this.timer = setInterval(() => this.poll(), opts.pollMs ?? 2000);
        this.timer.unref();
      }
    }
  }

  private onBytes = (data: Uint8Array): void => {
    // The OS assembles SysEx however long it is; a runaway one must not reach the mapping.
    const problem = data.length > this.maxSysex ? `a SysEx of ${data.length} bytes (limit ${this.maxSysex})` : midiProblem(data);
    if (problem) {
      this.counters.errors++;
      this.badIn.hit(problem);
      return;
    }
    this.counters.received++;
    this.incoming.next({ kind: 'midi', data, peer: this.id });
  };

  private openVirtual(name: string): void {
    try {
      this.input = { name, handle: this.backend.openInput(name, true, this.onBytes) };
      this.output = { name, handle: this.backend.openOutput(name, true) };
    } catch (e) {
      this.closePorts();
      this.markUnavailable(e);
      return;
    }
    this.connected.next(true);
  }

  private markUnavailable(e: unknown): void {
    this.unavailable = `surface ${this.id}: ${midiUnavailableReason(e)}`;
    log.warn({ surface: this.id }, this.unavailable);
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private poll(): void {
    if (this.closed) return;
    let ins: string[];
    let outs: string[];
    try {
      ins = this.matchIn ? this.backend.inputs() : [];
      outs = this.matchOut ? this.backend.outputs() : [];
    } catch (e) {
      this.markUnavailable(e);
      return;
    }
    const gone = (this.input && !ins.includes(this.input.name)) || (this.output && !outs.includes(this.output.name));
    if (gone) {
      log.warn({ surface: this.id }, `surface ${this.id}: MIDI device went away; waiting for it to come back`);
      this.closePorts();
      this.connected.next(false);
    }
    if (this.connected.value) return;
    const inName = this.matchIn ? ins.find(this.matchIn) : undefined;
    const outName = this.matchOut ? outs.find(this.matchOut) : undefined;
    if ((this.matchIn && !inName) || (this.matchOut && !outName)) {
      if (!this.waitingLogged) {
        log.warn({ surface: this.id, inputs: ins, outputs: outs }, `surface ${this.id}: no MIDI port matches ${this.describe()}; waiting for it`);
        this.waitingLogged = true;
      }
      return;
    }
    try {
      if (inName) this.input = { name: inName, handle: this.backend.openInput(inName, false, this.onBytes) };
      if (outName) this.output = { name: outName, handle: this.backend.openOutput(outName, false) };
    } catch (e) {
      this.closePorts();
      log.warn({ surface: this.id }, `surface ${this.id}: cannot open MIDI port: ${(e as Error).message}`);
      return;
    }
    this.waitingLogged = false;
    log.info({ surface: this.id, input: inName, output: outName }, 'MIDI device connected');
    this.connected.next(true);
  }

  private describe(): string {
    const parts = [];
    if (this.spec.input !== undefined) parts.push(`input "${this.spec.input}"`);
    if (this.matchOut) parts.push(`output "${this.spec.output ?? this.spec.input}"`);
    return parts.join(' and ');
  }

  private closePorts(): void {
    for (const p of [this.input, this.output]) {
      try {
        p?.handle.close();
      } catch {
        // A port whose device vanished may refuse to close; it is gone either way.
      }
    }
    this.input = undefined;
    this.output = undefined;
  }

  send(msg: SurfaceMessage, opts?: SendOptions): void {
    // The device is this port's only peer: "all but the sender" and "only to someone else" send nothing.
    if (opts && (opts.except === this.id || (opts.to !== undefined && opts.to !== this.id))) return;
    const out = this.output;
    if (!out || !this.connected.value) {
      this.counters.dropped++;
      return;
    }
    const problem = msg.kind === 'midi' ? midiProblem(msg.data) : `a ${msg.kind} message cannot be sent to a MIDI port`;
    if (problem) {
      this.counters.errors++;
      this.badSend.hit(problem);
      return;
    }
    try {
      out.handle.send((msg as { data: Uint8Array }).data);
      this.counters.sent++;
    } catch (e) {
      this.counters.errors++;
      this.badSend.hit((e as Error).message);
    }
  }

  stats(): TransportStats {
    return { ...this.counters };
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.closePorts();
    this.connected.next(false);
    this.connected.complete();
    this.incoming.complete();
  }
}
