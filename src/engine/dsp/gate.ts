/**
 * Gate / downward expander with hysteresis and hold. The detector is linked across channels (the
 * loudest channel's absolute value) and is a peak-hold follower: instant attack, held for 20 ms (a
 * half-period of 25 Hz, so low notes do not ripple through it), then a 5 ms fall. The gate opens when
 * the detector reaches the threshold and starts closing only after it has stayed below
 * threshold - hysteresis (3 dB default) for the hold time.
 *
 * The gain moves linearly in dB: from closed (-range) to open (0 dB) in attackMs, from open to closed in
 * releaseMs, so the times mean what a console's gate times mean.
 *
 * Blocks in which nothing can change (open and loud, or closed and quiet) take a fast path that
 * scans the block once.
 *
 * Thread rules: configure(), process() and reset() are audio-thread safe (no allocation, no throw).
 *
 * The native kernel (native/dsp-kernels/src/gate.c through src/engine/native/gate-batch.ts) runs the
 * same process() on the same settings (writeParams) and state (the `state` array): this file is its
 * reference and its fallback.
 */
import { DB_TO_LN, FLUSH_BELOW, checkPositive, onePoleCoeff } from './util.ts';
import { PEAKS, PEAK_SPAN, linkedPeakMax, linkedPeaks } from './linked-peak.ts';

export interface GateSettings {
  thresholdDb: number;
  rangeDb: number;
  attackMs: number;
  holdMs: number;
  releaseMs: number;
  hysteresisDb?: number;
}

const DETECTOR_HOLD_MS = 20;
const DETECTOR_FALL_MS = 5;

/** Doubles of the running state (the `state` array): env, envHold, holdLeft, gainDb, open (0/1), transitions. */
export const GATE_STATE_SIZE = 6;
const ENV = 0, ENV_HOLD = 1, HOLD_LEFT = 2, GAIN_DB = 3, OPEN = 4, TRANSITIONS = 5;
/** Doubles writeParams writes. */
export const GATE_PARAMS_SIZE = 12;

/** Frames of the last span of a `frames`-frame process() (its spans are PEAK_SPAN frames, the last one what is left). */
export function lastSpanFrames(frames: number): number {
  return frames - PEAK_SPAN * Math.floor((frames - 1) / PEAK_SPAN);
}

export class Gate {
  private readonly sampleRate: number;
  private readonly detHoldSamples: number;
  private readonly detFall: number;
  private openLin = 0;
  private closeLin = 0;
  private rangeDb = 40;
  private closedGain = 0;
  private attackStepDb = 0;
  private releaseStepDb = 0;
  private holdSamples = 0;
  private attackRatio = 1;
  private releaseRatio = 1;
  /** detFall^PEAK_SPAN, the detector's fall over a whole closed span (the native kernel reads it). */
  private readonly fallPerSpan: number;
  // Running state in a typed array (as the compressor's): the native kernel reads and writes it in
  // place when it lives in a pool, and a field first stored as a small integer then a fraction
  // would change the object's shape.
  private readonly st: Float64Array;
  /** The current span's largest linked peak and the last index reaching it (linkedPeakMax). */
  private readonly scan = new Float64Array(2);

  /**
   * `state`: where to keep the running state (GATE_STATE_SIZE doubles), e.g. next to writeParams'
   * output in a pool the native kernel reads (src/engine/native/gate-batch.ts); its own array by default.
   */
  constructor(sampleRate: number, state?: Float64Array) {
    checkPositive('sampleRate', sampleRate);
    this.sampleRate = sampleRate;
    this.st = state ?? new Float64Array(GATE_STATE_SIZE);
    this.detHoldSamples = Math.round((DETECTOR_HOLD_MS * sampleRate) / 1000);
    this.detFall = onePoleCoeff(DETECTOR_FALL_MS, sampleRate);
    this.fallPerSpan = Math.pow(this.detFall, PEAK_SPAN);
    this.configure({ thresholdDb: -50, rangeDb: 40, attackMs: 0.5, holdMs: 50, releaseMs: 200 });
    this.reset();
  }

