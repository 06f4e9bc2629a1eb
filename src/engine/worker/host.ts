/**
 * The control-plane side of the engine worker: starts it, forwards every param change from the store
 * into the shared queue (never blocking), and brings meters and health back into the store as
 * read-only params on a fixed timer, coalesced.
 */
import type { Worker } from 'node:worker_threads';
import type { Subscription } from 'rxjs';
import type { ParamStore } from '../../params/store.ts';
import { toEngineValue } from '../../params/registry.ts';
import type { Session } from '../../params/session.ts';
import { type AudioConfig, type AudioState, type LatencyReport } from '../../audio/index.ts';
import { latencyStatus, withEngineFrames } from '../../audio/latency.ts';
import { createParamQueueBuffers, ParamQueueWriter } from './param-queue.ts';
import { createMeterSnapshotBuffers, MeterSnapshotReader, STATUS, statusPeriods } from './meter-snapshot.ts';
import { meterIndexes } from './runner.ts';
import type { EngineWorkerData, FromWorker, ToWorker } from './protocol.ts';
import { within } from '../../util/within.ts';
import { tsWorker } from './ts-worker.ts';

export interface EngineHostOptions {
  readonly audio: AudioConfig;
  readonly surfaceIds?: readonly string[];
  /** Module URL exporting createEngine (tests use a small engine); default: src/engine/index.ts. */
  readonly engineModule?: string;
  /** How often meters are read into the store. */
  readonly meterPollMs?: number;
  /** The period /status/load/{mean,max} are taken over (each reading is the last whole one). Default 1000. */
  readonly statusPeriodMs?: number;
  readonly queueCapacity?: number;
  /** Worker events worth a log line (device state, failures). */
  readonly onEvent?: (e: FromWorker) => void;
}

export interface AudioStatus {
  readonly state: AudioState;
  readonly device: string;
  readonly reason?: string;
  readonly primeFrames?: number;
  readonly format?: string;
  readonly latency?: LatencyReport;
}

const STATUS_PARAMS: ReadonlyArray<readonly [string, number]> = [
  ['/status/blocks', STATUS.blocks],
  ['/status/late', STATUS.late],
  ['/status/dropped', STATUS.dropped],
  ['/status/load/mean', STATUS.loadMean],
  ['/status/load/max', STATUS.loadMax],
];

export class EngineHost {
  private worker: Worker | undefined;
  private writer: ParamQueueWriter | undefined;
  private reader: MeterSnapshotReader | undefined;
  private sub: Subscription | undefined;
  private timer: NodeJS.Timeout | undefined;
  private periodTimer: NodeJS.Timeout | undefined;
  private stopped: Promise<void> | undefined;
  private hungWorker = false;
  private meterAddresses: Array<readonly [string, number]> = [];
  audio: AudioStatus = { state: 'stopped', device: '' };
  latencyFrames = 0;

  constructor(
    private readonly store: ParamStore,
    private readonly session: Session,
    private readonly opts: EngineHostOptions,
  ) {}

  /** Starts the worker; resolves once the engine is built and the audio state is known. */
  async start(): Promise<AudioStatus> {
    const reg = this.store.registry;
    const queue = createParamQueueBuffers(this.opts.queueCapacity ?? 4096);
    const meters = createMeterSnapshotBuffers(reg.defs.length);
    this.writer = new ParamQueueWriter(queue);
    this.reader = new MeterSnapshotReader(meters);
    this.meterAddresses = Array.from(meterIndexes(reg), (i) => [reg.defs[i]!.address, i] as const);
    const initial = new Float64Array(reg.defs.length).fill(NaN);
    for (const d of reg.defs) if (!d.readOnly && !d.action && d.type !== 'text') initial[d.index] = toEngineValue(d, this.store.getByIndex(d.index));
    // Subscribe before the worker starts so no change falls between the snapshot and the queue.
    this.sub = this.store.changes$.subscribe((batch) => {
      for (const c of batch) {
        if (c.def.readOnly || c.def.action || c.def.type === 'text') continue;
        this.writer!.push(c.def.index, toEngineValue(c.def, c.value));
      }
    });
    const workerData: EngineWorkerData = {
      session: this.session,
      surfaceIds: this.opts.surfaceIds ?? [],
      queue,
      meters,
      initial,
      audio: this.opts.audio,
      ...(this.opts.engineModule ? { engineModule: this.opts.engineModule } : {}),
    };
    const worker = tsWorker(new URL('./engine-worker.ts', import.meta.url), workerData);
    this.worker = worker;
    const ready = new Promise<AudioStatus>((resolve, reject) => {
      let gotReady = false;
      worker.on('message', (m: FromWorker) => {
        this.opts.onEvent?.(m);
        if (m.type === 'ready') {
          gotReady = true;
          this.latencyFrames = m.latencyFrames;
          this.store.set('/status/audio/scheduling', m.scheduling, 'engine', { internal: true });
        } else if (m.type === 'audio') {
          this.audio = {
            state: m.state,
            device: m.device,
            ...(m.reason ? { reason: m.reason } : {}),
            ...(m.primeFrames !== undefined ? { primeFrames: m.primeFrames } : {}),
            ...(m.format ? { format: m.format } : {}),
            ...(m.latency ? { latency: m.latency } : {}),
          };
          this.store.batch([['/status/audio/state', m.state], ['/status/audio/device', m.device], ...this.latencyEntries()], 'engine', { internal: true });
          if (gotReady) resolve(this.audio);
        } else if (m.type === 'fatal') reject(new Error(`engine failed: ${m.message}`));
      });
      worker.on('error', (e) => reject(e));
      worker.on('exit', (code) => reject(new Error(`engine worker exited (code ${code}) before starting`)));
    });
    this.timer = setInterval(() => this.poll(), this.opts.meterPollMs ?? 33);
    const periods = statusPeriods(meters);
    // The worker closes the period at its next block and publishes it; the next poll brings it in.
    this.periodTimer = setInterval(() => Atomics.add(periods, 0, 1), this.opts.statusPeriodMs ?? 1000);
    try {
      return await ready;
    } catch (e) {
      await this.stop();
      throw e;
    }
  }

