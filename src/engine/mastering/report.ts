/**
 * Loudness reports: one measurement pass over a programme (BS.1770 loudness, EBU LRA, true peak)
 * and their JSON and table forms, for `faderd loudness` and for destination renders.
 */
import { measureLoudness } from '../dsp/loudness.ts';
import { measureTruePeak } from '../dsp/truepeak.ts';

export interface LoudnessFigures {
  readonly integratedLufs: number;
  readonly lra: number;
  readonly truePeakDbtp: number;
  readonly shortTermMaxLufs: number;
  readonly momentaryMaxLufs: number;
  /** Peak-to-loudness ratio: true peak − integrated loudness (LU). */
  readonly plr: number;
  readonly seconds: number;
}

export interface LoudnessReport extends LoudnessFigures {
  readonly file: string;
  readonly sampleRate: number;
  readonly channels: number;
  readonly bitDepth: string;
}

export interface DestinationTarget {
  readonly integratedLufs: number | null;
  readonly truePeakDbtp: number;
  readonly sampleRate: number;
  readonly bitDepth: string;
  readonly source: string;
}

export interface DestinationReport {
  destination: string;
  file: string;
  sampleRate: number;
  bitDepth: string;
  integratedLufs: number;
  lra: number;
  truePeakDbtp: number;
  shortTermMaxLufs: number;
  plr: number;
  /** Gain applied before the limiter (dB). */
  gainDb: number;
  target: DestinationTarget;
  /** Integrated within ±0.5 LU of the target (when there is one) and true peak at or under the ceiling. */
  meetsTarget: boolean;
  /** Why the loudness target was missed on purpose (the gain was capped at MAX_LIMIT_DB of limiting). */
  missed?: string;
  /** Gain (dB, negative) applied after the limiter because the limited audio measured over the ceiling at the delivery rate. */
  trimDb?: number;
}

/** Measures a whole programme (one array per channel). */
export function measureProgramme(chans: ReadonlyArray<Float32Array>, sampleRate: number): LoudnessFigures {
  const { integratedLufs, lra, maxShortTermLufs, maxMomentaryLufs, seconds } = measureLoudness(chans, sampleRate);
  const truePeakDbtp = measureTruePeak(chans, sampleRate);
  return {
    integratedLufs,
    lra,
    truePeakDbtp,
    shortTermMaxLufs: maxShortTermLufs,
    momentaryMaxLufs: maxMomentaryLufs,
    plr: Number.isFinite(integratedLufs) && Number.isFinite(truePeakDbtp) ? truePeakDbtp - integratedLufs : NaN,
    seconds,
  };
}

/** Rounds figures to 0.01 and turns ±Infinity/NaN into null, so JSON keeps them (as "unmeasurable"). */
export function jsonFigures<T extends object>(r: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(r)) {
    if (typeof v === 'number') out[k] = Number.isFinite(v) ? Math.round(v * 100) / 100 : null;
    else if (v !== null && typeof v === 'object' && !Array.isArray(v)) out[k] = jsonFigures(v as object);
    else out[k] = v;
  }
  return out as T;
}

// `|| 0` turns −0 (a PLR of −0.001) into 0 so the table never shows "-0.0".
const f1 = (v: number | null): string => (v === null ? '-' : Number.isFinite(v) ? (Math.round(v * 10) / 10 || 0).toFixed(1) : v === -Infinity ? '-inf' : '-');

function table(head: string[], rows: string[][], rightAligned: Set<number>): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]): string =>
    r.map((c, i) => (rightAligned.has(i) ? c.padStart(widths[i]!) : i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(head), ...rows.map(line)].join('\n') + '\n';
}

/** The readable table `faderd loudness` prints. */
export function formatLoudnessTable(reports: readonly LoudnessReport[]): string {
  const head = ['FILE', 'RATE', 'CH', 'SECONDS', 'INTEGRATED', 'LRA', 'TRUE PEAK', 'ST MAX', 'M MAX', 'PLR'];
  const rows = reports.map((r) => [
    r.file, String(r.sampleRate), String(r.channels), r.seconds.toFixed(1),
    `${f1(r.integratedLufs)} LUFS`, `${f1(r.lra)} LU`, `${f1(r.truePeakDbtp)} dBTP`,
    `${f1(r.shortTermMaxLufs)} LUFS`, `${f1(r.momentaryMaxLufs)} LUFS`, `${f1(r.plr)} LU`,
  ]);
  return table(head, rows, new Set([1, 2, 3, 4, 5, 6, 7, 8, 9]));
}

/** The readable table of a destination render: each file's figures against its target. */
export function formatReportTable(reports: readonly DestinationReport[]): string {
  const head = ['DESTINATION', 'FILE', 'RATE', 'BITS', 'INTEGRATED', 'TARGET', 'LRA', 'TRUE PEAK', 'CEILING', 'ST MAX', 'PLR', 'GAIN', 'OK'];
  const rows = reports.map((r) => [
    r.destination, r.file, String(r.sampleRate), r.bitDepth,
    `${f1(r.integratedLufs)} LUFS`, r.target.integratedLufs === null ? '(mix)' : `${f1(r.target.integratedLufs)} LUFS`,
    `${f1(r.lra)} LU`, `${f1(r.truePeakDbtp)} dBTP`, `${f1(r.target.truePeakDbtp)} dBTP`,
    `${f1(r.shortTermMaxLufs)} LUFS`, `${f1(r.plr)} LU`, `${r.gainDb >= 0 ? '+' : ''}${r.gainDb.toFixed(1)} dB`,
    r.meetsTarget ? 'yes' : 'NO',
  ]);
  const notes = reports.flatMap((r) => [
    ...(r.missed ? [`${r.destination}: target missed: ${r.missed}\n`] : []),
    ...(r.trimDb !== undefined ? [`${r.destination}: turned down ${r.trimDb.toFixed(2)} dB after the limiter to stay under ${r.target.truePeakDbtp} dBTP at ${r.sampleRate} Hz\n`] : []),
  ]);
  return table(head, rows, new Set([2, 4, 5, 6, 7, 8, 9, 10, 11])) + notes.join('');
}