  configure(s: GateSettings): void {
    // Clamps (clampNum's: NaN → the fallback) and conversions written out: this runs on the audio
    // thread when a setting changes, and a double passed to or returned from a call V8 does not
    // inline is boxed on the heap.
    const tIn = s.thresholdDb, hIn = s.hysteresisDb ?? 3, rIn = s.rangeDb;
    const aIn = s.attackMs, hoIn = s.holdMs, reIn = s.releaseMs;
    const thr = tIn !== tIn ? -50 : tIn < -140 ? -140 : tIn > 20 ? 20 : tIn;
    const hyst = hIn !== hIn ? 3 : hIn < 0 ? 0 : hIn > 40 ? 40 : hIn;
    const range = rIn !== rIn ? 40 : rIn < 0 ? 0 : rIn > 140 ? 140 : rIn;
    const attack = aIn !== aIn ? 0.5 : aIn < 0 ? 0 : aIn > 10000 ? 10000 : aIn;
    const hold = hoIn !== hoIn ? 50 : hoIn < 0 ? 0 : hoIn > 60000 ? 60000 : hoIn;
    const release = reIn !== reIn ? 200 : reIn < 0 ? 0 : reIn > 60000 ? 60000 : reIn;
    this.openLin = Math.exp(thr * DB_TO_LN);
    this.closeLin = Math.exp((thr - hyst) * DB_TO_LN);
    this.rangeDb = range;
    this.closedGain = Math.exp(-range * DB_TO_LN);
    const perMs = this.sampleRate / 1000;
    // At least 1 dB/ramp so a gate with range 0 that is then widened still moves.
    const span = range > 1 ? range : 1;
    const attackSamples = attack * perMs, releaseSamples = release * perMs;
    this.attackStepDb = span / (attackSamples > 1 ? attackSamples : 1);
    this.releaseStepDb = span / (releaseSamples > 1 ? releaseSamples : 1);
    this.holdSamples = Math.round(hold * perMs);
    this.attackRatio = Math.exp(this.attackStepDb * DB_TO_LN);
    this.releaseRatio = Math.exp(-this.releaseStepDb * DB_TO_LN);
  }

  /**
   * The derived settings process() uses, to out[at .. at + GATE_PARAMS_SIZE): detector hold (samples)
   * and fall coefficient, open and close thresholds (linear), range (dB), closed gain, attack and
   * release steps (dB per sample), hold (samples), attack and release ratios, detFall^PEAK_SPAN.
   * For the native kernel (native/dsp-kernels/src/gate.c), after configure().
   */
  writeParams(out: Float64Array, at: number): void {
    out[at] = this.detHoldSamples;
    out[at + 1] = this.detFall;
    out[at + 2] = this.openLin;
    out[at + 3] = this.closeLin;
    out[at + 4] = this.rangeDb;
    out[at + 5] = this.closedGain;
    out[at + 6] = this.attackStepDb;
    out[at + 7] = this.releaseStepDb;
    out[at + 8] = this.holdSamples;
    out[at + 9] = this.attackRatio;
    out[at + 10] = this.releaseRatio;
    out[at + 11] = this.fallPerSpan;
  }

  /**
   * For the native kernel, before it runs a block of `frames`: out[at] = frames and out[at + 1] =
   * detFall^(the last span's frames), the detector's fall over that span when closed, as this V8's
   * Math.pow gives it (the kernel has no pow of its own that must agree with it). Recomputed only
   * when `frames` changes.
   */
  writeSpanFall(out: Float64Array, at: number, frames: number): void {
    if (out[at] === frames) return;
    out[at] = frames;
    out[at + 1] = Math.pow(this.detFall, lastSpanFrames(frames));
  }

  /** Current attenuation in dB, ≥ 0. */
  get gainReductionDb(): number {
    const g = this.st[GAIN_DB]!;
    return g < 0 ? -g : 0;
  }

  /** Writes gainReductionDb to out[at]: a double returned from a call V8 does not inline is boxed. */
  writeGainReduction(out: Float64Array, at: number): void {
    const g = this.st[GAIN_DB]!;
    out[at] = g < 0 ? -g : 0;
  }

  /** Whether the gate is open (signal above threshold, or within hold). */
  get isOpen(): boolean {
    return this.st[OPEN] !== 0;
  }

  /** Open/close transitions since construction or reset (for chatter diagnostics). */
  get transitions(): number {
    return this.st[TRANSITIONS]!;
  }

  process(chans: Float32Array[], nch: number, frames: number): void {
    if (nch <= 0 || frames <= 0) return;
    for (let from = 0; from < frames; from += PEAK_SPAN) {
      const to = frames - from > PEAK_SPAN ? from + PEAK_SPAN : frames;
      if (this.st[OPEN] !== 0 ? this.steadyOpen(chans, nch, from, to) : this.steadyClosed(chans, nch, from, to)) continue;
      linkedPeaks(chans, nch, from, to, PEAKS);
      this.span(chans, nch, from, to);
    }
  }

