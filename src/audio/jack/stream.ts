/**
 * The JACK backend: JACK's process callback clocks the engine. Runs inside the engine worker.
 *
 * Each JACK cycle the callback (native/jack-bridge) queues the capture block in the input ring and
 * wakes this thread's event loop; onWake() renders every queued block and puts the result in the
 * output ring, tagged with its cycle, where the callback picks it up `primeBlocks` cycles later (with
 * 0, in the same cycle: the callback waits for it). The JACK period sets the block: the engine renders
 * the period in blocks of at most its own block size. Nothing here waits on the main thread, and the
 * per-cycle path (onWake) allocates nothing.
 *
 * Latency stays constant for the life of the stream: blocks are matched to cycles by number, never by
 * arrival, so a late block is dropped (silence goes out once, counted as late) instead of pushing
 * every later block back by a period.
 */
import { BlockRing, createBlockRing } from './block-ring.ts';
import { CTL, createControl } from './control.ts';
import { loadJackBridge, PORT_FLAGS, type JackBridge } from './addon.ts';
import { latencyReport, primeBlocksFor, type LatencyMode, type LatencyReport } from '../latency.ts';

export interface JackRunner {
  readonly inputs: ReadonlyArray<Float32Array>;
  readonly outputs: ReadonlyArray<Float32Array>;
  readonly blockFrames: number;
  readonly engine: { readonly latencyFrames: number };
  render(frames?: number): void;
  markLate(n?: number): void;
  markDropped(n?: number): void;
}

export interface JackOptions {
  /** The engine's sample rate: JACK must run at it. */
  readonly sampleRate: number;
  /** Client name (JACK adds a suffix when it is taken). Default "faderd". */
  readonly name?: string;
  /** How much to queue ahead of the device (src/audio/latency.ts); default safe. */
  readonly latency?: LatencyMode;
  /** Output blocks queued ahead of the device, outright (0: the callback waits for the engine's block). */
  readonly primeBlocks?: number;
  /** Connect inputs and outputs to the physical ports in order (capture_1 → in_1 ...). Default true. */
  readonly connect?: boolean;
  /** Called after input is read into the runner, before rendering (the demo signal overwrites inputs here). */
  readonly beforeBlock?: (frames: number) => void;
}

/** Slots per ring: room for the queue plus a few periods of a stalled worker. */
const RING_SLOTS = 16;

export class JackStream {
  readonly name: string;
  readonly periodFrames: number;
  readonly sampleRate: number;
  readonly primeBlocks: number;
  /** The server runs real-time: JACK gives the process thread its priority, nothing to raise. */
  readonly realtime: boolean;
  private readonly bridge: JackBridge;
  private readonly handle: unknown;
  private readonly ctl = createControl();
  private readonly inRing: BlockRing;
  private readonly outRing: BlockRing;
  private running = false;
  private failed: ((reason: string) => void) | undefined;
  private lateSeen = 0;
  private droppedSeen = 0;
  private report: LatencyReport | undefined;

  /** Opens the JACK client (synchronously; throws with the reason when it cannot). */
  constructor(
    private readonly runner: JackRunner,
    private readonly opts: JackOptions,
    bridge: JackBridge = loadJackBridge(),
  ) {
    this.bridge = bridge;
    this.primeBlocks = primeBlocksFor('jack', opts.latency ?? 'safe', 0, opts.primeBlocks);
    if (this.primeBlocks >= RING_SLOTS - 2) throw new RangeError(`primeBlocks must be below ${RING_SLOTS - 2} on JACK, got ${this.primeBlocks}`);
    const client = bridge.openEngine({ name: opts.name ?? 'faderd' });
    this.handle = client.handle;
    this.name = client.name;
    this.periodFrames = client.bufferSize;
    this.sampleRate = client.sampleRate;
    this.realtime = client.realtime;
    try {
      if (this.sampleRate !== opts.sampleRate)
        throw new Error(`JACK runs at ${this.sampleRate} Hz but the session asks for ${opts.sampleRate} Hz: set audio.sampleRate: ${this.sampleRate}, or restart jackd with -r ${opts.sampleRate}`);
      this.inRing = new BlockRing(createBlockRing(RING_SLOTS, runner.inputs.length, this.periodFrames));
      this.outRing = new BlockRing(createBlockRing(RING_SLOTS, runner.outputs.length, this.periodFrames));
      // Priming: the callback plays these silent blocks in the first primeBlocks cycles.
      for (let k = 0; k < this.primeBlocks; k++) this.outRing.commitWrite(k - this.primeBlocks);
      bridge.setup(this.handle, {
        inputs: this.inRing.channels,
        outputs: this.outRing.channels,
        prime: this.primeBlocks,
        inRing: new Int32Array(this.inRing.buffers.sab),
        outRing: new Int32Array(this.outRing.buffers.sab),
        ctl: this.ctl,
        onWake: this.onWake,
      });
    } catch (e) {
      bridge.close(this.handle);
      throw e;
    }
  }

  /** Where the round trip's frames go, known once started (the ports are connected then). */
  get latency(): LatencyReport | undefined {
    return this.report;
  }

  /** Output latency the queue adds, in frames. */
  get primeFrames(): number {
    return this.primeBlocks * this.periodFrames;
  }

