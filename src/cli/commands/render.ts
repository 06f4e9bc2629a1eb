/**
 * `faderd render SESSION [-o OUT.wav]`: the session's stems through the live engine, offline.
 * A progress bar on stderr when it is a terminal; `--json` prints a summary on stdout at the end.
 *
 * `--for spotify,cd,ebu-r128 -o DIR`: the mix is rendered with the master limiter forced off and
 * handed to the delivery exporter, which levels, limits, resamples and dithers one file per
 * destination into DIR and reports each file's loudness against its target.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RenderStopped, renderSessionToAsync, type RenderOptions, type RenderStats, type ValueLayer } from '../../audio/file/render.ts';
import { WavStreamWriter } from '../../audio/file/wav-writer.ts';
import { MixSpool, type MixSource } from '../../audio/file/mix-spool.ts';
import type { Session } from '../../params/session.ts';
import type { CheckedLayer } from '../render-layers.ts';
import { UsageError } from '../errors.ts';
import { DestinationError, parseDestinations, type Destination } from '../../engine/mastering/destinations.ts';
import { DELIVERY_MIX_OVERRIDES, exportForDestinations } from '../../engine/mastering/export.ts';
import { formatReportTable, jsonFigures, type DestinationReport } from '../../engine/mastering/report.ts';
import { loadCheckedSession } from './check.ts';
import { missingNotes, missingOfDelivery, withoutMissing } from './loudness.ts';
import { planOutput, plannedFiles, type OutputPlan, refuseInputsAsOutputs, renderInputs, writeError } from '../render-output.ts';

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
export function summary(file: string | undefined, r: RenderStats, bits: Bits | undefined): Record<string, unknown> {
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

/** Progress of the deliveries, one line each, on a terminal only ("delivering cd (2/3)... done in 8.1 s"). */
export function deliveryProgress(stream: { isTTY?: boolean; write(s: string): unknown }): DeliveryProgress | undefined {
  if (!stream.isTTY) return undefined;
  let t0 = 0;
  return {
    start: (name, i, n) => {
      t0 = performance.now();
      stream.write(`delivering ${name} (${i + 1}/${n})...`);
    },
    done: () => stream.write(` done in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`),
  };
}

interface DeliveryProgress {
  start(name: string, index: number, count: number): void;
  done(): void;
}

/**
 * Writes one file per destination into `work`, one destination at a time so each shows its progress;
 * a single delivery to `-o FILE` is made in a fresh folder beside it (`work`) and moved into place,
 * so no other file is touched.
 */
function deliver(mix: MixSource, releaseMs: number, dests: Destination[], plan: OutputPlan, work: string, baseName: string, progress: DeliveryProgress | undefined): DestinationReport[] {
  const reports: DestinationReport[] = [];
  try {
    dests.forEach((d, i) => {
      progress?.start(d.name, i, dests.length);
      const [r] = exportForDestinations(mix, [d], work, baseName, releaseMs);
      progress?.done();
      if (plan.kind === 'file') {
        fs.renameSync(r!.file, plan.file);
        reports.push({ ...r!, file: plan.file });
      } else reports.push(r!);
    });
  } catch (e) {
    throw writeError(shownOf(plan, baseName), e);
  }
  return reports;
}

const shownOf = (plan: OutputPlan, baseName: string): string => (plan.kind === 'file' ? plan.shown : path.join(plan.shown, `${baseName}.*.wav`));

/**
 * Renders the mix for deliveries into a spool file beside them (bounded memory whatever its length),
 * then delivers from it. A directory made for the deliveries is removed again if the render fails.
 */
