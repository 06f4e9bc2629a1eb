/**
 * `faderd render SESSION [-o OUT.wav]`: the session's stems through the live engine, offline.
 * A progress bar on stderr when it is a terminal; `--json` prints a summary on stdout at the end.
 *
 * `--for spotify,cd,ebu-r128 -o DIR`: the mix is rendered with the master limiter forced off and
 * handed to the delivery exporter, which levels, limits, resamples and dithers one file per
 * destination into DIR and reports each file's loudness against its target.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { loadSession } from '../../params/session.ts';
import { parseStateText } from '../../params/persistence.ts';
import { parseScene } from '../../params/scenes.ts';
import { ConfigError } from '../../util/source-error.ts';
import { readSourceText } from '../../util/yaml-source.ts';
import { writeWav } from '../../audio/file/wav.ts';
import { renderSession, type RenderResult, type ValueLayer } from '../../audio/file/render.ts';
import { UsageError } from '../errors.ts';
import { DestinationError, parseDestinations, type Destination } from '../../engine/mastering/destinations.ts';
import { DELIVERY_MIX_OVERRIDES, exportForDestinations } from '../../engine/mastering/export.ts';
import { formatReportTable, jsonFigures } from '../../engine/mastering/report.ts';

interface RenderOpts {
  output?: string;
  json?: boolean;
  bits?: string;
  state?: string;
  scene?: string;
  tail?: string;
  block?: string;
  for?: string;
  replaceNonFinite?: boolean;
}

const BITS = ['16', '24', '32', '32f'] as const;
type Bits = (typeof BITS)[number];

function stateLayer(file: string): ValueLayer {
  try {
    return { source: file, params: parseStateText(readSourceText(file, 'state file')).params };
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    throw new ConfigError([{ file, line: 1, col: 1, message: `not a faderd state file: ${(e as Error).message}` }]);
  }
}

function sceneLayer(file: string): ValueLayer {
  return { source: file, params: parseScene(readSourceText(file, 'scene'), file).params };
}

function intOption(name: string, raw: string | undefined, min: number, max: number): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} takes a whole number ${min}..${max}, got ${JSON.stringify(raw)}`);
  return n;
}

/** A progress bar redrawn in place on a terminal; nothing at all otherwise. */
export function progressBar(stream: { isTTY?: boolean; write(s: string): unknown }): ((f: number) => void) | undefined {
  if (!stream.isTTY) return undefined;
  const width = 30;
  return (f) => {
    const full = Math.round(f * width);
    stream.write(`\rrendering [${'#'.repeat(full)}${' '.repeat(width - full)}] ${String(Math.round(f * 100)).padStart(3)}%`);
    if (f >= 1) stream.write('\n');
  };
}

const round = (x: number, digits = 2): number | string => (Number.isFinite(x) ? Math.round(x * 10 ** digits) / 10 ** digits : x < 0 ? '-inf' : 'inf');

/** The `--json` figures of a render; without a file (a destination export) there is no output or bits. */
export function summary(file: string | undefined, r: RenderResult, bits: Bits | undefined): Record<string, unknown> {
  return {
    ...(file !== undefined ? { output: file, bits } : {}),
    sampleRate: r.sampleRate,
    sessionSampleRate: r.sessionSampleRate,
    sampleRateFrom: 'stems',
    channels: 2,
    stems: r.stems,
    frames: r.frames,
    durationS: round(r.frames / r.sampleRate, 3),
    tailS: round(r.tailFrames / r.sampleRate, 3),
    latencyFramesCompensated: r.latencyFrames,
    peakDbfs: round(r.peakDb),
    timeMs: round(r.timeMs, 1),
    realtimeFactor: round(r.frames / r.sampleRate / (r.timeMs / 1000), 1),
    warnings: r.warnings,
  };
}

