/**
 * The PortAudio backend (naudiodon): the interface clocks the engine. Runs inside the engine worker.
 *
 * naudiodon's traps, handled here: a duplex stream's callback blocks until an output chunk is queued,
 * so the output is primed with silence before start and input is read one block at a time; status
 * flags (underflow/overflow) come back as strings (closeOnError) and are counted, not printed. The
 * priming is also the buffer that absorbs the worker's scheduling jitter.
 */
import { loadAddon, SAMPLE_FORMAT, type PaAddon, type PaAudioIO, type PaDeviceInfo, type SampleFormatName } from './addon.ts';
import { chooseDevice } from './devices.ts';
import { BYTES_PER_SAMPLE, deinterleave, interleave } from './samples.ts';
import { within } from '../../util/within.ts';
import { latencyReport, primeBlocksFor, type LatencyMode, type LatencyReport } from '../latency.ts';

export interface PaRunner {
  readonly inputs: ReadonlyArray<Float32Array>;
  readonly outputs: ReadonlyArray<Float32Array>;
  readonly blockFrames: number;
  readonly blockPeriodMs: number;
  readonly engine: { readonly latencyFrames: number };
  render(): void;
  markLate(): void;
  markDropped(n: number): void;
}

export interface PortAudioOptions {
  readonly device?: string | number;
  readonly sampleRate: number;
  /** 'auto' tries 32-bit float, then 24 and 16-bit integers. */
  readonly format?: SampleFormatName | 'auto';
  /** How much to queue ahead of the device (src/audio/latency.ts); default safe. */
  readonly latency?: LatencyMode;
  /** Output blocks queued ahead of the device, outright (at least 1: naudiodon's duplex needs one). */
  readonly primeBlocks?: number;
  /** Called after input is read, before rendering (the --demo signal overwrites inputs here). */
  readonly beforeBlock?: () => void;
}

const FORMATS_AUTO: readonly SampleFormatName[] = ['float32', 'int24', 'int16'];

export class PortAudioStream {
  readonly device: PaDeviceInfo;
  readonly format: SampleFormatName;
  readonly inChannels: number;
  readonly outChannels: number;
  readonly primeBlocks: number;
  private readonly io: PaAudioIO;
  private readonly outBuf: Buffer;
  /** Each read's samples are copied here first: deinterleave reads through views made once per Buffer. */
  private readonly inBuf: Buffer;
  private readonly inBytes: number;
  private running = false;
  private loopDone: Promise<void> = Promise.resolve();

  /** Opens the device (synchronously; throws with the reason when it cannot). */
  constructor(
    private readonly runner: PaRunner,
    private readonly opts: PortAudioOptions,
    addon: PaAddon = loadAddon(),
  ) {
    this.device = chooseDevice(addon.getDevices(), opts.device);
    this.inChannels = Math.min(runner.inputs.length, this.device.maxInputChannels);
    this.outChannels = Math.min(runner.outputs.length, this.device.maxOutputChannels);
    this.primeBlocks = Math.max(1, primeBlocksFor('portaudio', opts.latency ?? 'safe', runner.blockPeriodMs, opts.primeBlocks));
    const frames = runner.blockFrames;
    const formats = !opts.format || opts.format === 'auto' ? FORMATS_AUTO : [opts.format];
    let lastErr: unknown;
    let opened: { io: PaAudioIO; format: SampleFormatName } | undefined;
    for (const format of formats) {
      const base = { deviceId: this.device.id, sampleRate: opts.sampleRate, sampleFormat: SAMPLE_FORMAT[format], framesPerBuffer: frames, closeOnError: true };
      try {
        const io = addon.create({
          ...(this.inChannels > 0 ? { inOptions: { ...base, channelCount: this.inChannels, maxQueue: 16 } } : {}),
          outOptions: { ...base, channelCount: this.outChannels, maxQueue: this.primeBlocks + 2 },
        });
        opened = { io, format };
        break;
      } catch (e) {
        lastErr = e;
      }
    }
    if (!opened) throw new Error(`cannot open audio device "${this.device.name}" at ${opts.sampleRate} Hz: ${(lastErr as Error)?.message ?? lastErr}`);
    this.io = opened.io;
    this.format = opened.format;
    this.outBuf = Buffer.alloc(frames * this.outChannels * BYTES_PER_SAMPLE[this.format]);
    this.inBytes = frames * this.inChannels * BYTES_PER_SAMPLE[this.format];
    this.inBuf = Buffer.alloc(this.inBytes);
  }

