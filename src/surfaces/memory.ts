/**
 * An in-memory surface: tests (and simulators) push the exact messages a device would send with
 * `emit()`/`midi()`, and read back every message the mapping sent in `sent`. Behaves like a real
 * transport: sends while disconnected are dropped and counted, a malformed MIDI message is refused
 * and counted as an error, connected$ replays its state.
 */
import { BehaviorSubject, Subject, type Observable } from 'rxjs';
import type { SendOptions, SurfaceMessage, SurfaceTransport, TransportStats } from './types.ts';
import { midiProblem } from './serial/framing/midi.ts';

export interface SentMessage {
  readonly msg: SurfaceMessage;
  readonly opts: SendOptions | undefined;
}

export class MemorySurface implements SurfaceTransport {
  readonly kind = 'memory' as const;
  readonly sent: SentMessage[] = [];
  private readonly input = new Subject<SurfaceMessage>();
  private readonly connection: BehaviorSubject<boolean>;
  private readonly counters: TransportStats = { received: 0, sent: 0, dropped: 0, errors: 0 };
  private closed = false;
  readonly incoming$: Observable<SurfaceMessage> = this.input.asObservable();
  readonly connected$: Observable<boolean>;

  constructor(
    readonly id = 'memory',
    connected = true,
  ) {
    this.connection = new BehaviorSubject(connected);
    this.connected$ = this.connection.asObservable();
  }

  /** Delivers a message as if the device had sent it. */
  emit(msg: SurfaceMessage): void {
    if (this.closed) return;
    this.counters.received++;
    this.input.next(msg);
  }

  /** Delivers one MIDI message given as bytes: `midi(0xe0, 0x00, 0x40)`. */
  midi(...bytes: number[]): void {
    this.emit({ kind: 'midi', data: Uint8Array.from(bytes) });
  }

  send(msg: SurfaceMessage, opts?: SendOptions): void {
    if (this.closed || !this.connection.value) {
      this.counters.dropped++;
      return;
    }
    // As a MIDI port does: a malformed message never reaches the device.
    if (msg.kind === 'midi' && midiProblem(msg.data)) {
      this.counters.errors++;
      return;
    }
    this.counters.sent++;
    this.sent.push({ msg, opts });
  }

  setConnected(up: boolean): void {
    if (this.connection.value !== up) this.connection.next(up);
  }

  /** Every sent message so far, removed from `sent`. */
  take(): SurfaceMessage[] {
    return this.sent.splice(0).map((s) => s.msg);
  }

  /** Sent MIDI messages so far as hex strings (`E0 00 40`), removed from `sent`. */
  takeHex(): string[] {
    return this.take().map(messageToHex);
  }

  /** How many subscribers the input and connection streams have (leak checks). */
  observerCount(): number {
    return (this.input.observed ? countObservers(this.input) : 0) + countObservers(this.connection);
  }

  stats(): TransportStats {
    return { ...this.counters };
  }

  async close(): Promise<void> {
    this.closed = true;
    this.input.complete();
    this.connection.complete();
  }
}

function countObservers(s: object): number {
  return (s as unknown as { observers: unknown[] }).observers.length;
}

/** A message as readable text: MIDI/frames as hex bytes, OSC as address and args, lines as text. */
export function messageToHex(m: SurfaceMessage): string {
  switch (m.kind) {
    case 'midi':
    case 'frame':
      return Array.from(m.data, (b) => b.toString(16).toUpperCase().padStart(2, '0')).join(' ');
    case 'osc':
      return `${m.address} ${m.args.map((a) => `${a.type}:${String(a.value ?? '')}`).join(' ')}`.trim();
    case 'line':
      return m.text;
  }
}