  /** Activates the client, connects it, and starts rendering; `onFailure` is called once if JACK fails. */
  async start(onFailure: (reason: string) => void): Promise<void> {
    this.failed = onFailure;
    Atomics.store(this.ctl, CTL.engineLatency, this.runner.engine.latencyFrames);
    this.running = true;
    this.bridge.activate(this.handle);
    const captured: string[] = [];
    const played: string[] = [];
    if (this.opts.connect !== false) {
      const capture = this.bridge.ports(this.handle, '', PORT_FLAGS.physical | PORT_FLAGS.output);
      const playback = this.bridge.ports(this.handle, '', PORT_FLAGS.physical | PORT_FLAGS.input);
      for (let c = 0; c < this.inRing.channels && c < capture.length; c++) {
        this.bridge.connect(this.handle, capture[c]!, `${this.name}:in_${c + 1}`);
        captured.push(capture[c]!);
      }
      for (let c = 0; c < this.outRing.channels && c < playback.length; c++) {
        this.bridge.connect(this.handle, `${this.name}:out_${c + 1}`, playback[c]!);
        played.push(playback[c]!);
      }
    }
    const worst = (ports: string[], side: 'capture' | 'playback'): number => Math.max(0, ...ports.map((p) => this.bridge.portLatency(this.handle, p)?.[side][1] ?? 0));
    this.report = latencyReport({
      mode: this.opts.primeBlocks !== undefined ? 'custom' : (this.opts.latency ?? 'safe'),
      sampleRate: this.sampleRate,
      blockFrames: this.periodFrames,
      primeBlocks: this.primeBlocks,
      captureFrames: worst(captured, 'capture'),
      playbackFrames: worst(played, 'playback'),
      engineFrames: this.runner.engine.latencyFrames,
      deviceKnown: true,
    });
  }

  private fail(reason: string): void {
    if (!this.running) return;
    this.running = false;
    this.failed?.(reason);
  }

  /** One or more JACK cycles happened: render every queued block. The audio path: no allocation. */
  private readonly onWake = (): void => {
    if (!this.running) return;
    const ctl = this.ctl;
    if (Atomics.load(ctl, CTL.shutdown) !== 0) return this.fail(`JACK shut the client down: ${this.bridge.shutdownReason(this.handle)}`);
    if (Atomics.load(ctl, CTL.period) !== this.periodFrames) return this.fail(`JACK's period changed to ${Atomics.load(ctl, CTL.period)} frames`);
    const r = this.runner;
    const inRing = this.inRing;
    const outRing = this.outRing;
    const prime = this.primeBlocks;
    let slot = inRing.readSlot();
    while (slot >= 0) {
      const cycle = inRing.cycleOf(slot);
      const out = outRing.writeSlot();
      // A block whose cycle's output already went out is rendered for nothing: skip it to catch up.
      if (out < 0 || ((Atomics.load(ctl, CTL.cycle) - cycle) | 0) > prime) r.markDropped(1);
      else {
        this.render(slot, out);
        outRing.commitWrite(cycle);
        if (prime === 0) this.bridge.wake(this.handle);
      }
      inRing.commitRead();
      slot = inRing.readSlot();
    }
    const late = Atomics.load(ctl, CTL.late);
    if (late !== this.lateSeen) {
      r.markLate((late - this.lateSeen) | 0);
      this.lateSeen = late;
    }
    const dropped = Atomics.load(ctl, CTL.dropped);
    if (dropped !== this.droppedSeen) {
      r.markDropped((dropped - this.droppedSeen) | 0);
      this.droppedSeen = dropped;
    }
    Atomics.store(ctl, CTL.engineLatency, r.engine.latencyFrames);
  };

  /** Renders one period from input slot `inSlot` into output slot `outSlot`, in engine-sized blocks. */
  private render(inSlot: number, outSlot: number): void {
    const r = this.runner;
    const period = this.periodFrames;
    const block = r.blockFrames;
    const nIn = this.inRing.channels;
    const nOut = this.outRing.channels;
    for (let off = 0; off < period; off += block) {
      const n = period - off < block ? period - off : block;
      for (let c = 0; c < nIn; c++) copyFrames(this.inRing.channel(inSlot, c), off, r.inputs[c]!, 0, n);
      this.opts.beforeBlock?.(n);
      r.render(n);
      for (let c = 0; c < nOut; c++) copyFrames(r.outputs[c]!, 0, this.outRing.channel(outSlot, c), off, n);
    }
  }

  /** Deactivates and closes the client; resolves true (closing JACK's client cannot hang like a dead ALSA device). */
  async stop(): Promise<boolean> {
    this.running = false;
    this.bridge.close(this.handle);
    return true;
  }
}

/** dst[dstOff + i] = src[srcOff + i] for i < n, without making subarray views. */
function copyFrames(src: Float32Array, srcOff: number, dst: Float32Array, dstOff: number, n: number): void {
  if (srcOff === 0 && dstOff === 0 && n === src.length && n === dst.length) {
    dst.set(src);
    return;
  }
  for (let i = 0; i < n; i++) dst[dstOff + i] = src[srcOff + i]!;
}
