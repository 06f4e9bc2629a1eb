/** Shared by the DSP benches (not a bench itself): programme-like test signal and best-of timing. */

/** Noise shaped like programme material: low-passed, with a slow level envelope (period 1.7 s at `sampleRate`). */
export function programme(n: number, seed: number, sampleRate = 48000): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0 || 1;
  let lp = 0;
  for (let i = 0; i < n; i++) {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    lp += 0.3 * ((s / 2147483648 - 1) - lp);
    out[i] = lp * (0.3 + 0.25 * Math.sin((2 * Math.PI * i) / (sampleRate * 1.7)));
  }
  return out;
}

/** Fastest of `runs` runs of `run`, in seconds. */
export function bestOf(runs: number, run: () => void): number {
  let b = Infinity;
  for (let r = 0; r < runs; r++) {
    const t = performance.now();
    run();
    b = Math.min(b, performance.now() - t);
  }
  return b / 1000;
}
