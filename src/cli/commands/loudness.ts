/**
 * `faderd loudness FILE.wav... [--json]`: BS.1770 / EBU R 128 measurement of WAV files (integrated,
 * LRA, true peak, short-term and momentary max, PLR). An unreadable or invalid WAV is a ConfigError
 * naming the file (exit code 3); the other files are not measured.
 */
import type { Command } from 'commander';
import { WavError } from '../../audio/file/wav.ts';
import { measureWavStream } from '../../audio/file/wav-stream.ts';
import { formatLoudnessTable, jsonFigures, type LoudnessReport } from '../../engine/mastering/report.ts';
import { ConfigError } from '../../util/source-error.ts';

/** Measures one WAV file, read in bounded blocks (memory does not grow with its length). */
export function loudnessOfFile(file: string): LoudnessReport {
  let m: ReturnType<typeof measureWavStream>;
  try {
    m = measureWavStream(file);
  } catch (e) {
    if (e instanceof WavError) {
      const message = e.message.startsWith(`${file}: `) ? e.message.slice(file.length + 2) : e.message;
      throw new ConfigError([{ file, line: 1, col: 1, message }]);
    }
    throw e;
  }
  if (m.header.frames === 0) throw new ConfigError([{ file, line: 1, col: 1, message: 'the file holds no audio frames' }]);
  return { file, sampleRate: m.header.sampleRate, channels: m.header.numChannels, bitDepth: m.header.bitDepth, ...m.figures };
}

export function registerLoudness(program: Command): void {
  program
    .command('loudness')
    .description('Measure WAV files per ITU-R BS.1770 / EBU R 128: integrated, LRA, true peak, short-term max, PLR')
    .argument('<files...>', 'WAV files')
    .option('--json', 'print JSON instead of a table (unmeasurable figures, e.g. of silence, are null)')
    .action((files: string[], opts: { json?: boolean }) => {
      const reports = files.map(loudnessOfFile);
      if (opts.json) process.stdout.write(JSON.stringify(reports.map((r) => jsonFigures(r)), null, 2) + '\n');
      else process.stdout.write(formatLoudnessTable(reports));
    });
}
