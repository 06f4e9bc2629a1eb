/** Messages and start-up data between the control plane and the engine worker (rare events only). */
import type { Session } from '../../params/session.ts';
import type { AudioConfig, AudioState, LatencyReport } from '../../audio/index.ts';
import type { ParamQueueBuffers } from './param-queue.ts';
import type { Scheduling } from './priority.ts';
import type { MeterSnapshotBuffers } from './meter-snapshot.ts';

export interface EngineWorkerData {
  /** Passed by structured clone, which keeps -Infinity (JSON would not). */
  readonly session: Session;
  readonly surfaceIds: readonly string[];
  readonly queue: ParamQueueBuffers;
  readonly meters: MeterSnapshotBuffers;
  /** Engine value of every param at start, by index (NaN: nothing to send). */
  readonly initial: Float64Array;
  readonly audio: AudioConfig;
  /** Module exporting createEngine(session, registry, {maxBlock, sampleRate}); default the real engine. */
  readonly engineModule?: string;
}

export type ToWorker = { readonly type: 'stop' } | { readonly type: 'resetLoudness' };

export type FromWorker =
  | { readonly type: 'ready'; readonly scheduling: Scheduling; readonly latencyFrames: number; readonly inputChannels: number; readonly outputChannels: number }
  | {
      readonly type: 'audio';
      readonly state: AudioState;
      readonly device: string;
      readonly reason?: string;
      readonly primeFrames?: number;
      readonly format?: string;
      /** Where the round trip's frames go, for a running device. */
      readonly latency?: LatencyReport;
    }
  | { readonly type: 'log'; readonly level: 'info' | 'warn' | 'error'; readonly msg: string }
  /** hung: a device stream could not be closed, so the worker cannot exit (its thread stays blocked). */
  | { readonly type: 'stopped'; readonly hung: boolean }
  | { readonly type: 'fatal'; readonly message: string };