  /** Output latency the priming adds, in frames (an output file starts with this much silence). */
  get primeFrames(): number {
    return this.primeBlocks * this.runner.blockFrames;
  }

  /** faderd's share of the round trip; PortAudio (as naudiodon builds it) does not report the device's. */
  get latency(): LatencyReport {
    return latencyReport({
      mode: this.opts.primeBlocks !== undefined ? 'custom' : (this.opts.latency ?? 'safe'),
      sampleRate: this.opts.sampleRate,
      blockFrames: this.runner.blockFrames,
      primeBlocks: this.primeBlocks,
      captureFrames: 0,
      playbackFrames: 0,
      engineFrames: this.runner.engine.latencyFrames,
      deviceKnown: false,
    });
  }

  /** Primes and starts; `onFailure` is called once if the device fails while running. */
  async start(onFailure: (reason: string) => void): Promise<void> {
    this.outBuf.fill(0);
    for (let i = 0; i < this.primeBlocks; i++) await this.io.write(this.outBuf);
    this.io.start();
    this.running = true;
    this.loopDone = this.loop().catch((e: unknown) => {
      if (this.running) {
        this.running = false;
        onFailure((e as Error).message ?? String(e));
      }
    });
  }

  /**
   * The device's own account of a glitch: "output underflow" means it needed a block that was not
   * there (late), "input overflow" that it had to discard input (dropped). One flag set covers the
   * whole xrun, however many blocks it spanned.
   */
  private statusOf(result: unknown): void {
    if (result === undefined || result === null || result === '') return;
    const s = String(result);
    if (!/underflow|overflow|priming output/.test(s)) throw new Error(s);
    if (/output underflow/.test(s)) this.runner.markLate();
    if (/input overflow|input underflow|output overflow/.test(s)) this.runner.markDropped(1);
  }

  private async loop(): Promise<void> {
    const r = this.runner;
    const frames = r.blockFrames;
    let pendingWrite: Promise<unknown> | undefined;
    // The next read is asked for as soon as the last one is in, so libuv's pool is already waiting
    // on the device while this block renders. One read in flight keeps the blocks in order.
    let nextRead = this.inChannels > 0 ? this.io.read(this.inBytes) : undefined;
    while (this.running) {
      if (nextRead) {
        const res = await nextRead;
        if (!this.running) return;
        nextRead = this.io.read(this.inBytes);
        if (res.err !== undefined) {
          // naudiodon drops the block that carried a status flag: render silence in its place so
          // the output keeps its priming depth.
          this.statusOf(res.err);
          for (let c = 0; c < this.inChannels; c++) r.inputs[c]!.fill(0);
        } else {
          if (res.finished || !res.buf || res.buf.length < this.inBytes) throw new Error('audio input stopped');
          if (res.buf.length === this.inBytes) this.inBuf.set(res.buf);
          else res.buf.copy(this.inBuf, 0, 0, this.inBytes);
          deinterleave(this.inBuf, this.format, this.inChannels, r.inputs, frames);
        }
      }
      this.opts.beforeBlock?.();
      r.render();
      interleave(r.outputs, frames, this.outBuf, this.format, this.outChannels);
      // write() copies the chunk before it returns, so outBuf is free at once; only the queueing
      // (on libuv's pool) is asynchronous. One write in flight keeps the chunks in order, and
      // not waiting for it here takes a thread hop off the path from input to output.
      if (pendingWrite) this.statusOf(await pendingWrite);
      pendingWrite = this.io.write(this.outBuf);
    }
  }

  /**
   * Stops and closes the stream; resolves false when the device did not let go within half a second.
   * naudiodon's quit waits for the device to call back once more before it aborts the stream, which
   * a dead device never does: that wait then holds one of libuv's pool threads for good (the caller
   * counts such streams, see the engine worker).
   */
  async stop(): Promise<boolean> {
    this.running = false;
    const closed = await within(this.io.quit('ABORT').then(() => true), 500, false);
    await within(this.loopDone, 200, undefined);
    return closed;
  }
}
