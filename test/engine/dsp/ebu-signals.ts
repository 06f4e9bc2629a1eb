/** Synthesizers for the EBU Tech 3341 / 3342 test signals (not a test file itself). */

const FS = 48000;

/** Segments of [seconds, dBFS peak or null for silence] of a 1 kHz sine, phase-continuous, at 48 kHz. */
export function toneSegments(segments: ReadonlyArray<readonly [number, number | null]>, sampleRate = FS): Float32Array {
  const total = segments.reduce((n, [s]) => n + Math.round(s * sampleRate), 0);
  const out = new Float32Array(total);
  // At 48 kHz one 1 kHz period is exactly 48 samples: tile a table instead of calling sin per sample.
  const period = sampleRate % 1000 === 0 ? sampleRate / 1000 : 0;
  const table = new Float64Array(period);
  for (let i = 0; i < period; i++) table[i] = Math.sin((2 * Math.PI * i) / period);
  let at = 0;
  for (const [seconds, dbfs] of segments) {
    const n = Math.round(seconds * sampleRate);
    if (dbfs !== null) {
      const a = Math.pow(10, dbfs / 20);
      for (let i = at; i < at + n; i++) out[i] = a * (period ? table[i % period]! : Math.sin((2 * Math.PI * 1000 * i) / sampleRate));
    }
    at += n;
  }
  return out;
}

/** Feeds `chans` to `process` in chunks of `chunk` frames, calling `after` with the end time (s) of each. */
export function feed(
  chans: Float32Array[],
  chunk: number,
  process: (c: Float32Array[], frames: number, offset: number) => void,
  after: (tEnd: number) => void,
  sampleRate = FS,
): void {
  const n = chans[0]!.length;
  for (let at = 0; at < n; at += chunk) {
    const f = Math.min(chunk, n - at);
    process(chans, f, at);
    after((at + f) / sampleRate);
  }
}
