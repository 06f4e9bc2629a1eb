/**
 * Rendering a finished mix for delivery destinations (`faderd render --for spotify,cd -o out/`).
 *
 * Per destination: resample the (pre-limiter) mix to the destination's rate, then find the gain that
 * lands the integrated loudness on target *after* the true-peak limiter (the limiter takes loudness away
 * from peaky material, so the gain is corrected and the limiter re-run until within 0.1 LU, at most
 * MAX_PASSES), requantize with TPDF dither to the word length, write the WAV, and measure the written
 * file again: the report is of what is on disk, not of what we meant to write.
 *
 * Resampling comes before limiting so that the ceiling is held on the delivery rate's samples (a
 * resampler can raise true peak a little; the limiter then sees the final waveform), and the limited
 * audio is measured again at that rate before it is written (trimToCeiling).
 */
import fs from 'node:fs';
import path from 'node:path';
import { readWav, writeWav } from '../../audio/file/wav.ts';
import { Dither } from '../dsp/dither.ts';
import { TruePeakLimiter } from '../dsp/limiter.ts';
import { measureTruePeak } from '../dsp/truepeak.ts';
import { measureLoudness } from '../dsp/loudness.ts';
import { resampleChannels } from '../dsp/resample.ts';
import { type Destination, destinationFileTag, parseDestination } from './destinations.ts';
import { type DestinationReport, measureProgramme } from './report.ts';

export type { DestinationReport } from './report.ts';

/**
 * What the session's master keeps out of a mix rendered for destinations: each destination defines
 * its own final stages (gain, true-peak limiter at its ceiling, resampling, dither only where its word
 * length drops). The session's limiter, its loudness rider and its dither would otherwise come first:
 * a 16-bit dither on a 24-bit Spotify file raised its noise floor from -144 to -85 dBFS.
 */
export const DELIVERY_MIX_OVERRIDES = {
  '/master/limiter/on': false,
  '/master/loudness/auto': false,
  '/master/dither/on': false,
} as const;

/** A stereo (or any width) mix before the master limiter. */
export interface RenderedMix {
  readonly sampleRate: number;
  readonly channels: Float32Array[];
  /** The session's limiter release (ms), which each destination's limiter uses (default RELEASE_MS). */
  readonly limiterReleaseMs?: number;
}

/** Tolerance the gain search aims for; the delivery check allows ±0.5 LU. */
const AIM_LU = 0.1;
const ACCEPT_LU = 0.5;
const MAX_PASSES = 8;
const MAX_GAIN_DB = 40;
const BLOCK = 1024;
/**
 * The most the gain may push the mix's true peak past the ceiling, i.e. the deepest gain reduction
 * the delivery limiter is asked for. A target that needs more (a clipped mix to -7 LUFS asked for
 * +7 dB of limiting) is not reached: the file stays at this much limiting and the report says the
 * target was missed, rather than flattening the mix to hit a number.
 */
export const MAX_LIMIT_DB = 6;
/**
 * Release of the delivery limiter when the mix does not bring the session's: the limiter's release is
 * program-dependent around it (4× faster after transients, at this rate after sustained overs).
 */
const RELEASE_MS = 100;

/** Gain then true-peak limiting of whole channels, latency removed (output aligned with the input). */
export function gainAndLimit(chans: ReadonlyArray<Float32Array>, sampleRate: number, gainDb: number, ceilingDb: number, releaseMs = RELEASE_MS): Float32Array[] {
  const lim = new TruePeakLimiter(sampleRate, BLOCK, chans.length);
  lim.configure({ ceilingDb, releaseMs });
  const n = chans[0]?.length ?? 0;
  const lat = lim.latencyFrames;
  const g = Math.pow(10, gainDb / 20);
  const work = chans.map((c) => {
    const w = new Float32Array(n + lat);
    for (let i = 0; i < n; i++) w[i] = c[i]! * g;
    return w;
  });
  for (let at = 0; at < n + lat; at += BLOCK) {
    const f = Math.min(BLOCK, n + lat - at);
    lim.process(work.map((w) => w.subarray(at, at + f)), f);
  }
  return work.map((w) => w.slice(lat));
}

