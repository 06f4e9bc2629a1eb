/**
 * Tapers map a param's value in its own unit to the normalized 0..1 form that surfaces may speak,
 * and back. Every taper round-trips exactly (within float precision) on its whole range.
 */
export interface Taper {
  readonly kind: string;
  toNormalized(value: number): number;
  fromNormalized(norm: number): number;
}

const clamp01 = (x: number): number => (x <= 0 ? 0 : x >= 1 ? 1 : x);

/**
 * The console fader law (the one Behringer/Midas X32 consoles use, so X32-speaking apps agree with
 * it exactly). Four straight segments in dB over travel:
 *
 *   position 1.0    → +10 dB      (top)
 *   position 0.75   →   0 dB      (unity, at three quarters of travel)
 *   position 0.5    → -10 dB
 *   position 0.25   → -30 dB
 *   position 0.0625 → -60 dB
 *   position 0+     → -90 dB, and position 0 exactly is -inf (off)
 *
 *   0.5    ≤ p ≤ 1    : dB = 40 p − 30      (0.25 dB per 1/160 of travel near unity: fine control)
 *   0.25   ≤ p < 0.5  : dB = 80 p − 50
 *   0.0625 ≤ p < 0.25 : dB = 160 p − 70
 *   0      < p < 0.0625: dB = 480 p − 90   (so -90 dB and below are off: -inf)
 */
export const faderLaw: Taper = {
  kind: 'fader',
  toNormalized(db: number): number {
    if (db === -Infinity || db < -90) return 0;
    if (db >= 10) return 1;
    if (db >= -10) return (db + 30) / 40;
    if (db >= -30) return (db + 50) / 80;
    if (db >= -60) return (db + 70) / 160;
    return (db + 90) / 480;
  },
  fromNormalized(norm: number): number {
    const p = clamp01(norm);
    if (p === 0) return -Infinity;
    if (p >= 0.5) return 40 * p - 30;
    if (p >= 0.25) return 80 * p - 50;
    if (p >= 0.0625) return 160 * p - 70;
    return 480 * p - 90;
  },
};

export function linearTaper(min: number, max: number): Taper {
  const span = max - min;
  return {
    kind: 'linear',
    toNormalized: (v) => clamp01((v - min) / span),
    fromNormalized: (n) => min + clamp01(n) * span,
  };
}

/** Logarithmic (equal ratio per unit of travel): frequencies, times, ratios, Q. Needs 0 < min < max. */
export function logTaper(min: number, max: number): Taper {
  if (!(min > 0 && max > min)) throw new RangeError(`log taper needs 0 < min < max, got ${min}..${max}`);
  const lmin = Math.log(min);
  const lspan = Math.log(max) - lmin;
  return {
    kind: 'log',
    toNormalized: (v) => (v <= min ? 0 : v >= max ? 1 : (Math.log(v) - lmin) / lspan),
    fromNormalized: (n) => {
      const p = clamp01(n);
      if (p === 0) return min;
      if (p === 1) return max;
      return Math.exp(lmin + p * lspan);
    },
  };
}

/** Piecewise-linear taper through (normalized, value) points sorted by normalized position. */
export function tableTaper(points: ReadonlyArray<readonly [number, number]>): Taper {
  if (points.length < 2) throw new RangeError('a table taper needs at least two points');
  for (let i = 1; i < points.length; i++) {
    if (!(points[i]![0] > points[i - 1]![0])) throw new RangeError('table taper positions must increase');
    if (!(points[i]![1] > points[i - 1]![1])) throw new RangeError('table taper values must increase');
  }
  return {
    kind: 'table',
    toNormalized(v) {
      if (v <= points[0]![1]) return points[0]![0];
      for (let i = 1; i < points.length; i++) {
        const [n1, v1] = points[i]!;
        const [n0, v0] = points[i - 1]!;
        if (v <= v1) return n0 + ((v - v0) / (v1 - v0)) * (n1 - n0);
      }
      return points[points.length - 1]![0];
    },
    fromNormalized(n) {
      const p = clamp01(n);
      if (p <= points[0]![0]) return points[0]![1];
      for (let i = 1; i < points.length; i++) {
        const [n1, v1] = points[i]!;
        const [n0, v0] = points[i - 1]!;
        if (p <= n1) return v0 + ((p - n0) / (n1 - n0)) * (v1 - v0);
      }
      return points[points.length - 1]![1];
    },
  };
}

/** dB ⇄ linear amplitude. -inf dB is gain 0. */
export const dbToGain = (db: number): number => (db === -Infinity ? 0 : Math.pow(10, db / 20));
export const gainToDb = (gain: number): number => (gain <= 0 ? -Infinity : 20 * Math.log10(gain));
