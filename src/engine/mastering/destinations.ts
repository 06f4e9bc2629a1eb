/**
 * Delivery destinations: loudness target, true-peak ceiling, sample rate and word length, each with
 * where its figures come from (see /work/shared/reference/dsp-and-loudness.md §4 for the survey).
 *
 * Spec syntax, comma-separated for several:
 *   name                       a preset below (`streaming` is an alias of `spotify`)
 *   name:LUFS[:dBTP]           a preset with its loudness target (and ceiling) overridden, e.g. `cd:-10`
 *   custom:LUFS:dBTP[:RATE[:BITS]]
 *                              e.g. `custom:-18:-1.5` (keeps the mix's rate, 24-bit) or
 *                              `custom:-16:-1:44100:16`; BITS is 16, 24 or 32f; 16 and 24 are dithered
 */

export type DeliveryBits = '16' | '24' | '32f';

export interface Destination {
  /** The spec it came from, used in file names and reports (e.g. `spotify`, `custom:-18:-1.5`). */
  readonly name: string;
  /** Integrated loudness target (LUFS); null keeps the mix's loudness (only the ceiling applies). */
  readonly integratedLufs: number | null;
  readonly truePeakDbtp: number;
  /** Delivery rate; null keeps the mix's rate. */
  readonly sampleRate: number | null;
  readonly bitDepth: DeliveryBits;
  /** TPDF dither when requantizing to an integer word length. */
  readonly dither: boolean;
  /** Where the figures come from. */
  readonly source: string;
}

type Preset = Omit<Destination, 'name'>;

export const PRESETS: Readonly<Record<string, Preset>> = {
  spotify: {
    integratedLufs: -14, truePeakDbtp: -1, sampleRate: null, bitDepth: '24', dither: true,
    source: 'Spotify for Artists, "Loudness normalization": -14 LUFS (BS.1770) normal mode, masters kept under -1 dBTP',
  },
  'apple-music': {
    integratedLufs: -16, truePeakDbtp: -1, sampleRate: null, bitDepth: '24', dither: true,
    source: 'Apple Sound Check plays near -16 LUFS (widely quoted, not published by Apple); -1 dBTP for lossy encoding headroom',
  },
  youtube: {
    integratedLufs: -14, truePeakDbtp: -1, sampleRate: null, bitDepth: '24', dither: true,
    source: 'YouTube normalizes to about -14 LUFS (secondary sources; not published by YouTube); -1 dBTP',
  },
  'ebu-r128': {
    integratedLufs: -23, truePeakDbtp: -1, sampleRate: 48000, bitDepth: '24', dither: true,
    source: 'EBU R 128 and Tech 3343-2023 s.3: -23.0 LUFS (+-0.2 LU for files), max -1 dBTP; 48 kHz broadcast rate',
  },
  podcast: {
    integratedLufs: -16, truePeakDbtp: -1, sampleRate: null, bitDepth: '24', dither: true,
    source: 'Apple Podcasts audio requirements as quoted: -16 LUFS stereo (+-1 dB), -1 dBTP',
  },
  cd: {
    integratedLufs: null, truePeakDbtp: -1, sampleRate: 44100, bitDepth: '16', dither: true,
    source: 'Red Book CD: 16-bit / 44.1 kHz, TPDF-dithered requantization; no loudness standard (override with cd:LUFS); -1 dBTP advisable for later lossy encoding',
  },
};

export const ALIASES: Readonly<Record<string, string>> = { streaming: 'spotify' };

export class DestinationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DestinationError';
  }
}

const VALID = (): string => `${[...Object.keys(PRESETS), ...Object.keys(ALIASES)].join(', ')}, custom:LUFS:dBTP[:RATE[:BITS]]`;

function num(spec: string, what: string, text: string, lo: number, hi: number): number {
  const v = Number(text);
  if (text.trim() === '' || !Number.isFinite(v) || v < lo || v > hi) {
    throw new DestinationError(`destination "${spec}": ${what} must be a number from ${lo} to ${hi}, got "${text}"`);
  }
  return v;
}

/** Parses one destination spec (see the file comment for the syntax). */
export function parseDestination(spec: string): Destination {
  const parts = spec.trim().split(':');
  const key = parts[0]!.toLowerCase();
  if (key === 'custom') {
    if (parts.length < 3 || parts.length > 5) {
      throw new DestinationError(`destination "${spec}": custom needs custom:LUFS:dBTP[:RATE[:BITS]], e.g. custom:-18:-1.5`);
    }
    const bits = parts[4] ?? '24';
    if (bits !== '16' && bits !== '24' && bits !== '32f') throw new DestinationError(`destination "${spec}": BITS must be 16, 24 or 32f, got "${bits}"`);
    return {
      name: spec.trim(),
      integratedLufs: num(spec, 'the loudness target (LUFS)', parts[1]!, -40, -5),
      truePeakDbtp: num(spec, 'the true-peak ceiling (dBTP)', parts[2]!, -12, 0),
      sampleRate: parts[3] === undefined ? null : num(spec, 'the sample rate (Hz)', parts[3], 8000, 384000),
      bitDepth: bits,
      dither: bits !== '32f',
      source: 'custom target given on the command line',
    };
  }
  const preset = PRESETS[ALIASES[key] ?? key];
  if (!preset) throw new DestinationError(`unknown destination "${spec}"; valid: ${VALID()}`);
  if (parts.length > 3) throw new DestinationError(`destination "${spec}": use ${key}[:LUFS[:dBTP]]`);
  const lufs = parts[1] === undefined ? preset.integratedLufs : num(spec, 'the loudness target (LUFS)', parts[1], -40, -5);
  const tp = parts[2] === undefined ? preset.truePeakDbtp : num(spec, 'the true-peak ceiling (dBTP)', parts[2], -12, 0);
  const overridden = parts.length > 1;
  return {
    ...preset,
    name: spec.trim(),
    integratedLufs: lufs,
    truePeakDbtp: tp,
    source: overridden ? `${preset.source} (target overridden on the command line)` : preset.source,
  };
}

/** Parses a comma-separated list of destination specs; throws a DestinationError listing valid names. */
export function parseDestinations(spec: string): Destination[] {
  const items = spec.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (items.length === 0) throw new DestinationError(`no destination given; valid: ${VALID()}`);
  return items.map(parseDestination);
}

/** A name safe for a file name: `custom:-18:-1.5` → `custom_-18_-1.5`. */
export function destinationFileTag(d: Destination): string {
  return d.name.replace(/[^A-Za-z0-9._-]/g, '_');
}
