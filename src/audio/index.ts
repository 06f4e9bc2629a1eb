/**
 * Audio backends that clock the engine: `jack` (a JACK client whose process callback drives the
 * engine, src/audio/jack), `portaudio` (an interface through naudiodon), `null` (a timer, for headless
 * boxes and tests) and `file` (offline render, src/audio/file). The first three run inside the engine
 * worker (src/engine/worker/engine-worker.ts); this module holds what both sides share.
 */
import type { SampleFormatName } from './portaudio/addon.ts';
import type { LatencyMode } from './latency.ts';

export type AudioState = 'running' | 'fallback' | 'stopped';

/** How the engine worker is clocked. Structured-clone safe (it crosses into the worker). */
export interface AudioConfig {
  /**
   * auto: a running JACK server (when no device is named), else the chosen (or first) PortAudio
   * interface, else the null clock with the demo signal.
   */
  readonly backend: 'auto' | 'jack' | 'portaudio' | 'null';
  readonly device?: string | number;
  readonly sampleRate: number;
  readonly blockFrames: number;
  /** 'auto': the demo multitrack only when the null clock stands in for a missing interface. */
  readonly demo: boolean | 'auto';
  readonly format?: SampleFormatName | 'auto';
  /** How much faderd buffers ahead of the device (src/audio/latency.ts); default safe. */
  readonly latency?: LatencyMode;
  /** Output blocks queued ahead of the device, outright (overrides latency). */
  readonly primeBlocks?: number;
  /** JACK: connect to the physical ports in order (default true). */
  readonly connect?: boolean;
  /** JACK client name (default faderd). */
  readonly clientName?: string;
  /** How often a failed device is retried while the null clock stands in. */
  readonly retryMs?: number;
}

export { listAudioDevices, chooseDevice, DeviceNotFoundError } from './portaudio/devices.ts';
export { formatLatency, type LatencyReport, type LatencyMode } from './latency.ts';
export { DemoMultitrack, DEMO_TRACKS } from './demo.ts';
export { NullClock } from './null/null-clock.ts';
