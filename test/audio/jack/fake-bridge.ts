/**
 * A JACK bridge without JACK, for the stream's logic: the test plays the process callback itself
 * (cycle(): queue an input block, say which cycle JACK is in, wake the stream) and reads what the
 * stream left in the output ring. Calls it was not set up for throw.
 */
import { BlockRing } from '../../../src/audio/jack/block-ring.ts';
import { CTL } from '../../../src/audio/jack/control.ts';
import type { JackBridge, JackClientInfo, JackEngineSetup } from '../../../src/audio/jack/addon.ts';

const silence = (): number => 0;

export interface FakeJackOptions {
  readonly sampleRate?: number;
  readonly bufferSize?: number;
  readonly capture?: readonly string[];
  readonly playback?: readonly string[];
  /** Latency ranges by port name. */
  readonly latency?: Readonly<Record<string, { capture: [number, number]; playback: [number, number] }>>;
}

export class FakeJack implements JackBridge {
  setupOpts: JackEngineSetup | undefined;
  inRing: BlockRing | undefined;
  outRing: BlockRing | undefined;
  readonly connections: Array<[string, string]> = [];
  wakes = 0;
  closed = 0;
  activated = false;
  shutdown = '';

  constructor(private readonly o: FakeJackOptions = {}) {}

  available() {
    return { ok: true as const, version: 'fake' };
  }

  openEngine(opts: { readonly name: string }): JackClientInfo {
    return { handle: this, name: opts.name, sampleRate: this.o.sampleRate ?? 48000, bufferSize: this.o.bufferSize ?? 128, realtime: true };
  }

  setup(_handle: unknown, opts: JackEngineSetup): void {
    this.setupOpts = opts;
    this.inRing = new BlockRing({ sab: opts.inRing.buffer as SharedArrayBuffer });
    this.outRing = new BlockRing({ sab: opts.outRing.buffer as SharedArrayBuffer });
    Atomics.store(opts.ctl, CTL.period, this.o.bufferSize ?? 128);
  }

  activate(): void {
    this.activated = true;
  }

  connect(_h: unknown, source: string, destination: string): void {
    this.connections.push([source, destination]);
  }

  ports(_h: unknown, _pattern: string, flags: number): string[] {
    return [...((flags & 0x2 ? this.o.capture : this.o.playback) ?? [])];
  }

  portLatency(_h: unknown, port: string) {
    return this.o.latency?.[port];
  }

  wake(): void {
    this.wakes++;
  }

  shutdownReason(): string {
    return this.shutdown;
  }

  close(): void {
    this.closed++;
  }

  openTool(): JackClientInfo {
    throw new Error('FakeJack: openTool not expected');
  }

  toolStats(): never {
    throw new Error('FakeJack: toolStats not expected');
  }

  clock(out: Float64Array, index: number): void {
    out[index] = performance.now();
  }

  toolStall(): void {
    throw new Error('FakeJack: toolStall not expected');
  }

  get ctl(): Int32Array {
    return this.setupOpts!.ctl;
  }

  /**
   * What the process callback does at the start of cycle `cycle`: queue the capture block (channel c,
   * frame i = fill(c, i)) and wake the stream. Returns false when the input ring was full.
   */
  cycle(cycle: number, fill: (c: number, i: number) => number = silence, wake = true): boolean {
    const ring = this.inRing!;
    Atomics.store(this.ctl, CTL.cycle, cycle);
    const slot = ring.writeSlot();
    if (slot < 0) return false;
    for (let c = 0; c < ring.channels; c++) {
      const ch = ring.channel(slot, c);
      for (let i = 0; i < ring.frames; i++) ch[i] = fill(c, i);
    }
    ring.commitWrite(cycle);
    if (wake) this.setupOpts!.onWake();
    return true;
  }

  /** cycle() with the capture block copied from `blocks` (one per channel): allocates nothing. */
  feed(cycle: number, blocks: readonly Float32Array[]): void {
    const ring = this.inRing!;
    Atomics.store(this.ctl, CTL.cycle, cycle);
    const slot = ring.writeSlot();
    if (slot < 0) return;
    for (let c = 0; c < ring.channels; c++) ring.channel(slot, c).set(blocks[c % blocks.length]!);
    ring.commitWrite(cycle);
    this.setupOpts!.onWake();
  }

  /** Plays the next output block as the callback would (without copying it anywhere): its cycle, or undefined. */
  consume(): number | undefined {
    const ring = this.outRing!;
    const slot = ring.readSlot();
    if (slot < 0) return undefined;
    const cycle = ring.cycleOf(slot);
    ring.commitRead();
    return cycle;
  }

  /** Takes the next output block: its cycle and its channels (copied). */
  take(): { cycle: number; channels: Float32Array[] } | undefined {
    const ring = this.outRing!;
    const slot = ring.readSlot();
    if (slot < 0) return undefined;
    const block = { cycle: ring.cycleOf(slot), channels: Array.from({ length: ring.channels }, (_, c) => Float32Array.from(ring.channel(slot, c))) };
    ring.commitRead();
    return block;
  }
}
