/**
 * The X32's value scales, as the unofficial X32 OSC protocol document (P.-G. Maillot) gives them and
 * as a console prints them in `/node` lines and scene files:
 *
 *   level   the console fader law on 0..1, quantised to 1024 steps (faders) or 161 (sends, levels):
 *           printed in dB with one decimal, right-aligned in 5 columns: "  -oo", "-10.0", "  0.0", " +2.3"
 *   linf    linear [min, max, step]: 0..1 maps onto min..max and snaps to the step
 *   logf    logarithmic [min, max, steps]: value = min * (max/min)^f, f snapped to steps-1 intervals
 *           (EQ frequency [20, 20k, 201], Q [10, 0.3, 72], hold [0.02, 2000, 101], release [5, 4000, 101])
 *   enum    an int indexing a list of names; sets may also send the name
 *   int, bitmap ("%00000001"), string (printed quoted)
 *
 * Every float faderd sends is snapped to the nearest known value, so it is one a console could send.
 * What a client sends is taken as it is (0.75 is 0 dB exactly, "-10" is -10 dB), finer than a
 * console would keep it. Text parsing accepts what the console prints (and what a scene file or `/`
 * command holds): "-oo", "1k39", "+0.25", enum names, "%0101".
 */

/** How a number prints: fixed decimals, or significant digits (hold 0.02 / 2.00 / 10.0 / 100). */
export interface NumFormat {
  readonly decimals: number;
  /** Print at most this many digits (dropping decimals), as the console does for EQ gain and hold. */
  readonly digits?: number;
  readonly sign?: boolean;
  /** Right-align in this many columns. */
  readonly width?: number;
  /** Frequencies of 1 kHz and up print as "1k39" (kHz, two decimals, truncated). */
  readonly khz?: boolean;
}

export type Kind =
  | { readonly t: 'level'; readonly steps: number }
  | { readonly t: 'linf'; readonly min: number; readonly max: number; readonly step: number; readonly fmt: NumFormat }
  | { readonly t: 'logf'; readonly min: number; readonly max: number; readonly steps: number; readonly fmt: NumFormat }
  | { readonly t: 'enum'; readonly names: readonly string[] }
  | { readonly t: 'int'; readonly min: number; readonly max: number }
  | { readonly t: 'bitmap'; readonly bits: number }
  | { readonly t: 'string'; readonly max: number }
  /** A value faderd does not have and never changes: its default, typed as the console types it. */
  | { readonly t: 'fixed'; readonly type: 'i' | 'f' | 's'; readonly text: string };

/** A value as it travels in OSC: ints for enum/int/bitmap, floats 0..1, strings. */
export type X32Value = number | string;

export const isFloatKind = (k: Kind): boolean => k.t === 'level' || k.t === 'linf' || k.t === 'logf';
export const oscType = (k: Kind): 'f' | 'i' | 's' => (k.t === 'fixed' ? k.type : isFloatKind(k) ? 'f' : k.t === 'string' ? 's' : 'i');

const clamp01 = (x: number): number => (x <= 0 ? 0 : x >= 1 ? 1 : x);

/** Number of known float values (steps) of a float kind. */
function stepsOf(k: Kind): number {
  switch (k.t) {
    case 'level':
    case 'logf':
      return k.steps;
    case 'linf':
      return Math.round((k.max - k.min) / k.step) + 1;
    default:
      return 2;
  }
}

/** Snaps a 0..1 float to the kind's nearest known value, rounded to float32 as it travels. */
export function quantize(k: Kind, f: number): number {
  return Math.fround(snapped(k, f));
}

/** The nearest known value in full precision (text is printed from this, free of float32 noise). */
function snapped(k: Kind, f: number): number {
  const n = stepsOf(k) - 1;
  return Math.round(clamp01(f) * n) / n;
}

// ── The fader law (0.75 = 0 dB), the same as faderd's own fader taper.
export function levelToDb(f: number): number {
  if (f <= 0) return -Infinity;
  if (f >= 0.5) return f * 40 - 30;
  if (f >= 0.25) return f * 80 - 50;
  if (f >= 0.0625) return f * 160 - 70;
  return f * 480 - 90;
}

export function dbToLevel(db: number): number {
  if (!(db > -90)) return 0;
  if (db >= 10) return 1;
  if (db >= -10) return (db + 30) / 40;
  if (db >= -30) return (db + 50) / 80;
  if (db >= -60) return (db + 70) / 160;
  return (db + 90) / 480;
}

