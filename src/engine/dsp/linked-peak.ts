/**
 * The linked peak detector input shared by the gate and the compressor: per frame, the largest
 * absolute value across the channels (a stereo or wider source is detected as one, so its image does
 * not shift when one side is louder).
 *
 * Block-level functions rather than a per-sample helper: a per-sample call returns a double, which
 * V8 boxes on the heap when it does not inline the call (and cost +13 % of the engine when it did), while
 * these pass only arrays and integers and run one tight loop. linkedPeaks() writes the peaks to PEAKS,
 * a scratch shared by every detector of the thread (they run one after another; each worker thread
 * has its own module instance), for the kernels' per-sample loops; linkedPeakMax() only finds the
 * largest, for the gate's check whether a block can change anything (most blocks: one read-only pass,
 * as fast as the gate's own scan was).
 *
 * Float32 in, Float32 out: |x| and max are exact, so the detectors see the same values as before.
 */

/** Frames of PEAKS; a detector processes a longer block in spans of at most this many frames. */
export const PEAK_SPAN = 2048;

/** The thread's scratch for linkedPeaks(): detectors fill it at the start of a span and read it back. */
export const PEAKS = new Float32Array(PEAK_SPAN);

/**
 * Writes max over c < nch of |chans[c][from + i]| to out[i] for i in [0, to − from) (to − from ≤
 * out.length). nch ≤ 0 writes nothing. Allocation-free, never throws.
 */
export function linkedPeaks(chans: readonly Float32Array[], nch: number, from: number, to: number, out: Float32Array): void {
  if (nch <= 0) return;
  const n = to - from;
  const a = chans[0]!;
  if (nch === 1) {
    for (let i = 0; i < n; i++) {
      const x = a[from + i]!;
      out[i] = x < 0 ? -x : x;
    }
    return;
  }
  if (nch === 2) {
    const b = chans[1]!;
    for (let i = 0; i < n; i++) {
      const l = a[from + i]!, r = b[from + i]!;
      const al = l < 0 ? -l : l, ar = r < 0 ? -r : r;
      out[i] = al > ar ? al : ar;
    }
    return;
  }
  // Wider: a NaN in any channel never wins (as the gate and compressor always read it).
  out.fill(0, 0, n);
  for (let c = 0; c < nch; c++) {
    const x = chans[c]!;
    for (let i = 0; i < n; i++) {
      const v = x[from + i]!;
      const av = v < 0 ? -v : v;
      if (av > out[i]!) out[i] = av;
    }
  }
}

/**
 * The largest linked peak of frames [from, to) into scan[0] and the last index (from 0) reaching it
 * into scan[1], writing nothing else: the gate's check whether a block can change anything, one
 * read-only pass (most blocks pass it, and need no per-frame peaks). A NaN never wins.
 */
export function linkedPeakMax(chans: readonly Float32Array[], nch: number, from: number, to: number, scan: Float64Array): void {
  const n = to - from;
  let m = 0, last = 0;
  if (nch === 1) {
    const a = chans[0]!;
    for (let i = 0; i < n; i++) {
      const x = a[from + i]!;
      const ax = x < 0 ? -x : x;
      if (ax >= m) {
        m = ax;
        last = i;
      }
    }
  } else if (nch === 2) {
    const a = chans[0]!, b = chans[1]!;
    for (let i = 0; i < n; i++) {
      const l = a[from + i]!, r = b[from + i]!;
      const al = l < 0 ? -l : l, ar = r < 0 ? -r : r;
      const p = al > ar ? al : ar;
      if (p >= m) {
        m = p;
        last = i;
      }
    }
  } else {
    for (let i = 0; i < n; i++) {
      let p = 0;
      for (let c = 0; c < nch; c++) {
        const x = chans[c]![from + i]!;
        const ax = x < 0 ? -x : x;
        if (ax > p) p = ax;
      }
      if (p >= m) {
        m = p;
        last = i;
      }
    }
  }
  scan[0] = m;
  scan[1] = last;
}
