/**
 * The linked peak detector input (linked-peak.ts) against the per-sample code the gate and the
 * compressor each carried before (kept here as the reference), bit for bit; and the two detectors over
 * blocks longer than the peak scratch, which they walk in spans.
 */
import { describe, expect, it } from 'vitest';
import { PEAK_SPAN, linkedPeakMax, linkedPeaks } from '../../../src/engine/dsp/linked-peak.ts';
import { Gate } from '../../../src/engine/dsp/gate.ts';
import { Compressor } from '../../../src/engine/dsp/compressor.ts';
import { noise, peakOf, sine } from './helpers.ts';

const FS = 48000;

/** The detectors' former per-sample peak: two channels read directly (mono twice), wider ones from 0. */
function referencePeak(chans: Float32Array[], nch: number, i: number): number {
  if (nch <= 2) {
    const left = chans[0]!, right = nch === 2 ? chans[1]! : left;
    const l = left[i]!, r = right[i]!;
    const al = l < 0 ? -l : l, ar = r < 0 ? -r : r;
    return al > ar ? al : ar;
  }
  let peak = 0;
  for (let c = 0; c < nch; c++) {
    const x = chans[c]![i]!;
    const ax = x < 0 ? -x : x;
    if (ax > peak) peak = ax;
  }
  return peak;
}

/** Channels of noise with some specials (NaN, ±Infinity, −0, the largest float) sprinkled in. */
function channels(nch: number, n: number, seed: number): Float32Array[] {
  const specials = [NaN, Infinity, -Infinity, -0, 0, -3.4028234663852886e38, 1e-45, -1e-45];
  return Array.from({ length: nch }, (_, c) => {
    const x = noise(n, 0.5 + 0.2 * c, seed + c);
    for (let k = 0; k < specials.length; k++) x[(k * 37 + c * 11 + seed) % n] = specials[k]!;
    return x;
  });
}

/** Bit patterns, so NaN, −0 and 0 compare exactly. */
const bits = (x: Float32Array): number[] => Array.from(new Uint32Array(x.buffer, x.byteOffset, x.length));

describe('linkedPeaks', () => {
  for (const nch of [1, 2, 3, 5]) {
    it(`${nch} channel(s): the detectors' former per-sample peak, bit for bit, from any offset`, () => {
      const n = 700;
      const chans = channels(nch, n, 3 * nch);
      for (const [from, to] of [[0, n], [13, 600], [299, 300], [5, 5]] as const) {
        const out = new Float32Array(n).fill(7);
        linkedPeaks(chans, nch, from, to, out);
        const want = new Float32Array(n).fill(7);
        for (let i = from; i < to; i++) want[i - from] = referencePeak(chans, nch, i);
        expect(bits(out)).toEqual(bits(want));
      }
    });
  }

  for (const nch of [1, 2, 3]) {
    it(`linkedPeakMax, ${nch} channel(s): the largest peak and the last index reaching it, as the gate scanned them`, () => {
      const n = 700;
      const chans = channels(nch, n, 5 * nch);
      // A plateau at the block's peak: the last of equal peaks is the one reported.
      for (const i of [100, 250, 400]) chans[nch - 1]![i] = 0.99;
      for (const [from, to] of [[0, n], [13, 600], [120, 240], [5, 5]] as const) {
        const scan = new Float64Array(2).fill(7);
        linkedPeakMax(chans, nch, from, to, scan);
        let m = 0, last = 0;
        for (let i = from; i < to; i++) {
          const a = referencePeak(chans, nch, i);
          if (a >= m) {
            m = a;
            last = i - from;
          }
        }
        expect([scan[0], scan[1]]).toEqual([Math.fround(m), last]);
      }
    });
  }

  it('writes nothing for no channels', () => {
    const out = new Float32Array(4).fill(7);
    linkedPeaks([], 0, 0, 4, out);
    expect(Array.from(out)).toEqual([7, 7, 7, 7]);
  });
});

/** Runs `proc` over `chans` in calls of `size` frames (in place). */
function inCalls(chans: Float32Array[], size: number, proc: (c: Float32Array[], n: number) => void): void {
  const n = chans[0]!.length;
  for (let at = 0; at < n; at += size) {
    const f = Math.min(size, n - at);
    proc(chans.map((c) => c.subarray(at, at + f)), f);
  }
}

describe('detectors over blocks longer than the peak scratch', () => {
  /** Quiet, then a burst on the last channel only from frame 3000 (past the first span), then quiet. */
  function burstLate(nch: number): Float32Array[] {
    const n = 3 * PEAK_SPAN + 500;
    return Array.from({ length: nch }, (_, c) => {
      const x = noise(n, 0.001, 11 + c);
      if (c === nch - 1) {
        const s = sine(300, FS, n, 0.5);
        for (let i = 3000; i < 5000; i++) x[i] = s[i]!;
      }
      return x;
    });
  }

  for (const nch of [1, 2, 3]) {
    it(`gate, ${nch} channel(s): one long call equals 100-frame calls, sample for sample, and opens on the burst`, () => {
      const a = burstLate(nch), b = a.map((x) => x.slice());
      const ga = new Gate(FS), gb = new Gate(FS);
      const s = { thresholdDb: -30, rangeDb: 60, attackMs: 1, holdMs: 10, releaseMs: 20 };
      ga.configure(s);
      gb.configure(s);
      ga.process(a, nch, a[0]!.length);
      inCalls(b, 100, (c, f) => gb.process(c, nch, f));
      for (let c = 0; c < nch; c++) expect(bits(a[c]!)).toEqual(bits(b[c]!));
      // The burst (on the last channel only) went through the open gate: linked detection over
      // every channel, at the burst's place in the block.
      const last = a[nch - 1]!, src = burstLate(nch)[nch - 1]!;
      expect(last[4000]).toBe(src[4000]);
      expect(Math.abs(a[0]![1000]!)).toBeLessThan(Math.abs(src[1000]!) * 0.01 + 1e-12);
    });

    it(`compressor, ${nch} channel(s): one long call equals 96-frame calls, sample for sample, and reduces the burst`, () => {
      const a = burstLate(nch), b = a.map((x) => x.slice());
      const ca = new Compressor(FS), cb = new Compressor(FS);
      const s = { thresholdDb: -20, ratio: 4, kneeDb: 6, attackMs: 1, releaseMs: 50, makeupDb: 0, autoMakeup: false };
      ca.configure(s);
      cb.configure(s);
      ca.process(a, nch, a[0]!.length);
      inCalls(b, 96, (c, f) => cb.process(c, nch, f));
      for (let c = 0; c < nch; c++) expect(bits(a[c]!)).toEqual(bits(b[c]!));
      const src = burstLate(nch);
      // Linked: the burst on the last channel alone is reduced (-6 dBFS, 14 dB over: ~10 dB)...
      expect(peakOf(a[nch - 1]!, 4000, 5000) / peakOf(src[nch - 1]!, 4000, 5000)).toBeLessThan(0.5);
      // ...and the quiet start passes untouched.
      expect(bits(a[0]!.subarray(0, 2000))).toEqual(bits(src[0]!.subarray(0, 2000)));
    });
  }
});
