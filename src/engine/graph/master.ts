/**
 * The master chain, after the graph's master fader and mute, stereo, in place:
 *   EQ (4 bands) + tilt → glue compressor → width (mid/side, mono bass) → drive → exciter →
 *   loudness rider (auto gain) → true-peak limiter (out of the path when off) → dither (only when dither/on).
 * Then the master loudness meters (M, S, I, LRA, true peak) read the output: what leaves the desk.
 *
 * The loudness rider moves the master gain toward /master/loudness/target at most RIDE_DB_PER_S (1 dB/s),
 * so it never pumps; it is driven by the short-term loudness of its own input (feed-forward, so the
 * gain it applies cannot feed back into its measurement). It holds while the programme is silent
 * (momentary under −50 LUFS) and only raises the gain while the momentary loudness is at least the
 * short-term one (−0.5 LU), so fades, pauses and song tails never push the gain up. With auto off it
 * glides back to 0 dB at the same rate.
 *
 * Threads: the constructor, bindParams() and bindMeters() run off the audio path. Setters (through the
 * binder) only store values and mark a stage dirty; process() reconfigures dirty stages once at the start
 * of the next block. process(), writeMeters() and resetLoudness() never allocate, await, throw or log.
 * Params set before the first process() take effect at once (no glide from the constructor's defaults).
 */
import { BiquadBank } from '../dsp/biquad.ts';
import { Compressor } from '../dsp/compressor.ts';
import { Dither } from '../dsp/dither.ts';
import { Exciter } from '../dsp/exciter.ts';
import { TruePeakLimiter } from '../dsp/limiter.ts';
import { LoudnessMeter } from '../dsp/loudness.ts';
import { Saturator } from '../dsp/saturation.ts';
import { TiltEq } from '../dsp/tilt.ts';
import { TruePeakMeter } from '../dsp/truepeak.ts';
import { checkBlock, checkPositive } from '../dsp/util.ts';
import { StereoWidth } from '../dsp/width.ts';
import { DITHER_BITS, EQ_TYPES, MASTER_EQ_BANDS } from '../../params/registry.ts';
import type { ParamBinder } from '../types.ts';
import { bindEqBand, eqBandFilters, eqBandKind, type EqBand } from './eq-band.ts';

export const RIDE_DB_PER_S = 1;
export const RIDE_RANGE_DB = 24;
const RIDE_SILENCE_LUFS = -50;
const RIDE_RAISE_GATE_LU = 0.5;
/** Integrated loudness and LRA walk histograms: refreshed every GATED_REFRESH_S, not every block. */
const GATED_REFRESH_S = 0.1;

const EQ_DEFAULTS: ReadonlyArray<{ type: number; freqHz: number; q: number }> = [
  { type: EQ_TYPES.indexOf('lowshelf'), freqHz: 100, q: 0.707 },
  { type: EQ_TYPES.indexOf('peak'), freqHz: 400, q: 1 },
  { type: EQ_TYPES.indexOf('peak'), freqHz: 2500, q: 1 },
  { type: EQ_TYPES.indexOf('highshelf'), freqHz: 8000, q: 0.707 },
];

// Slots of MasterChain.vals (numbers kept in a typed array so per-block stores never box).
const V_RIDE_DB = 0;
const V_RIDE_GAIN = 1;
const V_M = 2;
const V_S = 3;
const V_I = 4;
const V_LRA = 5;
const V_TP = 6;
const V_LIM_GR = 7;
const V_SINCE_GATED = 8;
const V_RIDE_M = 9;
const V_RIDE_S = 10;
const V_COMP_GR = 11;
const V_NOW = 12;

// Slots of MasterChain.meterAt.
const M_GR = 0, M_MOMENTARY = 1, M_SHORT = 2, M_INTEGRATED = 3, M_LRA = 4, M_TRUEPEAK = 5, M_AUTOGAIN = 6;
const METERS = ['gr', 'momentary', 'shortterm', 'integrated', 'lra', 'truepeak', 'autogain'] as const;

/** Slots of MasterChain.setv. */
const SET_TILT = 0;
const SET_EXCITER = 1;
const SET_ZERO = 2;

