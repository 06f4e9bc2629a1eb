/**
 * The per-block work of the engine worker, independent of what clocks it: apply queued param changes,
 * render, measure DSP load, publish meters at a fixed rate. Every method here except the constructor
 * runs on the audio path: no allocation, no await, no throw, no log.
 */
import { performance } from 'node:perf_hooks';
import type { Engine } from '../types.ts';
import type { ParamRegistry } from '../../params/registry.ts';
import { ParamQueueReader, type ParamQueueBuffers } from './param-queue.ts';
import { MeterSnapshotWriter, STATUS, type MeterSnapshotBuffers } from './meter-snapshot.ts';

export interface RunnerOptions {
  /** Meter publications per second (coalesced snapshots for the control plane). */
  readonly meterRateHz?: number;
  /** Length of the window DSP load mean/max are taken over. */
  readonly loadWindowMs?: number;
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
  private readonly publishEvery: number;
  private readonly loadWindowBlocks: number;
  private sincePublishBlocks = 0;
  private loadSum = 0;
  private loadMax = 0;
  private loadCount = 0;
  private readonly setParam: (index: number, value: number) => void;

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
    this.indexes = meterIndexes(registry);
    this.inputs = Array.from({ length: engine.inputChannels }, () => new Float32Array(blockFrames));
    this.outputs = Array.from({ length: engine.outputChannels }, () => new Float32Array(blockFrames));
    this.blockPeriodMs = (blockFrames / engine.sampleRate) * 1000;
    const blocksPerSec = engine.sampleRate / blockFrames;
    this.publishEvery = Math.max(1, Math.round(blocksPerSec / (opts.meterRateHz ?? 30)));
    this.loadWindowBlocks = Math.max(1, Math.round((blocksPerSec * (opts.loadWindowMs ?? 2000)) / 1000));
    this.setParam = (i, v) => engine.setParam(i, v);
  }

  /** Renders one block from `this.inputs` into `this.outputs`; returns the time it finished (ms). */
  runBlock(): number {
    const start = performance.now();
    this.queue.drain(this.setParam);
    this.engine.process(this.inputs, this.outputs, this.blockFrames);
    const end = performance.now();
    const load = ((end - start) / this.blockPeriodMs) * 100;
    this.loadSum += load;
    this.loadCount++;
    if (load > this.loadMax) this.loadMax = load;
    if (this.loadCount >= this.loadWindowBlocks) {
      this.status[STATUS.loadMean] = this.loadSum / this.loadCount;
      this.status[STATUS.loadMax] = this.loadMax;
      this.loadSum = 0;
      this.loadMax = 0;
      this.loadCount = 0;
    }
    this.status[STATUS.blocks]!++;
    if (++this.sincePublishBlocks >= this.publishEvery) this.publish();
    return end;
  }

  /** Applies queued param changes without rendering (before the first block, or while stopped). */
  applyPending(): number {
    return this.queue.drain(this.setParam);
  }

  markLate(): void {
    this.status[STATUS.late]!++;
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
    this.sincePublishBlocks = 0;
    // Before the first full window, show the running figures rather than zero.
    if (this.loadCount > 0 && this.status[STATUS.loadMax] === 0) {
      this.status[STATUS.loadMean] = this.loadSum / this.loadCount;
      this.status[STATUS.loadMax] = this.loadMax;
    }
    this.snapshot.publish(this.engine.meters, this.indexes, this.status);
  }

  /** Silences the input buffers (the null clock with no demo signal). */
  clearInputs(): void {
    for (const b of this.inputs) b.fill(0);
  }
}
