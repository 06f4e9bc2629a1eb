/**
 * Live latency as a deliberate setting. `audio.latency` picks how many output blocks faderd queues
 * ahead of the device (its own share of the round trip); `audio.primeBlocks` sets that number
 * outright. The device's own buffering (JACK's periods, an ALSA buffer) is the device's setting.
 *
 *             JACK backend                              PortAudio backend (naudiodon)
 *   low       0: the JACK callback waits, within the    1 block
 *             same cycle, for the engine's block
 *   safe      1 block: the engine has a whole period    enough blocks for 8 ms, at least 2
 *
 * `safe` is the default: it stays at zero late blocks under heavy control traffic with real-time
 * scheduling. `low` takes faderd's share to nothing on JACK (the round trip a bare JACK client has),
 * for machines with headroom.
 */

export const LATENCY_MODES = ['low', 'safe'] as const;
export type LatencyMode = (typeof LATENCY_MODES)[number];
export const MAX_PRIME_BLOCKS = 16;

export type DeviceKind = 'jack' | 'portaudio';

/** Output blocks queued ahead of the device for this backend, mode and block period. */
export function primeBlocksFor(kind: DeviceKind, mode: LatencyMode, blockPeriodMs: number, explicit?: number): number {
  if (explicit !== undefined) return explicit;
  if (kind === 'jack') return mode === 'low' ? 0 : 1;
  return mode === 'low' ? 1 : Math.max(2, Math.ceil(8 / blockPeriodMs));
}

/** Where the frames of a round trip go, as faderd expects them when a stream starts. */
export interface LatencyReport {
  /** 'custom' when audio.primeBlocks was given. */
  readonly mode: LatencyMode | 'custom';
  readonly sampleRate: number;
  /** The device's period (JACK) or faderd's block (PortAudio), in frames. */
  readonly blockFrames: number;
  readonly primeBlocks: number;
  /** The input side of the device: JACK's capture latency of the connected ports, or PortAudio's. */
  readonly captureFrames: number;
  /** The output side of the device. */
  readonly playbackFrames: number;
  /** faderd's queue: primeBlocks × blockFrames. */
  readonly queueFrames: number;
  /** The engine's own delay (the limiter's look-ahead while it is on). */
  readonly engineFrames: number;
  /** capture + queue + engine + playback; without deviceKnown, faderd's share only. */
  readonly roundTripFrames: number;
  /** False when the device does not report its buffering (PortAudio through naudiodon): capture and playback are 0 then. */
  readonly deviceKnown: boolean;
}

export function latencyReport(r: Omit<LatencyReport, 'queueFrames' | 'roundTripFrames'>): LatencyReport {
  const queueFrames = r.primeBlocks * r.blockFrames;
  return { ...r, queueFrames, roundTripFrames: r.captureFrames + queueFrames + r.engineFrames + r.playbackFrames };
}

/** The same report with the engine's delay as it is now (the limiter switched on or off). */
export function withEngineFrames(r: LatencyReport, engineFrames: number): LatencyReport {
  return { ...r, engineFrames, roundTripFrames: r.roundTripFrames - r.engineFrames + engineFrames };
}

const ms = (frames: number, rate: number): string => ((frames / rate) * 1000).toFixed(1);

/** One line: the round trip and where its frames go, e.g. for the start line and /status/audio/latency. */
export function formatLatency(r: LatencyReport): string {
  const queue = `faderd ${r.queueFrames} (${r.primeBlocks} x ${r.blockFrames} queued)`;
  if (!r.deviceKnown)
    return `latency ${r.mode}: faderd's share ${r.roundTripFrames} frames = ${ms(r.roundTripFrames, r.sampleRate)} ms (${queue} + engine ${r.engineFrames}), plus the device's buffers, which PortAudio does not report`;
  return (
    `latency ${r.mode}: round trip ${r.roundTripFrames} frames = ${ms(r.roundTripFrames, r.sampleRate)} ms ` +
    `(capture ${r.captureFrames} + ${queue} + engine ${r.engineFrames} + playback ${r.playbackFrames})`
  );
}

/**
 * The same in at most 64 characters (a text param's limit), frames throughout, for
 * /status/audio/latency: `safe 512 = in 128 + queue 128 + engine 0 + out 256`.
 */
export function latencyStatus(r: LatencyReport): string {
  const middle = `queue ${r.queueFrames} + engine ${r.engineFrames}`;
  return r.deviceKnown ? `${r.mode} ${r.roundTripFrames} = in ${r.captureFrames} + ${middle} + out ${r.playbackFrames}` : `${r.mode} ${r.roundTripFrames} = ${middle} + device ?`;
}
