/**
 * The engine contract between the graph (src/engine/graph) and whatever clocks it: the offline file
 * renderer, the null timer and the PortAudio backend in the engine worker.
 *
 * Thread rules: `create*` and `configure*` run off the audio path. `setParam` and `process` run on the
 * audio thread: they never allocate, await, throw or log.
 */

/**
 * A param's new engine value (bool 0/1, enum index, number) as a setter receives it: in `value[0]`.
 * A cell, not a number argument: the engine calls hundreds of setters from one call site, which V8
 * cannot inline, and a double passed to a call that is not inlined is boxed on the heap (16 bytes per
 * change). Setters read it and store it; what they hand on goes the same way (in fields or typed
 * arrays), so applying a change allocates nothing. Valid only during the call.
 */
export type ParamCell = Float64Array;

/** What a graph node calls to receive a param by address; `apply` gets the engine value in `value[0]`. */
export type ParamBinder = (address: string, apply: (value: ParamCell) => void) => void;

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
