/**
 * The engine contract between the graph (src/engine/graph) and whatever clocks it: the offline file
 * renderer, the null timer and the PortAudio backend in the engine worker.
 *
 * Thread rules: `create*` and `configure*` run off the audio path. `setParam` and `process` run on the
 * audio thread: they never allocate, await, throw or log.
 */

/** What a graph node calls to receive a param by address; `apply` gets the engine value (bool 0/1, enum index). */
export type ParamBinder = (address: string, apply: (value: number) => void) => void;

export interface Engine {
  readonly sampleRate: number;
  readonly maxBlock: number;
  /** Interface input channels the engine reads (1-based refs in the session index into this). */
  readonly inputChannels: number;
  /** Interface output channels the engine writes. */
  readonly outputChannels: number;
  /** Processing latency of the master chain (limiter look-ahead), in frames. */
  readonly latencyFrames: number;
  /** Audio thread: applies a param change (engine value) at the next block, smoothed where audible. */
  setParam(index: number, value: number): void;
  /**
   * Audio thread: renders `frames` (≤ maxBlock) frames. `inputs[k]` is interface input k+1 (missing or
   * short → silence); `outputs[k]` is interface output k+1 and is overwritten.
   */
  process(inputs: ReadonlyArray<Float32Array>, outputs: ReadonlyArray<Float32Array>, frames: number): void;
  /** Meter values by param index (only meter params are written); updated by process(). */
  readonly meters: Float64Array;
  /** Resets meters' integrators (integrated loudness, true-peak max, LRA). */
  resetLoudness(): void;
}
