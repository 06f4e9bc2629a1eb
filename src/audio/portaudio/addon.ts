/**
 * naudiodon's native addon, used directly rather than through its Node stream wrapper: the wrapper
 * buffers chunks by reference (so buffers could not be reused), logs errors with console.error and
 * installs a segfault handler writing crash.log into the user's directory. The addon copies each
 * written chunk synchronously, which lets the backend reuse one output buffer.
 */
import path from 'node:path';
import { createRequire } from 'node:module';

export interface PaDeviceInfo {
  readonly id: number;
  readonly name: string;
  readonly maxInputChannels: number;
  readonly maxOutputChannels: number;
  readonly defaultSampleRate: number;
  readonly defaultLowOutputLatency: number;
  readonly hostAPIName: string;
}

export interface PaStreamOptions {
  readonly deviceId: number;
  readonly sampleRate: number;
  readonly channelCount: number;
  readonly sampleFormat: number;
  readonly framesPerBuffer: number;
  readonly maxQueue: number;
  /** true: status flags (underflow...) come back as error strings instead of being printed. */
  readonly closeOnError: boolean;
}

export interface PaReadResult {
  readonly buf: Buffer;
  readonly finished: boolean;
  readonly err?: unknown;
}

export interface PaAudioIO {
  start(): void;
  read(bytes: number): Promise<PaReadResult>;
  /** Resolves with a status/error string, or undefined when all is well. */
  write(chunk: Buffer): Promise<unknown>;
  quit(flag: 'WAIT' | 'ABORT'): Promise<unknown>;
}

export interface PaAddon {
  getDevices(): PaDeviceInfo[];
  create(opts: { inOptions?: PaStreamOptions; outOptions?: PaStreamOptions }): PaAudioIO;
}

export const SAMPLE_FORMAT = { float32: 1, int16: 16, int24: 24, int32: 32 } as const;
export type SampleFormatName = keyof typeof SAMPLE_FORMAT;

let cached: PaAddon | Error | undefined;

/** Loads the addon once; throws an Error saying why when naudiodon is not built or PortAudio fails. */
export function loadAddon(): PaAddon {
  if (cached === undefined) {
    try {
      const require = createRequire(import.meta.url);
      const dir = path.dirname(require.resolve('naudiodon/package.json'));
      cached = require(path.join(dir, 'build', 'Release', 'naudiodon.node')) as PaAddon;
    } catch (e) {
      cached = new Error(`naudiodon is not available (${(e as Error).message.split('\n')[0]}); reinstall with npm ci`);
    }
  }
  if (cached instanceof Error) throw cached;
  return cached;
}