/** Gain (dB) and limited audio that put the integrated loudness on `targetLufs` after limiting. */
function normalize(chans: ReadonlyArray<Float32Array>, sampleRate: number, d: Destination, releaseMs: number): { gainDb: number; audio: Float32Array[]; capped: boolean } {
  const target = d.integratedLufs;
  if (target === null) return { gainDb: 0, audio: gainAndLimit(chans, sampleRate, 0, d.truePeakDbtp, releaseMs), capped: false };
  const before = measureLoudness(chans, sampleRate).integratedLufs;
  if (!Number.isFinite(before)) {
    throw new Error(`destination ${d.name}: the mix is silent (below the -70 LUFS gate); nothing to bring to ${target} LUFS`);
  }
  // The gain that puts the true peak on the ceiling, plus the limiting allowed on top of it.
  const maxGain = Math.min(MAX_GAIN_DB, d.truePeakDbtp - measureTruePeak(chans, sampleRate) + MAX_LIMIT_DB);
  let gainDb = Math.min(maxGain, target - before);
  let audio = gainAndLimit(chans, sampleRate, gainDb, d.truePeakDbtp, releaseMs);
  let capped = target - before > maxGain;
  for (let pass = 1; pass < MAX_PASSES; pass++) {
    const err = target - measureLoudness(audio, sampleRate).integratedLufs;
    if (Math.abs(err) <= AIM_LU || gainDb >= maxGain) break;
    capped = gainDb + err > maxGain;
    gainDb = Math.min(maxGain, gainDb + err);
    audio = gainAndLimit(chans, sampleRate, gainDb, d.truePeakDbtp, releaseMs);
  }
  return { gainDb, audio, capped };
}

/** What trimToCeiling() leaves under the ceiling: covers the dither's last bit (0.0003 dB at 16 bits). */
const TRIM_MARGIN_DB = 0.01;

/**
 * The last check before a delivery is written: the true peak of `audio` at its delivery rate, by the
 * same meter the report uses. If it is over the ceiling (it should not be: the limiter runs at this
 * rate with this meter as its detector), the audio is turned down in place to TRIM_MARGIN_DB under it.
 * Returns the gain applied (dB, 0 or negative), which the report states.
 */
export function trimToCeiling(audio: ReadonlyArray<Float32Array>, sampleRate: number, ceilingDb: number): number {
  const tp = measureTruePeak(audio, sampleRate);
  if (!(tp > ceilingDb)) return 0;
  const trimDb = ceilingDb - TRIM_MARGIN_DB - tp;
  const g = Math.pow(10, trimDb / 20);
  for (const c of audio) for (let i = 0; i < c.length; i++) c[i]! *= g;
  return trimDb;
}

/** Renders, writes and measures one destination. */
export function exportForDestination(mix: RenderedMix, d: Destination, outDir: string, baseName: string): DestinationReport {
  const rate = d.sampleRate ?? mix.sampleRate;
  const chans = resampleChannels(mix.channels, mix.sampleRate, rate);
  const { gainDb, audio, capped } = normalize(chans, rate, d, mix.limiterReleaseMs ?? RELEASE_MS);
  const trimDb = trimToCeiling(audio, rate, d.truePeakDbtp);
  if (d.dither && d.bitDepth !== '32f') {
    const dither = new Dither(audio.length);
    dither.configure({ bits: Number(d.bitDepth), shaping: false });
    dither.process(audio, audio[0]?.length ?? 0);
  }
  fs.mkdirSync(outDir, { recursive: true });
  const file = path.join(outDir, `${baseName}.${destinationFileTag(d)}.wav`);
  writeWav(file, audio, rate, { bitDepth: d.bitDepth });
  const written = readWav(file);
  const m = measureProgramme(written.channels, written.sampleRate);
  const loudOk = d.integratedLufs === null || Math.abs(m.integratedLufs - d.integratedLufs) <= ACCEPT_LU;
  return {
    destination: d.name,
    file,
    sampleRate: written.sampleRate,
    bitDepth: written.bitDepth,
    integratedLufs: m.integratedLufs,
    lra: m.lra,
    truePeakDbtp: m.truePeakDbtp,
    shortTermMaxLufs: m.shortTermMaxLufs,
    plr: m.plr,
    gainDb,
    target: { integratedLufs: d.integratedLufs, truePeakDbtp: d.truePeakDbtp, sampleRate: rate, bitDepth: d.bitDepth, source: d.source },
    meetsTarget: loudOk && m.truePeakDbtp <= d.truePeakDbtp,
    ...(trimDb < 0 ? { trimDb } : {}),
    ...(capped && !loudOk
      ? { missed: `${d.integratedLufs} LUFS needs more than ${MAX_LIMIT_DB} dB of limiting into the ${d.truePeakDbtp} dBTP ceiling; left at ${m.integratedLufs.toFixed(1)} LUFS` }
      : {}),
  };
}

/**
 * For each destination (a name, a custom spec, or a parsed Destination): gain to target through the
 * limiter, true-peak limit to its ceiling, resample to its rate, dither to its word length, write
 * outDir/<baseName>.<destination>.wav, measure the written file, and return the reports.
 */
export function exportForDestinations(
  mix: RenderedMix,
  destinations: ReadonlyArray<string | Destination>,
  outDir: string,
  baseName: string,
): DestinationReport[] {
  if (mix.channels.length === 0) throw new Error('the mix has no channels');
  const parsed = destinations.map((d) => (typeof d === 'string' ? parseDestination(d) : d));
  return parsed.map((d) => exportForDestination(mix, d, outDir, baseName));
}