/** A linf/logf float as the quantity it stands for (dB, Hz, ms, %, Q...). */
export function floatToUnit(k: Kind, f: number): number {
  const q = clamp01(f);
  switch (k.t) {
    case 'level':
      return levelToDb(q);
    case 'linf':
      return k.min + q * (k.max - k.min);
    case 'logf':
      return k.min * Math.pow(k.max / k.min, q);
    default:
      return q;
  }
}

/** The 0..1 float (not yet snapped) for a quantity; works for falling scales (Q 10 → 0.3) too. */
export function unitToFloat(k: Kind, v: number): number {
  switch (k.t) {
    case 'level':
      return dbToLevel(v);
    case 'linf':
      return clamp01((v - k.min) / (k.max - k.min));
    case 'logf':
      return v > 0 ? clamp01(Math.log(v / k.min) / Math.log(k.max / k.min)) : 0;
    default:
      return clamp01(v);
  }
}

function pad(s: string, width: number | undefined): string {
  return width ? s.padStart(width) : s;
}

/**
 * Rounds half away from zero, as the console prints (-9.75 dB is "-9.8", +0.25 is "+0.3"), after
 * dropping the noise of double arithmetic (81/160 of the fader law computes as -9.749999999999998 dB).
 */
export function roundHalfAway(v: number, decimals: number): number {
  const clean = Math.round(Math.abs(v) * 1e9) / 1e9;
  const p = 10 ** decimals;
  return (Math.sign(v) * Math.round(clean * p)) / p;
}

/** Prints a number the console's way. */
export function formatNumber(v: number, fmt: NumFormat): string {
  if (fmt.khz && v >= 1000 - 1e-6) {
    // 1399.6 Hz prints "1k39": whole kHz, then the first two digits of the rest, truncated.
    const hz = roundHalfAway(v, 1);
    const k = Math.floor(hz / 1000);
    const rest = String(Math.floor(hz % 1000)).padStart(3, '0');
    return pad(`${k}k${rest.slice(0, 2)}`, fmt.width);
  }
  let decimals = fmt.decimals;
  if (fmt.digits !== undefined) {
    const whole = Math.floor(Math.abs(roundHalfAway(v, decimals))).toFixed(0).length;
    decimals = Math.max(0, Math.min(decimals, fmt.digits - whole));
  }
  const r = roundHalfAway(v, decimals);
  let text = (r === 0 ? 0 : r).toFixed(decimals); // no "-0.0"
  if (fmt.sign && !text.startsWith('-')) text = '+' + text;
  return pad(text, fmt.width);
}

/** The console's text for a value of this kind (the unit value for floats). */
export function toText(k: Kind, v: X32Value): string {
  switch (k.t) {
    case 'level': {
      const db = levelToDb(snapped(k, Number(v)));
      if (db === -Infinity) return '  -oo';
      const r = roundHalfAway(db, 1);
      return (r === 0 ? '0.0' : r > 0 ? `+${r.toFixed(1)}` : r.toFixed(1)).padStart(5);
    }
    case 'linf':
    case 'logf':
      return formatNumber(floatToUnit(k, snapped(k, Number(v))), k.fmt);
    case 'enum':
      return k.names[Number(v)] ?? k.names[0]!;
    case 'int':
      return String(Math.trunc(Number(v)));
    case 'bitmap':
      return '%' + (Number(v) >>> 0).toString(2).padStart(k.bits, '0').slice(-k.bits);
    case 'string':
      return `"${String(v)}"`;
    case 'fixed':
      return k.text;
  }
}

/** Parses the console's text (or a scene file's) for a value of this kind (floats unsnapped); undefined when it is not one. */
export function fromText(k: Kind, raw: string): X32Value | undefined {
  const text = raw.trim();
  switch (k.t) {
    case 'level':
      if (/^-oo$|^-inf$/i.test(text)) return 0;
      return finite(Number(text), (db) => dbToLevel(db));
    case 'linf':
    case 'logf': {
      const khz = /^(\d+)k(\d*)$/i.exec(text);
      const v = khz ? Number(`${khz[1]}.${khz[2] || '0'}`) * 1000 : Number(text);
      return finite(v, (n) => unitToFloat(k, n));
    }
    case 'enum': {
      const at = k.names.findIndex((n) => n.toLowerCase() === text.toLowerCase());
      if (at >= 0) return at;
      return /^\d+$/.test(text) && Number(text) < k.names.length ? Number(text) : undefined;
    }
    case 'int':
      return /^-?\d+$/.test(text) ? Math.min(k.max, Math.max(k.min, Number(text))) : undefined;
    case 'bitmap': {
      if (/^%[01]+$/.test(text)) return parseInt(text.slice(1), 2) & (2 ** k.bits - 1);
      return /^\d+$/.test(text) ? Number(text) & (2 ** k.bits - 1) : undefined;
    }
    case 'string':
      return text.replace(/^"(.*)"$/s, '$1').slice(0, k.max);
    case 'fixed':
      return undefined;
  }
}

