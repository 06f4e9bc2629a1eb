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
 * audio is measured again at that rate in the same pass (trimDbFor): a pass that came out over the
 * ceiling is run again turned down after the limiter.
 *
 * Every pass streams: the mix is read in blocks (from a MixSpool on disk, or memory), resampled,
 * limited, dithered and written block by block, so memory does not grow with its length (#20). The
 * files equal the former whole-channel implementation's byte for byte (test/audio/file/streaming-equal.test.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { measureWavStream } from '../../audio/file/wav-stream.ts';
import { WavStreamWriter } from '../../audio/file/wav-writer.ts';
import { memoryMix, MixSpool, type MixFigures, type MixSource } from '../../audio/file/mix-spool.ts';
import { ResampleStream, type BlockFn } from '../../audio/file/resample-stream.ts';
import { GainLimitStream } from '../../audio/file/limit-stream.ts';
import { DitherStream } from '../../audio/file/dither-stream.ts';
import { TruePeakLimiter } from '../dsp/limiter.ts';
import { TruePeakMeter } from '../dsp/truepeak.ts';
import { LoudnessMeter } from '../dsp/loudness.ts';
import { Resampler } from '../dsp/resample.ts';
import { type Destination, destinationFileTag, parseDestination } from './destinations.ts';
import type { DestinationReport } from './report.ts';

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

/** The mix at the delivery rate, block by block. */
function forEachAtRate(src: MixSource, rate: number, each: BlockFn): void {
  if (rate === src.sampleRate) return src.forEachBlock(each);
  const rs = new ResampleStream(new Resampler(src.sampleRate, rate), src.numChannels, src.frames, src.blockFrames);
  src.forEachBlock((chans, n) => rs.push(chans, n, each));
  rs.finish(each);
}

/** What a trim leaves under the ceiling: covers the dither's last bit (0.0003 dB at 16 bits). */
const TRIM_MARGIN_DB = 0.01;

/**
 * The last check before a delivery is kept: given the true peak of the limited audio at its delivery
 * rate (by the same meter the report uses), the gain (dB, 0 or negative) that brings it to
 * TRIM_MARGIN_DB under the ceiling. It should be 0: the limiter runs at this rate with this meter as
 * its detector; when it is not, the pass is run again with this gain after the limiter, and the
 * report states it.
 */
export function trimDbFor(truePeakDbtp: number, ceilingDb: number): number {
  return truePeakDbtp > ceilingDb ? ceilingDb - TRIM_MARGIN_DB - truePeakDbtp : 0;
}

interface Pass {
  /** Integrated loudness of the limited audio (before dither, as the gain search reads it). */
  lufs: number;
  /** True peak of the limited audio at the delivery rate, after any trim. */
  truePeakDbtp: number;
  writer: WavStreamWriter;
}

/**
 * One pass over the mix: resample, gain, limit, trim (`trimDb` after the limiter, normally 0),
 * measure loudness and true peak, dither, and write a candidate file; the caller commits or aborts it.
 */
function limitPass(src: MixSource, d: Destination, rate: number, frames: number, gainDb: number, file: string, releaseMs: number, trimDb = 0): Pass {
  const nch = src.numChannels;
  const lim = new TruePeakLimiter(rate, BLOCK, nch);
  lim.configure({ ceilingDb: d.truePeakDbtp, releaseMs });
  const stage = new GainLimitStream(lim, nch, gainDb, BLOCK);
  const meter = new LoudnessMeter(rate, nch);
  const peak = new TruePeakMeter(rate, nch);
  const trim = Math.pow(10, trimDb / 20);
  const dither = d.dither && d.bitDepth !== '32f' ? new DitherStream(nch, frames, Number(d.bitDepth)) : undefined;
  // Unnamed until committed: a kill during the passes leaves no candidate behind.
  const writer = new WavStreamWriter(file, nch, rate, d.bitDepth, { unnamed: true });
  try {
    writer.checkFits(frames);
    const out: BlockFn = (chans, n) => {
      if (trimDb !== 0) for (const c of chans) for (let i = 0; i < n; i++) c[i]! *= trim;
      meter.process(chans, n);
      peak.process(chans, n);
      dither?.process(chans, n);
      writer.write(chans, n);
    };
    forEachAtRate(src, rate, (chans, n) => stage.push(chans, n, out));
    stage.finish(out);
  } catch (e) {
    writer.abort();
    throw e;
  }
  peak.finish();
  return { lufs: meter.integratedLufs, truePeakDbtp: peak.truePeakDbtp, writer };
}

/** Runs the pass again turned down after the limiter when it came out over the ceiling. */
function withinCeiling(pass: Pass, rerun: (trimDb: number) => Pass, ceilingDb: number): { pass: Pass; trimDb: number } {
  const trimDb = trimDbFor(pass.truePeakDbtp, ceilingDb);
  if (trimDb === 0) return { pass, trimDb };
  pass.writer.abort();
  return { pass: rerun(trimDb), trimDb };
}

/** Loudness and true peak of the mix resampled to `rate`, written to `spool` as it goes. */
function measureAtRate(mix: MixSource, rate: number, spool: MixSpool): MixFigures {
  const loud = new LoudnessMeter(rate, mix.numChannels);
  const peak = new TruePeakMeter(rate, mix.numChannels);
  forEachAtRate(mix, rate, (chans, n) => {
    loud.process(chans, n);
    peak.process(chans, n);
    spool.write(chans, n);
  });
  peak.finish();
  return { integratedLufs: loud.integratedLufs, truePeakDbtp: peak.truePeakDbtp };
}

/** Figures of a mix at its own rate, measured once per mix however many destinations use them. */
const figuresOf = new WeakMap<MixSource, MixFigures>();
function mixFigures(mix: MixSource): MixFigures {
  let f = figuresOf.get(mix) ?? mix.measured?.();
  if (!f) {
    const loud = new LoudnessMeter(mix.sampleRate, mix.numChannels);
    const peak = new TruePeakMeter(mix.sampleRate, mix.numChannels);
    mix.forEachBlock((chans, n) => {
      loud.process(chans, n);
      peak.process(chans, n);
    });
    peak.finish();
    f = { integratedLufs: loud.integratedLufs, truePeakDbtp: peak.truePeakDbtp };
  }
  figuresOf.set(mix, f);
  return f;
}

/**
 * Writes `file`: the gain that puts the integrated loudness on target after the limiter, found in
 * passes over the mix (each pass writes its candidate; the accepted one is committed, atomically).
 */
function normalizeTo(mix: MixSource, d: Destination, rate: number, file: string, releaseMs: number): { gainDb: number; capped: boolean; trimDb: number } {
  const frames = rate === mix.sampleRate ? mix.frames : new Resampler(mix.sampleRate, rate).outputLength(mix.frames);
  const target = d.integratedLufs;
  if (target === null) {
    const checked = withinCeiling(limitPass(mix, d, rate, frames, 0, file, releaseMs), (t) => limitPass(mix, d, rate, frames, 0, file, releaseMs, t), d.truePeakDbtp);
    checked.pass.writer.commit();
    return { gainDb: 0, capped: false, trimDb: checked.trimDb };
  }
  // Resampled once, while measuring: the gain passes read the delivery rate's samples from a spool.
  const atRate = rate === mix.sampleRate ? undefined : new MixSpool(path.dirname(file), mix.numChannels);
  try {
    atRate?.begin(rate);
    const { integratedLufs: before, truePeakDbtp } = atRate ? measureAtRate(mix, rate, atRate) : mixFigures(mix);
    const src = atRate ?? mix;
    if (!Number.isFinite(before)) {
      throw new Error(`destination ${d.name}: the mix is silent (below the -70 LUFS gate); nothing to bring to ${target} LUFS`);
    }
    // The gain that puts the true peak on the ceiling, plus the limiting allowed on top of it.
    const maxGain = Math.min(MAX_GAIN_DB, d.truePeakDbtp - truePeakDbtp + MAX_LIMIT_DB);
    let gainDb = Math.min(maxGain, target - before);
    let pass = limitPass(src, d, rate, frames, gainDb, file, releaseMs);
    let capped = target - before > maxGain;
    let trimDb = 0;
    try {
      for (let n = 1; n < MAX_PASSES; n++) {
        const err = target - pass.lufs;
        if (Math.abs(err) <= AIM_LU || gainDb >= maxGain) break;
        capped = gainDb + err > maxGain;
        gainDb = Math.min(maxGain, gainDb + err);
        pass.writer.abort();
        pass = limitPass(src, d, rate, frames, gainDb, file, releaseMs);
      }
      ({ pass, trimDb } = withinCeiling(pass, (t) => limitPass(src, d, rate, frames, gainDb, file, releaseMs, t), d.truePeakDbtp));
    } catch (e) {
      pass.writer.abort();
      throw e;
    }
    pass.writer.commit();
    return { gainDb, capped, trimDb };
  } finally {
    atRate?.close();
  }
}

/**
 * Renders, writes and measures one destination, block by block from the mix (in memory, or a
 * MixSpool on disk): memory does not grow with the mix's length.
 */
export function exportForDestination(
  mix: RenderedMix | MixSource,
  d: Destination,
  outDir: string,
  baseName: string,
  releaseMs = ('forEachBlock' in mix ? undefined : mix.limiterReleaseMs) ?? RELEASE_MS,
): DestinationReport {
  const src = 'forEachBlock' in mix ? mix : memoryMix(mix.sampleRate, mix.channels);
  const rate = d.sampleRate ?? src.sampleRate;
  fs.mkdirSync(outDir, { recursive: true });
  const file = path.join(outDir, `${baseName}.${destinationFileTag(d)}.wav`);
  const { gainDb, capped, trimDb } = normalizeTo(src, d, rate, file, releaseMs);
  const { header: written, figures: m } = measureWavStream(file);
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
 * outDir/<baseName>.<destination>.wav, measure the written file, and return the reports. The
 * limiter's release is the session's (`releaseMs`, or the RenderedMix's `limiterReleaseMs`).
 */
export function exportForDestinations(
  mix: RenderedMix | MixSource,
  destinations: ReadonlyArray<string | Destination>,
  outDir: string,
  baseName: string,
  releaseMs = ('forEachBlock' in mix ? undefined : mix.limiterReleaseMs) ?? RELEASE_MS,
): DestinationReport[] {
  if (('forEachBlock' in mix ? mix.numChannels : mix.channels.length) === 0) throw new Error('the mix has no channels');
  const parsed = destinations.map((d) => (typeof d === 'string' ? parseDestination(d) : d));
  // One source for all: the mix's own figures are measured once.
  const src = 'forEachBlock' in mix ? mix : memoryMix(mix.sampleRate, mix.channels);
  return parsed.map((d) => exportForDestination(src, d, outDir, baseName, releaseMs));
}