async function renderAndDeliver(session: Session, renderOpts: RenderOptions, dests: Destination[], plan: OutputPlan, baseName: string, progress: DeliveryProgress | undefined, signals: Signals): Promise<{ result: RenderStats; reports: DestinationReport[] }> {
  const dir = plan.kind === 'dir' ? plan.dir : path.dirname(plan.file);
  let made: string | undefined;
  let work = dir;
  let spool: MixSpool | undefined;
  let ok = false;
  try {
    try {
      made = fs.mkdirSync(dir, { recursive: true });
      if (plan.kind === 'file') work = fs.mkdtempSync(path.join(dir, `.${path.basename(plan.file)}-`));
      spool = new MixSpool(work, 2);
    } catch (e) {
      throw writeError(shownOf(plan, baseName), e);
    }
    const s = spool;
    // Measured as it is rendered: deliveries at the mix's rate need no pass to measure it.
    const result = await renderSessionToAsync(session, (chans, n) => s.write(chans, n), { ...renderOpts, onStart: (sampleRate) => s.begin(sampleRate, true) }, signals.stop);
    signals.done();
    // Each destination's limiter releases around the session's own limiter release (#19).
    const reports = deliver(s, result.limiterReleaseMs, dests, plan, work, baseName, progress);
    ok = true;
    return { result, reports };
  } finally {
    spool?.close();
    if (work !== dir) fs.rmSync(work, { recursive: true, force: true });
    if (!ok && made !== undefined) fs.rmSync(made, { recursive: true, force: true });
  }
}

/** Renders the mix straight into `file` (a temp file renamed into place: never a partial mix). */
async function renderToFile(session: Session, renderOpts: RenderOptions, file: string, shown: string, bits: Bits, signals: Signals): Promise<RenderStats> {
  let writer: WavStreamWriter;
  try {
    writer = new WavStreamWriter(file, 2, 0, bits);
  } catch (e) {
    throw writeError(shown, e);
  }
  let result: RenderStats;
  try {
    const onStart = (sampleRate: number, stemFrames: number): void => {
      writer.sampleRate = sampleRate;
      writer.checkFits(stemFrames);
    };
    result = await renderSessionToAsync(session, (chans, n) => writer.write(chans, n), { ...renderOpts, onStart }, signals.stop);
    signals.done();
  } catch (e) {
    writer.abort();
    throw writeError(shown, e);
  }
  try {
    writer.commit();
  } catch (e) {
    throw writeError(shown, e);
  }
  return result;
}

/** The signals a render listens to while it renders the mix, and how it stops listening. */
interface Signals {
  readonly stop: () => string | undefined;
  /**
   * Back to the default (the process ends at once): called when the mix is done, before the
   * synchronous delivery passes, during which a noted signal would wait for their end. A signal
   * that came after the render's last turn still stops it here (RenderStopped).
   */
  readonly done: () => void;
  /** Stops listening; safe to call again. */
  readonly off: () => void;
}

/**
 * Ctrl-C, TERM or HUP during the mix: noted, and acted on at the render's next turn of the event loop
 * (renderSessionToAsync), which removes the temp file before the command ends with 128 + the signal.
 */
function stopOnSignals(): Signals {
  let got: string | undefined;
  const on = (sig: NodeJS.Signals): void => {
    got = sig;
  };
  const sigs: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const sig of sigs) process.on(sig, on);
  const off = (): void => sigs.forEach((sig) => process.off(sig, on));
  return {
    stop: () => got,
    off,
    done: () => {
      off();
      if (got !== undefined) throw new RenderStopped(got);
    },
  };
}

/** The --state and --scene layers, checked; their module (persistence, scenes, the logger) loads only for them. */
async function fileLayers(session: Session, opts: RenderOpts): Promise<CheckedLayer[]> {
  const { sceneLayer, stateLayer } = await import('../render-layers.ts');
  return [...(opts.state ? [stateLayer(session, opts.state)] : []), ...(opts.scene ? [sceneLayer(session, opts.scene)] : [])];
}

