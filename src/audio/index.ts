/**
 * Audio backends that clock the engine: `portaudio` (an interface through naudiodon), `null` (a timer,
 * for headless boxes and tests) and `file` (offline render, src/audio/file). The first two run inside
 * the engine worker (src/engine/worker/engine-worker.ts); this module holds what both sides share.
 */
import type { SampleFormatName } from './portaudio/addon.ts';

export type AudioState = 'running' | 'fallback' | 'stopped';

/** How the engine worker is clocked. Structured-clone safe (it crosses into the worker). */
export interface AudioConfig {
  /** auto: the chosen (or first) interface, else the null clock with the demo signal. */
  readonly backend: 'auto' | 'portaudio' | 'null';
  readonly device?: string | number;
  readonly sampleRate: number;
  readonly blockFrames: number;
  /** 'auto': the demo multitrack only when the null clock stands in for a missing interface. */
  readonly demo: boolean | 'auto';
  readonly format?: SampleFormatName | 'auto';
  readonly primeBlocks?: number;
  /** How often a failed device is retried while the null clock stands in. */
  readonly retryMs?: number;
}

export { listAudioDevices, chooseDevice, DeviceNotFoundError } from './portaudio/devices.ts';
export { DemoMultitrack, DEMO_TRACKS } from './demo.ts';
export { NullClock } from './null/null-clock.ts';