export function registerRender(program: Command): void {
  program
    .command('render')
    .description("Render a session's WAV stems through the engine to a stereo mix")
    .argument('<session>', 'session file whose channels name their stems (file: …)')
    .option('-o, --output <file>', 'output WAV (default: <session name>.wav in the current directory)')
    .option('--json', 'print a JSON summary (peak, duration, time taken) on stdout')
    .option('--bits <depth>', 'output sample format: 16, 24, 32 (integer) or 32f (float); destinations set their own', '24')
    .option('--state <file>', 'a faderd state file whose values apply after the session params')
    .option('--scene <file>', 'a scene file whose values apply after the session params (and state)')
    .option('--tail <ms>', 'cap on the reverb/delay tail after the stems end; the render ends when every tail is below -90 dBFS (default 30000)')
    .option('--block <frames>', 'engine block size (default: the session audio.blockSize)')
    .option('--for <destinations>', 'deliver for destinations (e.g. spotify,cd,ebu-r128 or custom:-18:-1.5); -o names the directory')
    .option('--replace-non-finite', 'replace NaN/Inf stem samples with silence (and warn) instead of refusing the stem')
    .action((sessionFile: string, opts: RenderOpts) => {
      if (!(BITS as readonly string[]).includes(opts.bits ?? '24')) throw new UsageError(`--bits takes one of ${BITS.join(', ')}, got ${JSON.stringify(opts.bits)}`);
      const bits = (opts.bits ?? '24') as Bits;
      const tailMs = intOption('tail', opts.tail, 0, 60_000);
      const blockSize = intOption('block', opts.block, 16, 8192);
      let dests: Destination[] | undefined;
      if (opts.for !== undefined) {
        try {
          dests = parseDestinations(opts.for);
        } catch (e) {
          if (e instanceof DestinationError) throw new UsageError(e.message);
          throw e;
        }
      }
      const session = loadSession(sessionFile);
      const layers: ValueLayer[] = [];
      if (opts.state) layers.push(stateLayer(opts.state));
      if (opts.scene) layers.push(sceneLayer(opts.scene));
      const onProgress = opts.json ? undefined : progressBar(process.stderr);
      const result = renderSession(session, {
        layers,
        // Destinations bring their own final stages: the mix reaches them unlimited, unridden, undithered.
        ...(dests ? { overrides: DELIVERY_MIX_OVERRIDES } : {}),
        ...(tailMs !== undefined ? { tailMs } : {}),
        ...(blockSize !== undefined ? { blockSize } : {}),
        ...(onProgress ? { onProgress } : {}),
        nonFinite: opts.replaceNonFinite ? 'silence' : 'refuse',
      });
      const baseName = path.basename(sessionFile).replace(/\.ya?ml$/i, '');
      if (dests) {
        const dir = path.resolve(opts.output ?? '.');
        fs.mkdirSync(dir, { recursive: true });
        const reports = exportForDestinations({ sampleRate: result.sampleRate, channels: result.channels }, dests, dir, baseName);
        if (opts.json) {
          const mix = summary(undefined, result, undefined);
          process.stdout.write(JSON.stringify({ mix, destinations: reports.map((r) => jsonFigures(r)) }, null, 2) + '\n');
        } else {
          for (const w of result.warnings) process.stderr.write(`faderd: ${w}\n`);
          process.stdout.write(formatReportTable(reports));
        }
        return;
      }
      const out = path.resolve(opts.output ?? `${baseName}.wav`);
      writeWav(out, result.channels, result.sampleRate, { bitDepth: bits });
      if (opts.json) process.stdout.write(JSON.stringify(summary(out, result, bits), null, 2) + '\n');
      else {
        for (const w of result.warnings) process.stderr.write(`faderd: ${w}\n`);
        process.stderr.write(`wrote ${out}: ${(result.frames / result.sampleRate).toFixed(2)} s, peak ${result.peakDb.toFixed(1)} dBFS, in ${(result.timeMs / 1000).toFixed(2)} s\n`);
      }
    });
}