/** `faderd render SESSION` (options: specs.ts). */
export async function render(sessionFile: string, opts: RenderOpts): Promise<void> {
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
  // Validated as `faderd check` does (surfaces aside: a render needs no control surface).
  const session = loadCheckedSession(sessionFile, { surfaces: false });
  const baseName = path.basename(sessionFile).replace(/\.ya?ml$/i, '');
  // Where the output goes is settled before the render, so a wrong -o costs no time.
  const plan = planOutput(opts.output, dests, baseName);
  const extraInputs = [...(opts.state ? [{ file: opts.state, what: 'the state file' }] : []), ...(opts.scene ? [{ file: opts.scene, what: 'the scene file' }] : [])];
  refuseInputsAsOutputs(plannedFiles(plan, dests, baseName), renderInputs(session, extraInputs));
  const checked = opts.state || opts.scene ? await fileLayers(session, opts) : [];
  const layers: ValueLayer[] = checked.map((c) => c.layer);
  const skipped = checked.flatMap((c) => (c.warning ? [c.warning] : []));
  const onProgress = opts.json ? undefined : progressBar(process.stderr);
  const renderOpts: RenderOptions = {
    layers,
    // Destinations bring their own final stages: the mix reaches them unlimited, unridden, undithered.
    ...(dests ? { overrides: DELIVERY_MIX_OVERRIDES } : {}),
    ...(tailMs !== undefined ? { tailMs } : {}),
    ...(blockSize !== undefined ? { blockSize } : {}),
    ...(onProgress ? { onProgress } : {}),
    nonFinite: opts.replaceNonFinite ? 'silence' : 'refuse',
  };
  const signals = stopOnSignals();
  try {
    await renderAndWrite(session, renderOpts, dests, plan, baseName, bits, opts, skipped, signals);
  } catch (e) {
    if (!(e instanceof RenderStopped)) throw e;
    process.stderr.write(`${onProgress ? '\n' : ''}faderd: ${e.reason}: the render stopped; nothing was written\n`);
    process.exitCode = 128 + (os.constants.signals[e.reason as NodeJS.Signals] ?? 0);
  } finally {
    signals.off();
  }
}

/** Renders, writes and reports: the mix to its file, or the deliveries. */
async function renderAndWrite(
  session: Session,
  renderOpts: RenderOptions,
  dests: Destination[] | undefined,
  plan: OutputPlan,
  baseName: string,
  bits: Bits,
  opts: RenderOpts,
  skipped: string[],
  signals: Signals,
): Promise<void> {
  if (dests) {
    const { result, reports } = await renderAndDeliver(session, renderOpts, dests, plan, baseName, opts.json ? undefined : deliveryProgress(process.stderr), signals);
    const warnings = [...skipped, ...result.warnings];
    if (opts.json) {
      const mix = { ...summary(undefined, result, undefined), warnings };
      const destinations = reports.map((r) => {
        const missing = missingOfDelivery(r, result.frames / result.sampleRate);
        return { ...jsonFigures(withoutMissing(r, missing)), missing };
      });
      process.stdout.write(JSON.stringify({ mix, destinations }, null, 2) + '\n');
    } else {
      for (const w of warnings) process.stderr.write(`faderd: ${w}\n`);
      const seconds = result.frames / result.sampleRate;
      process.stdout.write(formatReportTable(reports.map((r) => withoutMissing(r, missingOfDelivery(r, seconds)))));
      const notes = reports.flatMap((r) => missingNotes(r.destination, missingOfDelivery(r, seconds)));
      if (notes.length) process.stdout.write(notes.join('\n') + '\n');
    }
    return;
  }
  if (plan.kind !== 'file') throw new Error('a mix is written to one file');
  const result = await renderToFile(session, renderOpts, plan.file, plan.shown, bits, signals);
  const warnings = [...skipped, ...result.warnings];
  const out = plan.file;
  if (opts.json) process.stdout.write(JSON.stringify({ ...summary(out, result, bits), warnings }, null, 2) + '\n');
  else {
    for (const w of warnings) process.stderr.write(`faderd: ${w}\n`);
    process.stderr.write(`wrote ${out}: ${(result.frames / result.sampleRate).toFixed(2)} s, peak ${result.peakDb.toFixed(1)} dBFS, in ${(result.timeMs / 1000).toFixed(2)} s\n`);
  }
}