  /** Frames [from, to) sample by sample, their linked peaks in PEAKS[0 .. to − from). */
  private span(chans: Float32Array[], nch: number, from: number, to: number): void {
    const peaks = PEAKS;
    const detHold = this.detHoldSamples, detFall = this.detFall;
    const openLin = this.openLin, closeLin = this.closeLin;
    const attStep = this.attackStepDb, relStep = this.releaseStepDb;
    const closedDb = -this.rangeDb, closedGain = this.closedGain;
    const st = this.st;
    let env = st[ENV]!, envHold = st[ENV_HOLD]!, holdLeft = st[HOLD_LEFT]!;
    let gDb = st[GAIN_DB]!, open = st[OPEN] !== 0, transitions = st[TRANSITIONS]!;
    const holdSamples = this.holdSamples;
    const attRatio = this.attackRatio, relRatio = this.releaseRatio;
    // Once per block (also picks up a range change made mid-ramp).
    let gLin = Math.exp(gDb * DB_TO_LN);
    // Mono and stereo apply the gain directly (mono: to the same channel once).
    const left = chans[0]!, right = nch === 2 ? chans[1]! : left;
    for (let i = from; i < to; i++) {
      const peak = peaks[i - from]!;
      if (peak >= env) {
        env = peak;
        envHold = detHold;
      } else if (envHold > 0) {
        envHold--;
      } else {
        env *= detFall;
      }

      if (env >= openLin) {
        if (!open) transitions++;
        open = true;
        holdLeft = holdSamples;
      } else if (open) {
        if (env >= closeLin) holdLeft = holdSamples;
        else if (holdLeft > 0) holdLeft--;
        else {
          open = false;
          transitions++;
        }
      }

      const targetDb = open ? 0 : closedDb;
      let g: number;
      if (gDb === targetDb) {
        // Fully open: nothing to multiply.
        if (open) continue;
        g = closedGain;
      } else {
        // Linear in dB is a constant ratio in gain: a multiply per sample instead of an exp().
        if (gDb < targetDb) {
          gDb += attStep;
          gLin *= attRatio;
          if (gDb >= targetDb) {
            gDb = targetDb;
            gLin = open ? 1 : closedGain;
          }
        } else {
          gDb -= relStep;
          gLin *= relRatio;
          if (gDb <= targetDb) {
            gDb = targetDb;
            gLin = open ? 1 : closedGain;
          }
        }
        g = gLin;
      }
      if (nch <= 2) {
        left[i] = left[i]! * g;
        if (nch === 2) right[i] = right[i]! * g;
      } else {
        for (let c = 0; c < nch; c++) {
          const buf = chans[c]!;
          buf[i] = buf[i]! * g;
        }
      }
    }
    // NaN input must not leave the detector stuck; a decayed one must not sink into subnormals.
    st[ENV] = env > FLUSH_BELOW ? env : 0;
    st[ENV_HOLD] = envHold;
    st[HOLD_LEFT] = holdLeft;
    st[GAIN_DB] = gDb;
    st[OPEN] = open ? 1 : 0;
    st[TRANSITIONS] = transitions;
  }

  /**
   * Open with the gain at rest and the detector held above the threshold for the whole span (its
   * hold outlasts the span, so it cannot fall): nothing in the span can start a close, so it
   * passes untouched and the per-sample state is updated in closed form. False when that does not hold.
   */
  private steadyOpen(chans: Float32Array[], nch: number, from: number, to: number): boolean {
    const n = to - from, st = this.st;
    if (st[GAIN_DB] !== 0 || st[ENV]! < this.openLin || st[ENV_HOLD]! < n) return false;
    linkedPeakMax(chans, nch, from, to, this.scan);
    const m = this.scan[0]!;
    if (m >= st[ENV]!) {
      // The last sample at the new peak re-armed the detector's hold; later ones counted it down.
      st[ENV] = m;
      st[ENV_HOLD] = this.detHoldSamples - (n - 1 - this.scan[1]!);
    } else st[ENV_HOLD] = st[ENV_HOLD]! - n;
    st[HOLD_LEFT] = this.holdSamples;
    return true;
  }

  /**
   * Closed with the gain at rest and nothing in the span reaching the threshold: the gate stays
   * closed and the span is attenuated by the range. The detector is tracked approximately (its
   * value below the threshold decides nothing while closed: opening needs a sample at the
   * threshold). False when that does not hold.
   */
  private steadyClosed(chans: Float32Array[], nch: number, from: number, to: number): boolean {
    const n = to - from, st = this.st;
    if (st[GAIN_DB] !== -this.rangeDb || st[ENV]! >= this.openLin) return false;
    linkedPeakMax(chans, nch, from, to, this.scan);
    const m = this.scan[0]!;
    if (m >= this.openLin || m !== m) return false;
    const g = this.closedGain;
    if (g !== 1) {
      for (let c = 0; c < nch; c++) {
        const buf = chans[c]!;
        for (let i = from; i < to; i++) buf[i] = buf[i]! * g;
      }
    }
    const fallen = st[ENV]! * Math.pow(this.detFall, n);
    const env = m >= fallen ? m : fallen;
    st[ENV] = env > FLUSH_BELOW ? env : 0;
    st[ENV_HOLD] = 0;
    return true;
  }

  /** Closed and fully attenuated, detector empty. */
  reset(): void {
    const st = this.st;
    st[ENV] = 0;
    st[ENV_HOLD] = 0;
    st[HOLD_LEFT] = 0;
    st[GAIN_DB] = -this.rangeDb;
    st[OPEN] = 0;
    st[TRANSITIONS] = 0;
  }
}