function finite(n: number, then: (n: number) => number): number | undefined {
  return Number.isFinite(n) ? then(n) : undefined;
}

/** Normalises an incoming OSC argument for this kind: floats within 0..1, ints in range; undefined when unusable. */
export function fromArg(k: Kind, type: string, value: unknown): X32Value | undefined {
  if (type === 's' || type === 'S') return typeof value === 'string' ? fromText(k, value) : undefined;
  const n = type === 'T' ? 1 : type === 'F' ? 0 : typeof value === 'number' ? value : NaN;
  if (!Number.isFinite(n)) return undefined;
  switch (k.t) {
    case 'level':
    case 'linf':
    case 'logf':
      return clamp01(n);
    case 'enum':
      return Math.min(k.names.length - 1, Math.max(0, Math.round(n)));
    case 'int':
      return Math.min(k.max, Math.max(k.min, Math.round(n)));
    case 'bitmap':
      return Math.round(n) & (2 ** k.bits - 1);
    case 'string':
    case 'fixed':
      return undefined;
  }
}

// ── Kinds used across the tree.
export const onOff: Kind = { t: 'enum', names: ['OFF', 'ON'] };
export const fader: Kind = { t: 'level', steps: 1024 };
export const level161: Kind = { t: 'level', steps: 161 };
export const pan: Kind = { t: 'linf', min: -100, max: 100, step: 2, fmt: { decimals: 0, sign: true } };
export const eqFreq: Kind = { t: 'logf', min: 20, max: 20000, steps: 201, fmt: { decimals: 1, khz: true } };
export const eqGain: Kind = { t: 'linf', min: -15, max: 15, step: 0.25, fmt: { decimals: 2, digits: 3, sign: true } };
export const eqQ: Kind = { t: 'logf', min: 10, max: 0.3, steps: 72, fmt: { decimals: 1, digits: 2 } };
export const hold: Kind = { t: 'logf', min: 0.02, max: 2000, steps: 101, fmt: { decimals: 2, digits: 3, width: 4 } };
export const release: Kind = { t: 'logf', min: 5, max: 4000, steps: 101, fmt: { decimals: 0, width: 4 } };
export const attack: Kind = { t: 'linf', min: 0, max: 120, step: 1, fmt: { decimals: 0 } };
export const trim: Kind = { t: 'linf', min: -18, max: 18, step: 0.25, fmt: { decimals: 1, sign: true } };
export const hpf: Kind = { t: 'logf', min: 20, max: 400, steps: 101, fmt: { decimals: 0 } };
export const gateThr: Kind = { t: 'linf', min: -80, max: 0, step: 0.5, fmt: { decimals: 1 } };
export const gateRange: Kind = { t: 'linf', min: 3, max: 60, step: 1, fmt: { decimals: 1 } };
export const dynThr: Kind = { t: 'linf', min: -60, max: 0, step: 0.5, fmt: { decimals: 1 } };
export const knee: Kind = { t: 'linf', min: 0, max: 5, step: 1, fmt: { decimals: 0 } };
export const mgain: Kind = { t: 'linf', min: 0, max: 24, step: 0.5, fmt: { decimals: 2, digits: 3 } };
export const dynMix: Kind = { t: 'linf', min: 0, max: 100, step: 5, fmt: { decimals: 0 } };
export const delayTime: Kind = { t: 'linf', min: 0.3, max: 500, step: 0.1, fmt: { decimals: 1, width: 5 } };
export const RATIOS = ['1.1', '1.3', '1.5', '2.0', '2.5', '3.0', '4.0', '5.0', '7.0', '10', '20', '100'] as const;
export const ratio: Kind = { t: 'enum', names: RATIOS };
export const EQ_TYPES = ['LCut', 'LShv', 'PEQ', 'VEQ', 'HShv', 'HCut'] as const;
export const SEND_TYPES = ['IN/LC', '<-EQ', 'EQ->', 'PRE', 'POST', 'GRP'] as const;
export const COLORS = ['OFF', 'RD', 'GN', 'YE', 'BL', 'MG', 'CY', 'WH', 'OFFi', 'RDi', 'GNi', 'YEi', 'BLi', 'MGi', 'CYi', 'WHi'] as const;
