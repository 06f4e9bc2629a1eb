/**
 * `faderd loudness FILE.wav... [--json]`: BS.1770 / EBU R 128 measurement of WAV files (integrated,
 * LRA, true peak, short-term and momentary max, PLR). Every file that can be measured is; each file
 * that cannot is reported on stderr as file:1:1: reason, and the command then exits 3.
 *
 * A figure the file cannot have (integrated loudness of 0.2 s, anything of digital silence) is null
 * in JSON and "-" in the table, and the reason is given in both: `missing` in JSON, a note under the
 * table.
 */
import { WavError } from '../../audio/file/wav.ts';
import { measureWavStream } from '../../audio/file/wav-stream.ts';
import { formatLoudnessTable, jsonFigures, type LoudnessReport } from '../../engine/mastering/report.ts';
import { FileReadError } from '../../util/read-file.ts';
import { ConfigError, formatIssue, type SourceIssue } from '../../util/source-error.ts';
import { readRefusal } from '../errors.ts';

/**
 * Measures one WAV file, read in bounded blocks (memory does not grow with its length); an
 * unreadable or invalid one is a ConfigError naming it.
 */
export function loudnessOfFile(file: string): LoudnessReport {
  let m: ReturnType<typeof measureWavStream>;
  try {
    m = measureWavStream(file);
  } catch (e) {
    if (e instanceof FileReadError) {
      throw new ConfigError([{ file, line: 1, col: 1, message: readRefusal(e) }]);
    }
    if (e instanceof WavError) {
      const message = e.message.startsWith(`${file}: `) ? e.message.slice(file.length + 2) : e.message;
      throw new ConfigError([{ file, line: 1, col: 1, message }]);
    }
    throw e;
  }
  if (m.header.frames === 0) throw new ConfigError([{ file, line: 1, col: 1, message: 'the file holds no audio frames' }]);
  return { file, sampleRate: m.header.sampleRate, channels: m.header.numChannels, bitDepth: m.header.bitDepth, ...m.figures };
}

type Figure = 'integratedLufs' | 'lra' | 'truePeakDbtp' | 'shortTermMaxLufs' | 'momentaryMaxLufs' | 'plr';
/** The table's column names, for the notes under it. */
const LABEL: Record<Figure, string> = {
  integratedLufs: 'integrated',
  lra: 'LRA',
  truePeakDbtp: 'true peak',
  shortTermMaxLufs: 'ST max',
  momentaryMaxLufs: 'M max',
  plr: 'PLR',
};

/** Gate under which a block counts as silence (BS.1770 absolute gate). */
const ABS_GATE_LUFS = -70;

/**
 * Why each figure a file cannot have is missing. A figure measured over a window longer than the
 * file would count the time before it as silence (the live meter's view), which is not the file's
 * loudness: a 0.2 s tone has no integrated loudness, and no short-term loudness either.
 */
export function missingFigures(r: LoudnessReport): Partial<Record<Figure, string>> {
  const out: Partial<Record<Figure, string>> = {};
  const s = r.seconds.toFixed(2);
  const silent = !(r.truePeakDbtp > -Infinity);
  if (silent) {
    for (const k of Object.keys(LABEL) as Figure[]) out[k] = 'the file is digital silence';
    return out;
  }
  if (r.seconds < 0.4) {
    out.integratedLufs = out.momentaryMaxLufs = `the file (${s} s) is shorter than one 400 ms block`;
  } else {
    if (!(r.integratedLufs > ABS_GATE_LUFS)) out.integratedLufs = 'no 400 ms block is above the -70 LUFS gate';
    if (!(r.momentaryMaxLufs > -Infinity)) out.momentaryMaxLufs = 'no 400 ms window holds any signal';
  }
  if (r.seconds < 3) {
    out.shortTermMaxLufs = out.lra = `the file (${s} s) is shorter than the 3 s short-term window`;
  } else {
    if (!(r.shortTermMaxLufs > ABS_GATE_LUFS)) out.shortTermMaxLufs = 'no 3 s window is above the -70 LUFS gate';
    if (!(r.shortTermMaxLufs > ABS_GATE_LUFS) || !Number.isFinite(r.lra)) out.lra = 'no 3 s window is above the -70 LUFS gate';
  }
  if (out.integratedLufs || !Number.isFinite(r.plr)) out.plr = 'there is no integrated loudness to compare the true peak with';
  return out;
}

/** The report with its missing figures as null: the table shows them as "-", JSON as null. */
export function withoutMissing<T extends object>(r: T, missing: Partial<Record<Figure, string>>): T {
  const out = { ...r } as Record<string, unknown>;
  for (const k of Object.keys(missing)) out[k] = null;
  return out as T;
}

/**
 * The missing figures of a delivery (a report without a momentary figure), by the same rules as
 * `faderd loudness`, for the same table notes and JSON `missing`.
 */
export function missingOfDelivery(r: Omit<LoudnessReport, 'momentaryMaxLufs' | 'seconds' | 'channels'>, seconds: number): Partial<Record<Figure, string>> {
  const all = missingFigures({ ...r, channels: 2, momentaryMaxLufs: r.integratedLufs, seconds } as LoudnessReport);
  delete all.momentaryMaxLufs;
  return all;
}

/** One note per file and reason, under the table: "a.wav: integrated, M max not measured: the file ...". */
export function missingNotes(file: string, missing: Partial<Record<Figure, string>>): string[] {
  const byReason = new Map<string, string[]>();
  for (const k of Object.keys(LABEL) as Figure[]) {
    const why = missing[k];
    if (why) byReason.set(why, [...(byReason.get(why) ?? []), LABEL[k]]);
  }
  return [...byReason].map(([why, figures]) => `${file}: ${figures.join(', ')} not measured: ${why}`);
}

/** `faderd loudness FILE...` (options: specs.ts). */
export function loudness(files: string[], opts: { json?: boolean }): void {
  const measured: Array<{ report: LoudnessReport; missing: Partial<Record<Figure, string>> }> = [];
  const failures: SourceIssue[] = [];
  for (const f of files) {
    try {
      const report = loudnessOfFile(f);
      measured.push({ report, missing: missingFigures(report) });
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      failures.push(...e.issues);
    }
  }
  if (opts.json) {
    const rows = measured.map(({ report, missing }) => ({ ...jsonFigures(withoutMissing(report, missing)), missing }));
    process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
  } else if (measured.length) {
    process.stdout.write(formatLoudnessTable(measured.map(({ report, missing }) => withoutMissing(report, missing))));
    const notes = measured.flatMap(({ report, missing }) => missingNotes(report.file, missing));
    if (notes.length) process.stdout.write(notes.join('\n') + '\n');
  }
  for (const i of failures) process.stderr.write(formatIssue(i) + '\n');
  if (failures.length) {
    process.stderr.write(`faderd: measured ${measured.length} of ${files.length} files; ${failures.length} could not be measured\n`);
    process.exitCode = 3;
  }
}