export class MasterChain {
  private readonly sampleRate: number;
  private readonly pair: Float32Array[];
  private readonly bands: EqBand[];
  private eqOn = true;
  private eqDirty = true;
  private readonly tilt: TiltEq;
  /** Tilt (dB) and exciter amount (%) as set, and a 0, in an array their stages read them from: a
   *  double passed to a call V8 does not inline is boxed on the heap (see ParamCell). */
  private readonly setv = new Float64Array(3);
  private readonly comp: Compressor;
  private compOn = false;
  private readonly compSet = { thresholdDb: -12, ratio: 2, kneeDb: 6, attackMs: 30, releaseMs: 300, makeupDb: 0, autoMakeup: false };
  private compDirty = true;
  private readonly width: StereoWidth;
  private readonly widthSet = { widthPct: 100, monoBass: true, monoFreqHz: 120 };
  private widthDirty = true;
  private readonly sats: Saturator[];
  private driveDb = 0;
  private driveDirty = true;
  private readonly satSet = { driveDb: 0, mixPct: 100 };
  private readonly exciter: Exciter;
  private exciterDirty = true;
  private readonly riderMeter: LoudnessMeter;
  private targetLufs = -14;
  private autoOn = false;
  private readonly limiter: TruePeakLimiter;
  /** Off, the limiter is out of the path: no look-ahead delay (a live monitor mix needs every frame). */
  private limiterOn = true;
  private readonly limSet = { ceilingDb: -1, releaseMs: 100 };
  private limDirty = true;
  private readonly dither: Dither;
  private ditherOn = false;
  private readonly ditherSet = { bits: 24, shaping: false };
  private ditherDirty = true;
  private readonly outMeter: LoudnessMeter;
  private readonly metering: boolean;
  private readonly outTp: TruePeakMeter;
  private readonly vals = new Float64Array(13);
  /** Until the first block, glides snap: params applied at start-up hold from the first sample. */
  private started = false;
  private readonly meterAt = new Int32Array(METERS.length).fill(-1);

  /**
   * `metering` false (offline renders, where nothing reads them): the output loudness and true-peak
   * meters do not run. The rider keeps its own meter running, on or off, so switching it on finds
   * the programme's history there: what the chain does to the audio is the same either way.
   */
  constructor(sampleRate: number, maxBlock: number, metering = true) {
    checkPositive('sampleRate', sampleRate);
    this.metering = metering;
    checkBlock('maxBlock', maxBlock);
    this.sampleRate = sampleRate;
    this.pair = [new Float32Array(0), new Float32Array(0)];
    this.bands = EQ_DEFAULTS.map((d) => ({ bank: new BiquadBank(sampleRate, 2), type: d.type, freqHz: d.freqHz, gainDb: 0, q: d.q, active: false }));
    this.tilt = new TiltEq(sampleRate, 2);
    this.comp = new Compressor(sampleRate);
    this.width = new StereoWidth(sampleRate, maxBlock);
    this.sats = [new Saturator(sampleRate), new Saturator(sampleRate)];
    this.exciter = new Exciter(sampleRate, maxBlock, 2);
    this.riderMeter = new LoudnessMeter(sampleRate, 2);
    this.limiter = new TruePeakLimiter(sampleRate, maxBlock, 2);
    this.dither = new Dither(2);
    this.outMeter = new LoudnessMeter(sampleRate, 2);
    this.outTp = new TruePeakMeter(sampleRate, 2);
    this.vals[V_RIDE_GAIN] = 1;
    this.vals[V_I] = this.vals[V_TP] = -Infinity;
    this.configureDirty();
  }