  /** Reads the newest meter snapshot into the store; returns whether there was one. */
  poll(): boolean {
    if (!this.reader || !this.writer) return false;
    this.writer.flush();
    if (!this.reader.read()) return false;
    const v = this.reader.values;
    const entries: Array<readonly [string, string | number]> = [];
    for (const [address, i] of this.meterAddresses) {
      const x = v[i]!;
      if (!Number.isNaN(x)) entries.push([address, x]);
    }
    for (const [address, slot] of STATUS_PARAMS) entries.push([address, Math.round(this.reader.status(slot) * 10) / 10]);
    // The limiter switched in or out of the path changes the engine's delay, and so the round trip.
    const lat = this.audio.latency;
    const engineFrames = this.reader.status(STATUS.engineLatency);
    if (lat && engineFrames !== lat.engineFrames) {
      this.audio = { ...this.audio, latency: withEngineFrames(lat, engineFrames) };
      entries.push(...this.latencyEntries());
    }
    this.store.batch(entries, 'engine', { internal: true });
    return true;
  }

  /** /status/audio/latency and /status/audio/roundtrip for the current audio state. */
  private latencyEntries(): Array<readonly [string, string | number]> {
    const lat = this.audio.state === 'running' ? this.audio.latency : undefined;
    if (!lat) return [['/status/audio/latency', ''], ['/status/audio/roundtrip', 0]];
    return [['/status/audio/latency', latencyStatus(lat)], ['/status/audio/roundtrip', Math.round((lat.roundTripFrames / lat.sampleRate) * 1e5) / 100]];
  }

  /** Param changes that waited for room in the queue so far (a measure of bursts). */
  get overflowed(): number {
    return this.writer?.overflowed ?? 0;
  }

  resetLoudness(): void {
    this.worker?.postMessage({ type: 'resetLoudness' } satisfies ToWorker);
  }

  /**
   * Stops audio and the worker, within about a second even if the device hangs. Idempotent. A worker
   * holding a stream its device never let go of cannot exit at all (Node waits for the blocked native
   * call); it is left behind and `hung` says so, so that the process knows it must end by force.
   */
  stop(): Promise<void> {
    this.stopped ??= (async () => {
      this.sub?.unsubscribe();
      const w = this.worker;
      if (w) {
        const done = new Promise<boolean>((res) => {
          w.on('message', (m: FromWorker) => m.type === 'stopped' && res(m.hung));
          w.once('exit', () => res(false));
        });
        w.postMessage({ type: 'stop' } satisfies ToWorker);
        this.hungWorker = await within(done, 900, true);
      }
      if (this.timer) clearInterval(this.timer);
      if (this.periodTimer) clearInterval(this.periodTimer);
      this.poll();
      if (w && !this.hungWorker) this.hungWorker = !(await within(w.terminate().then(() => true), 500, false));
      if (w && this.hungWorker) w.unref();
    })();
    return this.stopped;
  }

  /** After stop(): the worker could not exit because an audio device hung (see stop()). */
  get hung(): boolean {
    return this.hungWorker;
  }
}
