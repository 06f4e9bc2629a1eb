/**
 * The control words the JACK callback and the engine worker share (an Int32Array over a
 * SharedArrayBuffer); the same indexes are named in native/jack-bridge/src/clients.h. The callback
 * writes the counters; the worker reads them and forwards what changed to the block runner.
 */
export const CTL = {
  /** Number of the JACK cycle the callback last started (skipped cycles count). */
  cycle: 0,
  /** Cycles whose output block was not there in time: silence went out. */
  late: 1,
  /** Input blocks the callback could not queue (the worker far behind). */
  dropped: 2,
  xruns: 3,
  /** 1 once the server has shut the client down. */
  shutdown: 4,
  /** JACK's buffer size as last announced. */
  period: 5,
  prime: 6,
  /** Cycles JACK's frame clock jumped over. */
  skipped: 7,
  callbacks: 8,
  /** The engine's own delay in frames (limiter look-ahead), for the latency JACK reports to others. */
  engineLatency: 9,
  /** Cycles the callback waited for the engine (prime 0). */
  waits: 10,
  count: 16,
} as const;

export function createControl(): Int32Array {
  return new Int32Array(new SharedArrayBuffer(CTL.count * 4));
}