  bindParams(bind: ParamBinder): void {
    bind('/master/eq/on', (v) => {
      // Off glides every band and the tilt to a wire, on glides them back.
      this.eqOn = v[0]! !== 0;
      this.eqDirty = true;
    });
    bind('/master/eq/tilt', (v) => { this.setv[SET_TILT] = v[0]!; this.eqDirty = true; });
    const eqChanged = (): void => { this.eqDirty = true; };
    for (let b = 0; b < MASTER_EQ_BANDS && b < this.bands.length; b++) bindEqBand(bind, `/master/eq/${b + 1}`, this.bands[b]!, eqChanged);
    const c = this.compSet;
    bind('/master/comp/on', (v) => { this.compOn = v[0]! !== 0; });
    bind('/master/comp/threshold', (v) => { c.thresholdDb = v[0]!; this.compDirty = true; });
    bind('/master/comp/ratio', (v) => { c.ratio = v[0]!; this.compDirty = true; });
    bind('/master/comp/knee', (v) => { c.kneeDb = v[0]!; this.compDirty = true; });
    bind('/master/comp/attack', (v) => { c.attackMs = v[0]!; this.compDirty = true; });
    bind('/master/comp/release', (v) => { c.releaseMs = v[0]!; this.compDirty = true; });
    bind('/master/comp/makeup', (v) => { c.makeupDb = v[0]!; this.compDirty = true; });
    bind('/master/comp/auto', (v) => { c.autoMakeup = v[0]! !== 0; this.compDirty = true; });
    const w = this.widthSet;
    bind('/master/width', (v) => { w.widthPct = v[0]!; this.widthDirty = true; });
    bind('/master/monobass', (v) => { w.monoBass = v[0]! !== 0; this.widthDirty = true; });
    bind('/master/monofreq', (v) => { w.monoFreqHz = v[0]!; this.widthDirty = true; });
    bind('/master/drive', (v) => { this.driveDb = v[0]!; this.driveDirty = true; });
    bind('/master/exciter', (v) => { this.setv[SET_EXCITER] = v[0]!; this.exciterDirty = true; });
    bind('/master/limiter/on', (v) => {
      // Back in the path: its delay line starts empty rather than replaying what it held when switched out.
      if (v[0]! !== 0 && !this.limiterOn) this.limiter.reset();
      this.limiterOn = v[0]! !== 0;
    });
    bind('/master/limiter/ceiling', (v) => { this.limSet.ceilingDb = v[0]!; this.limDirty = true; });
    bind('/master/limiter/release', (v) => { this.limSet.releaseMs = v[0]!; this.limDirty = true; });
    bind('/master/loudness/target', (v) => { this.targetLufs = v[0]!; });
    bind('/master/loudness/auto', (v) => { this.autoOn = v[0]! !== 0; });
    bind('/master/dither/on', (v) => { this.ditherOn = v[0]! !== 0; this.ditherDirty = true; });
    bind('/master/dither/bits', (v) => { this.ditherSet.bits = Number(DITHER_BITS[v[0]!] ?? 24); this.ditherDirty = true; });
    bind('/master/dither/shaping', (v) => { this.ditherSet.shaping = v[0]! !== 0; this.ditherDirty = true; });
  }

  bindMeters(index: (address: string) => number): void {
    METERS.forEach((name, i) => {
      this.meterAt[i] = index(`/master/meter/${name}`);
    });
  }

  /** The chain's delay in frames: the limiter's look-ahead while it is in the path, else none. */
  get latencyFrames(): number {
    return this.limiterOn ? this.limiter.latencyFrames : 0;
  }

  /** Gain the loudness rider applies now (dB). */
  get autoGainDb(): number {
    return this.vals[V_RIDE_DB]!;
  }

  resetLoudness(): void {
    this.outMeter.reset();
    this.outTp.reset();
    this.vals[V_I] = this.vals[V_TP] = -Infinity;
    this.vals[V_LRA] = 0;
    this.vals[V_SINCE_GATED] = 0;
  }

  process(left: Float32Array, right: Float32Array, frames: number): void {
    this.configureDirty();
    if (!this.started) this.settle();
    const pair = this.pair;
    pair[0] = left;
    pair[1] = right;
    // A band that is off or flat is skipped once its glide to a wire has ended; the flat tilt only
    // keeps its state current.
    for (let b = 0; b < this.bands.length; b++) {
      const bank = this.bands[b]!.bank;
      if (!bank.idle) bank.process(pair, 2, frames);
    }
    this.tilt.process(pair, frames);
    if (this.compOn) this.comp.process(pair, 2, frames);
    this.width.process(left, right, frames);
    if (this.driveDb > 0) {
      this.sats[0]!.process(left, frames);
      this.sats[1]!.process(right, frames);
    }
    this.exciter.process(pair, frames);
    this.ride(left, right, frames);
    if (this.limiterOn) this.limiter.process(pair, frames);
    if (this.ditherOn) this.dither.process(pair, frames);
    if (!this.metering) return;
    this.outMeter.process(pair, frames);
    this.outTp.process(pair, frames);
  }

  writeMeters(meters: Float64Array): void {
    const v = this.vals;
    const at = this.meterAt;
    this.outMeter.writeLevels(v, V_M);
    this.outTp.writeDbtp(v, V_TP);
    this.outMeter.writeSeconds(v, V_NOW);
    if (v[V_NOW]! - v[V_SINCE_GATED]! >= GATED_REFRESH_S) {
      this.outMeter.writeGated(v, V_I);
      v[V_SINCE_GATED] = v[V_NOW]!;
    }
    if (this.limiterOn) this.limiter.writeGainReduction(v, V_LIM_GR);
    else v[V_LIM_GR] = 0;
    v[V_COMP_GR] = 0;
    if (this.compOn) this.comp.writeGainReduction(v, V_COMP_GR);
    if (at[M_GR]! >= 0) meters[at[M_GR]!] = v[V_COMP_GR]! + v[V_LIM_GR]!;
    if (at[M_MOMENTARY]! >= 0) meters[at[M_MOMENTARY]!] = v[V_M]!;
    if (at[M_SHORT]! >= 0) meters[at[M_SHORT]!] = v[V_S]!;
    if (at[M_INTEGRATED]! >= 0) meters[at[M_INTEGRATED]!] = v[V_I]!;
    if (at[M_LRA]! >= 0) meters[at[M_LRA]!] = v[V_LRA]!;
    if (at[M_TRUEPEAK]! >= 0) meters[at[M_TRUEPEAK]!] = v[V_TP]!;
    if (at[M_AUTOGAIN]! >= 0) meters[at[M_AUTOGAIN]!] = v[V_RIDE_DB]!;
  }

