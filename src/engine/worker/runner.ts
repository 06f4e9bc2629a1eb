/**
 * The per-block work of the engine worker, independent of what clocks it: apply queued param changes,
 * render, measure DSP load, publish meters at a fixed rate. Every method here except the constructor
 * runs on the audio path: no allocation, no await, no throw, no log.
 *
 * DSP load of a block is the time spent in the engine's process() over the block period (%); the
 * status figures are its mean and max over a status period, which the control side ends by bumping
 * the shared period counter (statusPeriods), so a reader gets the blocks of its own period.
 */
import type { Engine } from '../types.ts';
import type { ParamRegistry } from '../../params/registry.ts';
import { ParamQueueReader, type ParamQueueBuffers } from './param-queue.ts';
import { MeterSnapshotWriter, STATUS, statusPeriods, type MeterSnapshotBuffers } from './meter-snapshot.ts';
import { blockClock, type BlockClock } from './clock.ts';

export interface RunnerOptions {
  /** Meter publications per second (coalesced snapshots for the control plane). */
  readonly meterRateHz?: number;
  /** The clock blocks are timed with, in ms (tests pass a fake one). Default: the allocation-free native clock. */
  readonly now?: () => number;
}

/** Param indexes the engine writes meters to (status params are the runner's own). */
export function meterIndexes(registry: ParamRegistry): Int32Array {
  return Int32Array.from(registry.defs.filter((d) => d.readOnly && d.type === 'number' && d.address.includes('/meter/')).map((d) => d.index));
}

export class BlockRunner {
  readonly inputs: Float32Array[];
  readonly outputs: Float32Array[];
  readonly blockPeriodMs: number;
  private readonly queue: ParamQueueReader;
  private readonly snapshot: MeterSnapshotWriter;
  private readonly indexes: Int32Array;
  private readonly status = new Float64Array(STATUS.count);
  private readonly publishEveryFrames: number;
  private readonly msPerFrame: number;
  private readonly periods: Int32Array;
  private period = 0;
  private sincePublishFrames = 0;
  private loadSum = 0;
  private loadMax = 0;
  private loadCount = 0;
  private readonly setParam: (index: number, value: number) => void;
  private readonly clock: BlockClock;
  /** Start and end of the last block, written by the clock (no boxed doubles). */
  private readonly times = new Float64Array(2);

  constructor(
    readonly engine: Engine,
    registry: ParamRegistry,
    queue: ParamQueueBuffers,
    meters: MeterSnapshotBuffers,
    readonly blockFrames: number,
    opts: RunnerOptions = {},
  ) {
    if (blockFrames > engine.maxBlock) throw new RangeError(`block of ${blockFrames} frames exceeds the engine's maxBlock ${engine.maxBlock}`);
    this.queue = new ParamQueueReader(queue);
    this.snapshot = new MeterSnapshotWriter(meters);
    this.periods = statusPeriods(meters);
    this.period = Atomics.load(this.periods, 0);
    this.indexes = meterIndexes(registry);
    this.inputs = Array.from({ length: engine.inputChannels }, () => new Float32Array(blockFrames));
    this.outputs = Array.from({ length: engine.outputChannels }, () => new Float32Array(blockFrames));
    this.blockPeriodMs = (blockFrames / engine.sampleRate) * 1000;
    const blocksPerSec = engine.sampleRate / blockFrames;
    this.publishEveryFrames = Math.max(1, Math.round(blocksPerSec / (opts.meterRateHz ?? 30))) * blockFrames;
    this.msPerFrame = 1000 / engine.sampleRate;
    this.setParam = (i, v) => engine.setParam(i, v);
    const now = opts.now;
    this.clock = now ? (out, i) => void (out[i] = now()) : blockClock();
  }

  /**
   * Renders one block from `this.inputs` into `this.outputs`. A device whose period is not the block
   * size renders shorter blocks (`frames` ≤ blockFrames). The devices' path: allocates nothing.
   */
  render(frames = this.blockFrames): void {
    const asked = Atomics.load(this.periods, 0);
    if (asked !== this.period) this.closePeriod(asked);
    this.queue.drain(this.setParam);
    const t = this.times;
    this.clock(t, 0);
    this.engine.process(this.inputs, this.outputs, frames);
    this.clock(t, 1);
    const load = ((t[1]! - t[0]!) / (frames * this.msPerFrame)) * 100;
    this.loadSum += load;
    this.loadCount++;
    if (load > this.loadMax) this.loadMax = load;
    this.status[STATUS.blocks]!++;
    this.sincePublishFrames += frames;
    if (this.sincePublishFrames >= this.publishEveryFrames) this.publish();
  }

  /** render() for a clock that reads the time itself (the null clock): returns nothing, so no double is boxed. */
  runBlock(frames = this.blockFrames): void {
    this.render(frames);
  }

  /** Ends the status period the control side asked to end, and publishes its figures at once. */
  private closePeriod(asked: number): void {
    this.period = asked;
    this.status[STATUS.loadMean] = this.loadCount > 0 ? this.loadSum / this.loadCount : 0;
    this.status[STATUS.loadMax] = this.loadMax;
    this.status[STATUS.periods] = asked;
    this.loadSum = 0;
    this.loadMax = 0;
    this.loadCount = 0;
    this.publish();
  }

  /** Applies queued param changes without rendering (before the first block, or while stopped). */
  applyPending(): number {
    return this.queue.drain(this.setParam);
  }

  markLate(n = 1): void {
    this.status[STATUS.late]! += n;
  }

  markDropped(n = 1): void {
    this.status[STATUS.dropped]! += n;
  }

  get blocks(): number {
    return this.status[STATUS.blocks]!;
  }

  get late(): number {
    return this.status[STATUS.late]!;
  }

  publish(): void {
    this.sincePublishFrames = 0;
    // The engine's delay changes when the limiter is switched in or out of the path.
    this.status[STATUS.engineLatency] = this.engine.latencyFrames;
    this.snapshot.publish(this.engine.meters, this.indexes, this.status);
  }

  /** Silences the input buffers (the null clock with no demo signal). */
  clearInputs(): void {
    for (const b of this.inputs) b.fill(0);
  }
}