  /** The loudness rider: measure its input, move the gain ≤ RIDE_DB_PER_S toward target, apply it. */
  private ride(left: Float32Array, right: Float32Array, frames: number): void {
    const v = this.vals;
    this.riderMeter.process(this.pair, frames);
    this.riderMeter.writeLevels(v, V_RIDE_M);
    const m = v[V_RIDE_M]!, s = v[V_RIDE_S]!;
    const cur = v[V_RIDE_DB]!;
    let want = cur;
    if (!this.autoOn) want = 0;
    else if (m > RIDE_SILENCE_LUFS) {
      // Math.min/max, not `want = RIDE_RANGE_DB` in a branch: an exported constant is read from its
      // module cell as an untyped value, and merging it into `want` made V8 keep `want` (and box every
      // double that flows into it) on the heap, twice per block.
      want = Math.min(RIDE_RANGE_DB, Math.max(-RIDE_RANGE_DB, this.targetLufs - s));
      // Raise only while the programme is at least as loud as its short-term average: a fade, a
      // pause or the tail of a song (momentary sinking under short-term) must not pull the gain up.
      if (want > cur && m < s - RIDE_RAISE_GATE_LU) want = cur;
    }
    const step = (RIDE_DB_PER_S * frames) / this.sampleRate;
    const next = want > cur + step ? cur + step : want < cur - step ? cur - step : want;
    v[V_RIDE_DB] = next;
    const g0 = v[V_RIDE_GAIN]!;
    const g1 = next === 0 ? 1 : Math.exp(next * (Math.LN10 / 20));
    v[V_RIDE_GAIN] = g1;
    if (g0 === 1 && g1 === 1) return;
    const inc = frames > 0 ? (g1 - g0) / frames : 0;
    for (let i = 0; i < frames; i++) {
      const g = g0 + inc * (i + 1);
      left[i]! *= g;
      right[i]! *= g;
    }
  }

  /** Smoothed stages jump to their configured values (the engine's initial params, before any audio). */
  private settle(): void {
    this.started = true;
    this.width.settle();
    this.exciter.settle();
    this.sats[0]!.settle();
    this.sats[1]!.settle();
  }

  private configureDirty(): void {
    if (this.eqDirty) {
      this.eqDirty = false;
      // Before the first block params apply at once; after, every filter change glides (GLIDE_MS):
      // switched at the block boundary, a cut at the band centre of a tone clicks.
      const glide = this.started;
      for (let b = 0; b < this.bands.length; b++) {
        const band = this.bands[b]!;
        const kind = eqBandKind(band);
        band.active = this.eqOn && eqBandFilters(band, kind);
        if (band.active) band.bank.configureFrom(kind, band, glide);
        else band.bank.bypass(glide);
      }
      this.tilt.configureFrom(this.setv, this.eqOn ? SET_TILT : SET_ZERO, glide);
    }
    if (this.compDirty) {
      this.compDirty = false;
      this.comp.configure(this.compSet);
    }
    if (this.widthDirty) {
      this.widthDirty = false;
      this.width.configure(this.widthSet);
    }
    if (this.driveDirty) {
      this.driveDirty = false;
      this.satSet.driveDb = this.driveDb;
      this.sats[0]!.configure(this.satSet);
      this.sats[1]!.configure(this.satSet);
    }
    if (this.exciterDirty) {
      this.exciterDirty = false;
      this.exciter.configureFrom(this.setv, SET_EXCITER);
    }
    if (this.limDirty) {
      this.limDirty = false;
      this.limiter.configure(this.limSet);
    }
    if (this.ditherDirty) {
      this.ditherDirty = false;
      this.dither.configure(this.ditherSet);
      if (!this.ditherOn) this.dither.reset();
    }
  }
}
