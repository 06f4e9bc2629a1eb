/**
 * The mixing graph built from a session: channels → aux buses and fx returns → master.
 *
 * Signal flow per block (audio thread):
 *   1. channels: input → strip → sends (pre/post) to buses and fx inputs → panned into the master
 *      (through the solo rule, see solo.ts);
 *   2. aux buses: summed sends → strip → fx sends → their outputs, and the master if `master: true`;
 *   3. fx returns: summed fx sends → reverb/delay → strip → master (solo-safe);
 *   4. master: fader and mute (smoothed) → master chain → master meters → master outputs.
 * Every param arrives through a ParamBinder by address; the engine turns addresses into indices.
 */
import { LevelMeter } from '../dsp/meter.ts';
import type { Session } from '../../params/session.ts';
import type { ParamBinder } from '../types.ts';
import { EQ_PASSES, Strip, stripPoolSize } from './strip.ts';
import { BiquadBatch, FilterPool, nativeBiquadJobs } from '../native/biquad-batch.ts';
import { GainRamp } from './gain-ramp.ts';
import { Send, SendInput } from './send.ts';
import { MixBatch, nativeMixJobs, OP_ADD2_RAMP, OP_GAIN2 } from '../native/mix-batch.ts';
import { CompBatch, nativeCompJobs } from '../native/comp-batch.ts';
import { GateBatch, nativeGateJobs } from '../native/gate-batch.ts';
import { createFx, type FxProcessor } from './fx.ts';
import { passesSolo, soloActive, type SoloInput } from './solo.ts';

/** The master chain's contract (src/engine/graph/master.ts), as the graph uses it. */
export interface MasterStage {
  bindParams(bind: ParamBinder): void;
  process(left: Float32Array, right: Float32Array, frames: number): void;
  readonly latencyFrames: number;
  bindMeters(index: (address: string) => number): void;
  writeMeters(meters: Float64Array): void;
  resetLoudness(): void;
}

export interface GraphOptions {
  readonly sampleRate: number;
  readonly maxBlock: number;
  /** The mastering chain after the master fader; none = the summed mix as it is. */
  readonly master?: MasterStage;
  /**
   * false: no strip or master level meter runs (the meters read -Infinity). For offline renders:
   * nothing reads them there, and they are a tenth of a render's work. Default true.
   */
  readonly metering?: boolean;
}

interface MeterSlots {
  peak: number;
  rms: number;
  gr: number;
}

/** A strip's way onto the master: a smoothed gate that follows the solo rule. */
class SoloGate {
  readonly gain: GainRamp;
  /** With the native mix kernel: the gate's own ramp (a job reads it at the flush) and its index. */
  readonly ramp: Float32Array | undefined;
  readonly rampAt: number = -1;
  constructor(sampleRate: number, pool?: FilterPool, maxBlock = 0) {
    this.gain = new GainRamp(sampleRate);
    if (pool) {
      this.ramp = pool.floats(maxBlock);
      this.rampAt = pool.at32(this.ramp);
    }
  }
  update(pass: boolean, snap: boolean): void {
    this.gain.set(pass ? 1 : 0, snap);
  }
}

interface ChannelNode {
  readonly strip: Strip;
  /** 0-based interface inputs feeding each side of the strip (-1: none). */
  readonly inputs: readonly number[];
  readonly sends: readonly Send[];
  readonly solo: SoloGate;
  readonly meters: MeterSlots;
}

interface BusNode {
  readonly strip: Strip;
  readonly input: SendInput;
  readonly outputs: readonly number[];
  readonly toMaster: boolean;
  readonly sends: readonly Send[];
  readonly solo: SoloGate;
  readonly pannedL: Float32Array;
  readonly pannedR: Float32Array;
  /** With the native mix kernel: pannedL's and pannedR's indices in the pool. */
  readonly pannedAt: Int32Array;
  readonly meters: MeterSlots;
}

interface FxNode {
  readonly strip: Strip;
  readonly fx: FxProcessor;
  readonly input: SendInput;
  readonly inL: Float32Array;
  readonly inR: Float32Array;
  readonly meters: MeterSlots;
}

/** 1-based refs of a session (a number, or a pair) → 0-based indices for `width` sides. */
function refs(ref: number | readonly [number, number] | undefined, width: 1 | 2): number[] {
  if (ref === undefined) return width === 1 ? [-1] : [-1, -1];
  if (typeof ref === 'number') return width === 1 ? [ref - 1] : [ref - 1, ref];
  return width === 1 ? [ref[0] - 1] : [ref[0] - 1, ref[1] - 1];
}

export class MixGraph {
  readonly inputChannels: number;
  readonly outputChannels: number;
  private readonly channels: ChannelNode[];
  private readonly buses: BusNode[];
  private readonly fxs: FxNode[];
  private readonly masterL: Float32Array;
  private readonly masterR: Float32Array;
  private readonly masterPair: Float32Array[];
  private readonly scratchL: Float32Array;
  private readonly scratchR: Float32Array;
  private readonly ramp: Float32Array;
  private readonly masterGain: GainRamp;
  private masterFaderDb = 0;
  private masterMuted = false;
  private readonly masterMeter: LevelMeter;
  private readonly metering: boolean;
  private readonly masterMeters: MeterSlots;
  private readonly masterOut: readonly number[];
  private readonly master: MasterStage | undefined;
  private readonly chSolo: boolean[];
  private readonly busSolo: boolean[];
  private readonly busToMaster: boolean[];
  /** The solo rule's input, built once: its arrays are updated in place each block. */
  private readonly soloInput: SoloInput;
  private started = false;
  /** With the native kernels: every strip's HPF, then every strip's EQ, in one call each (preAll). */
  private readonly batch: BiquadBatch | undefined;
  /** Which kernels run the strips' filters: the native batch, or the TypeScript reference. */
  readonly kernels: 'native' | 'ts';
  /**
   * With the native kernels: the mixing after the strips (fader copies, sends, pans, folds, master
   * gain) of each strip group in one call (mix-batch.ts); the sums live in the filter pool.
   */
  private readonly mix: MixBatch | undefined;
  /** With the native kernels: every strip's compressor of a group in one call (comp-batch.ts). */
  private readonly compBatch: CompBatch | undefined;
  /** With the native kernels: every strip's gate of a group in one call (gate-batch.ts). */
  private readonly gateBatch: GateBatch | undefined;
  /** With `mix`: masterL's and masterR's indices in the pool, scratchL's and scratchR's, and the ramp's. */
  private readonly masterAt: Int32Array = new Int32Array(2);
  private readonly scratchAt: Int32Array = new Int32Array(2);
  private rampAt = -1;
  private readonly chStrips: Strip[];
  private readonly busStrips: Strip[];
  private readonly fxStrips: Strip[];

  constructor(session: Session, opts: GraphOptions, bind: ParamBinder, meterIndex: (address: string) => number) {
    const { sampleRate: sr, maxBlock } = opts;
    const metering = opts.metering !== false;
    this.metering = metering;
    const slots = (base: string): MeterSlots => ({ peak: meterIndex(`${base}/meter/peak`), rms: meterIndex(`${base}/meter/rms`), gr: meterIndex(`${base}/meter/gr`) });

    // The native kernels want every strip's buffers and sections in one pool (biquad-batch.ts), and
    // the mix kernel every buffer it sums into (mix-batch.ts).
    const run = nativeBiquadJobs();
    const mixRun = run ? nativeMixJobs() : undefined;
    const widths = [...session.buses.map((b) => (b.stereo ? 2 : 1)), ...session.fx.map(() => 2), ...session.channels.map((c) => (c.stereo ? 2 : 1))];
    const nFx = session.fx.length, nBus = session.buses.length;
    const nSends = session.channels.length * (nBus + nFx) + nBus * nFx;
    let pool: FilterPool | undefined;
    if (run) {
      const need = widths.map((w) => stripPoolSize(w, maxBlock));
      // Master pair, scratch pair and ramp, bus pan outputs, fx inputs, a ramp per solo gate, the
      // stereo inputs' mono sums, one ramp per send.
      const mixFloats = (5 + 2 * nBus + 2 * nFx + session.channels.length + nBus) * maxBlock + session.buses.filter((b) => b.stereo).length * SendInput.poolSize(2, maxBlock) + nFx * SendInput.poolSize(2, maxBlock) + nSends * Send.poolSize(maxBlock);
      pool = new FilterPool(need.reduce((n, x) => n + x.floats, mixFloats), need.reduce((n, x) => n + x.doubles, 0));
      this.batch = new BiquadBatch(pool, EQ_PASSES, widths.reduce((n, w) => n + w, 0), run);
      // Enough for a strip group's block in one call: copies, sends, pans, folds, the master gain.
      const compRun = nativeCompJobs();
      if (compRun) this.compBatch = new CompBatch(pool, widths.length, compRun);
      const gateRun = nativeGateJobs();
      if (gateRun) this.gateBatch = new GateBatch(pool, widths.length, gateRun);
      if (mixRun) this.mix = new MixBatch(pool, widths.reduce((n, w) => n + w, 0) + nSends + widths.length + nBus + nFx + 1, mixRun);
    }
    this.kernels = this.batch ? 'native' : 'ts';
    const mixPool = this.mix ? pool : undefined;
    const buf = (): Float32Array => (mixPool ? mixPool.floats(maxBlock) : new Float32Array(maxBlock));
    this.masterL = buf();
    this.masterR = buf();
    this.masterPair = [this.masterL, this.masterR];
    this.scratchL = buf();
    this.scratchR = buf();
    this.ramp = buf();
    if (mixPool) {
      this.scratchAt[0] = mixPool.at32(this.scratchL);
      this.scratchAt[1] = mixPool.at32(this.scratchR);
      this.masterAt[0] = mixPool.at32(this.masterL);
      this.masterAt[1] = mixPool.at32(this.masterR);
      this.rampAt = mixPool.at32(this.ramp);
    }

    this.buses = session.buses.map((spec, j) => {
      const width = spec.stereo ? 2 : 1;
      const strip = new Strip(sr, maxBlock, width, pool, metering);
      strip.bindParams(bind, `/bus/${j + 1}`);
      const pannedL = buf();
      const pannedR = buf();
      return {
        strip,
        input: new SendInput(strip.bufs, maxBlock, mixPool),
        outputs: spec.output === undefined ? [] : refs(spec.output, width),
        toMaster: spec.master,
        sends: [] as Send[],
        solo: new SoloGate(sr, mixPool, maxBlock),
        pannedL,
        pannedR,
        pannedAt: Int32Array.of(mixPool ? mixPool.at32(pannedL) : -1, mixPool ? mixPool.at32(pannedR) : -1),
        meters: slots(`/bus/${j + 1}`),
      };
    });
    this.fxs = session.fx.map((spec, k) => {
      const strip = new Strip(sr, maxBlock, 2, pool, metering);
      strip.bindParams(bind, `/fx/${k + 1}`);
      const fx = createFx(spec.type, sr, maxBlock);
      fx.bindParams(bind, `/fx/${k + 1}`);
      const inL = buf();
      const inR = buf();
      return { strip, fx, input: new SendInput([inL, inR], maxBlock, mixPool), inL, inR, meters: slots(`/fx/${k + 1}`) };
    });
    const fxSends = (strip: Strip, base: string): Send[] =>
      this.fxs.map((f, k) => {
        const s = new Send(sr, strip, f.input, mixPool);
        s.bindParams(bind, `${base}/fxsend/${k + 1}`);
        return s;
      });
    for (const [j, b] of this.buses.entries()) (b.sends as Send[]).push(...fxSends(b.strip, `/bus/${j + 1}`));
    this.channels = session.channels.map((spec, i) => {
      const width = spec.stereo ? 2 : 1;
      const strip = new Strip(sr, maxBlock, width, pool, metering);
      const base = `/ch/${i + 1}`;
      strip.bindParams(bind, base);
      const sends = this.buses.map((b, j) => {
        const s = new Send(sr, strip, b.input, mixPool);
        s.bindParams(bind, `${base}/send/${j + 1}`);
        return s;
      });
      sends.push(...fxSends(strip, base));
      return { strip, inputs: refs(spec.input, width), sends, solo: new SoloGate(sr, mixPool, maxBlock), meters: slots(base) };
    });

    this.masterGain = new GainRamp(sr);
    bind('/master/fader', (v) => {
      this.masterFaderDb = v[0]!;
      this.setMasterGain();
    });
    bind('/master/mute', (v) => {
      this.masterMuted = v[0]! !== 0;
      this.setMasterGain();
    });
    this.masterMeter = new LevelMeter(sr);
    this.masterMeters = slots('/master');
    this.masterOut = refs(session.master.output, 2);
    this.master = opts.master;
    this.master?.bindParams(bind);
    this.master?.bindMeters(meterIndex);

    this.chStrips = this.channels.map((c) => c.strip);
    this.busStrips = this.buses.map((b) => b.strip);
    this.fxStrips = this.fxs.map((f) => f.strip);
    this.chSolo = this.channels.map(() => false);
    this.busSolo = this.buses.map(() => false);
    this.busToMaster = this.buses.map((b) => b.toMaster);
    this.soloInput = { channelSolo: this.chSolo, busSolo: this.busSolo, busToMaster: this.busToMaster };
    const highest = (xs: readonly number[]): number => xs.reduce((m, x) => Math.max(m, x + 1), 0);
    this.inputChannels = highest(this.channels.flatMap((c) => c.inputs));
    this.outputChannels = Math.max(highest(this.masterOut), highest(this.buses.flatMap((b) => b.outputs)));
  }

  get latencyFrames(): number {
    return this.master?.latencyFrames ?? 0;
  }

  private setMasterGain(): void {
    // Into the ramp's array, not through set(): a computed double passed to a call is boxed.
    const d = this.masterFaderDb;
    this.masterGain.next[0] = this.masterMuted || d === -Infinity ? 0 : Math.pow(10, d / 20);
    this.masterGain.setNext(!this.started);
  }

  /** Re-evaluates the solo rule; snaps on the first block, ramps after. */
  private updateSolo(snap: boolean): void {
    for (let i = 0; i < this.channels.length; i++) this.chSolo[i] = this.channels[i]!.strip.soloed;
    for (let j = 0; j < this.buses.length; j++) this.busSolo[j] = this.buses[j]!.strip.soloed;
    const active = soloActive(this.soloInput);
    for (const c of this.channels) c.solo.update(passesSolo(active, c.strip.soloed), snap);
    for (const b of this.buses) b.solo.update(passesSolo(active, b.strip.soloed), snap);
  }

  /** Audio thread: one block. Never allocates or throws. */
  process(inputs: ReadonlyArray<Float32Array>, outputs: ReadonlyArray<Float32Array>, frames: number, meters: Float64Array): void {
    const snap = !this.started;
    if (snap) {
      this.started = true;
      for (const c of this.channels) c.strip.snap = false;
      for (const b of this.buses) b.strip.snap = false;
      for (const f of this.fxs) f.strip.snap = false;
    }
    this.updateSolo(snap);
    for (let k = 0; k < outputs.length; k++) outputs[k]!.fill(0, 0, frames);
    this.masterL.fill(0, 0, frames);
    this.masterR.fill(0, 0, frames);
    for (const b of this.buses) b.input.clear(frames);
    for (const f of this.fxs) f.input.clear(frames);

    for (const ch of this.channels) {
      const { strip } = ch;
      for (let c = 0; c < strip.nch; c++) readInput(inputs, ch.inputs[c]!, strip.bufs[c]!, frames);
    }
    this.preAll(this.chStrips, frames);
    const mix = this.mix;
    if (mix) {
      this.processNative(mix, outputs, frames, meters);
      return;
    }
    for (const ch of this.channels) {
      const { strip } = ch;
      strip.processPost(frames);
      Send.processAll(ch.sends, frames);
      this.toMaster(strip, ch.solo, frames);
      finishBlock(meters, ch.meters, strip);
    }

    for (const b of this.buses) b.input.fold(frames);
    this.preAll(this.busStrips, frames);
    for (const b of this.buses) {
      const { strip } = b;
      strip.processPost(frames);
      Send.processAll(b.sends, frames);
      if (b.outputs.length) {
        if (strip.nch === 2) {
          strip.panTo(b.pannedL, b.pannedR, frames, false);
          addOut(outputs, b.outputs[0]!, b.pannedL, frames);
          addOut(outputs, b.outputs[1]!, b.pannedR, frames);
        } else addOut(outputs, b.outputs[0]!, strip.post[0]!, frames);
      }
      if (b.toMaster) this.toMaster(strip, b.solo, frames);
      finishBlock(meters, b.meters, strip);
    }

    for (const f of this.fxs) {
      f.input.fold(frames);
      f.fx.process(f.inL, f.inR, f.strip.bufs[0]!, f.strip.bufs[1]!, frames);
    }
    this.preAll(this.fxStrips, frames);
    for (const f of this.fxs) {
      const { strip } = f;
      strip.processPost(frames);
      strip.panTo(this.masterL, this.masterR, frames, true);
      finishBlock(meters, f.meters, strip);
    }

    this.processMaster(outputs, frames, meters);
  }

  /**
   * process() after the channels' strips, with the native mix kernel: per group, the fader copies
   * in one call, the meters, then the sends, pans and folds in another (mix-batch.ts). Each sum gets
   * its terms in the order the TypeScript path adds them, so the result is the same, sample for
   * sample. Bus outputs are added after the buses' call (only they and the master write outputs,
   * in the same order as there).
   */
  private processNative(mix: MixBatch, outputs: ReadonlyArray<Float32Array>, frames: number, meters: Float64Array): void {
    mix.begin(frames);
    const { masterAt } = this;
    const mL = masterAt[0]!, mR = masterAt[1]!;
    const chs = this.channels;
    for (let i = 0; i < chs.length; i++) chs[i]!.strip.queuePost(mix, frames);
    mix.flush();
    for (let i = 0; i < chs.length; i++) {
      const ch = chs[i]!;
      ch.strip.meterPost(frames);
      finishBlock(meters, ch.meters, ch.strip);
      Send.queueAll(ch.sends, mix, frames);
      this.queueToMaster(mix, ch.strip, ch.solo, frames);
    }
    const buses = this.buses;
    for (let j = 0; j < buses.length; j++) buses[j]!.input.queueFold(mix);
    mix.flush();

    this.preAll(this.busStrips, frames);
    for (let j = 0; j < buses.length; j++) buses[j]!.strip.queuePost(mix, frames);
    mix.flush();
    for (let j = 0; j < buses.length; j++) {
      const b = buses[j]!;
      const { strip } = b;
      strip.meterPost(frames);
      finishBlock(meters, b.meters, strip);
      Send.queueAll(b.sends, mix, frames);
      if (b.outputs.length && strip.nch === 2) strip.queuePan(mix, b.pannedAt[0]!, b.pannedAt[1]!, frames, false);
      if (b.toMaster) this.queueToMaster(mix, strip, b.solo, frames);
    }
    const fxs = this.fxs;
    for (let k = 0; k < fxs.length; k++) fxs[k]!.input.queueFold(mix);
    mix.flush();
    for (let j = 0; j < buses.length; j++) {
      const b = buses[j]!;
      if (!b.outputs.length) continue;
      if (b.strip.nch === 2) {
        addOut(outputs, b.outputs[0]!, b.pannedL, frames);
        addOut(outputs, b.outputs[1]!, b.pannedR, frames);
      } else addOut(outputs, b.outputs[0]!, b.strip.post[0]!, frames);
    }

    for (let k = 0; k < fxs.length; k++) {
      const f = fxs[k]!;
      f.fx.process(f.inL, f.inR, f.strip.bufs[0]!, f.strip.bufs[1]!, frames);
    }
    this.preAll(this.fxStrips, frames);
    for (let k = 0; k < fxs.length; k++) fxs[k]!.strip.queuePost(mix, frames);
    mix.flush();
    for (let k = 0; k < fxs.length; k++) {
      const f = fxs[k]!;
      f.strip.meterPost(frames);
      f.strip.queuePan(mix, mL, mR, frames, true);
      finishBlock(meters, f.meters, f.strip);
    }
    const g = this.masterGain;
    if (g.left !== 0) {
      g.fill(this.ramp, frames);
      mix.job(OP_GAIN2, -1, -1, mL, mR, this.rampAt, 0, 0);
    } else if (g.target !== 1) {
      const o = mix.job(OP_GAIN2, -1, -1, mL, mR, -1, 0, 0);
      mix.params[o] = g.target;
    }
    mix.flush();
    this.finishMaster(outputs, frames, meters);
  }

  /**
   * toMaster as jobs of `mix`: through a ramping solo gate, the pan into the scratch pair, then the
   * scratch into the master at the gate's ramp (jobs run in order, so one scratch serves every strip).
   */
  private queueToMaster(mix: MixBatch, strip: Strip, solo: SoloGate, frames: number): void {
    const g = solo.gain;
    if (g.left === 0) {
      if (g.target === 0) return;
      if (g.target === 1) {
        strip.queuePan(mix, this.masterAt[0]!, this.masterAt[1]!, frames, true);
        return;
      }
    }
    const sL = this.scratchAt[0]!, sR = this.scratchAt[1]!;
    strip.queuePan(mix, sL, sR, frames, false);
    g.fill(solo.ramp!, frames);
    mix.job(OP_ADD2_RAMP, sL, sR, this.masterAt[0]!, this.masterAt[1]!, solo.rampAt, 0, 0);
  }

  /**
   * Every strip of a group up to the fader (Strip.processPre). With the native kernels, stage-major:
   * trim of all, then the HPF of all in one batch, the gate of all in one batch (or of each), the EQ of all in one batch, then
   * compressor, saturation and mute of each; each strip still sees trim → HPF → gate → EQ → … in
   * that order, so the result is the reference's, sample for sample.
   */
  private preAll(strips: readonly Strip[], frames: number): void {
    const batch = this.batch;
    if (!batch) {
      for (let k = 0; k < strips.length; k++) strips[k]!.processPre(frames);
      return;
    }
    for (let k = 0; k < strips.length; k++) {
      strips[k]!.beginBlock(frames);
      strips[k]!.queueHpf(batch, frames);
    }
    batch.flush(frames);
    const gate = this.gateBatch;
    for (let k = 0; k < strips.length; k++) {
      if (gate) strips[k]!.queueGate(gate, frames);
      else strips[k]!.gateStage(frames);
      strips[k]!.queueEq(batch, frames);
    }
    gate?.flush(frames);
    batch.flush(frames);
    const comp = this.compBatch;
    if (comp) {
      for (let k = 0; k < strips.length; k++) strips[k]!.queueComp(comp);
      comp.flush(frames);
    }
    for (let k = 0; k < strips.length; k++) strips[k]!.finishPre(frames, comp !== undefined);
  }

  /** Pans a strip onto the master through its solo gate. */
  private toMaster(strip: Strip, solo: SoloGate, frames: number): void {
    const g = solo.gain;
    if (g.left === 0) {
      if (g.target === 0) return;
      if (g.target === 1) {
        strip.panTo(this.masterL, this.masterR, frames, true);
        return;
      }
    }
    strip.panTo(this.scratchL, this.scratchR, frames, false);
    g.fill(this.ramp, frames);
    const { scratchL: xl, scratchR: xr, masterL: ml, masterR: mr, ramp } = this;
    for (let i = 0; i < frames; i++) {
      ml[i]! += xl[i]! * ramp[i]!;
      mr[i]! += xr[i]! * ramp[i]!;
    }
  }

  private processMaster(outputs: ReadonlyArray<Float32Array>, frames: number, meters: Float64Array): void {
    const { masterL: l, masterR: r, masterGain: g } = this;
    if (g.left === 0) {
      const k = g.target;
      if (k !== 1) {
        for (let i = 0; i < frames; i++) {
          l[i]! *= k;
          r[i]! *= k;
        }
      }
    } else {
      g.fill(this.ramp, frames);
      const ramp = this.ramp;
      for (let i = 0; i < frames; i++) {
        l[i]! *= ramp[i]!;
        r[i]! *= ramp[i]!;
      }
    }
    this.finishMaster(outputs, frames, meters);
  }

  /** The master after its gain: master chain, meters, outputs. */
  private finishMaster(outputs: ReadonlyArray<Float32Array>, frames: number, meters: Float64Array): void {
    const { masterL: l, masterR: r } = this;
    if (this.master) this.master.process(l, r, frames);
    if (this.metering) this.masterMeter.process(this.masterPair, 2, frames);
    const m = this.masterMeters;
    if (m.peak >= 0) meters[m.peak] = this.masterMeter.peakDb;
    if (m.rms >= 0) meters[m.rms] = this.masterMeter.rmsDb;
    if (this.master) this.master.writeMeters(meters);
    addOut(outputs, this.masterOut[0]!, l, frames);
    addOut(outputs, this.masterOut[1]!, r, frames);
  }

  /** Clears filter, envelope and fx states (not params). */
  reset(): void {
    for (const c of this.channels) c.strip.reset();
    for (const b of this.buses) b.strip.reset();
    for (const f of this.fxs) {
      f.strip.reset();
      f.fx.reset();
    }
  }

  resetLoudness(): void {
    this.master?.resetLoudness();
  }
}

/** Copies interface input `index` into `out`; missing or short input reads as silence. */
function readInput(inputs: ReadonlyArray<Float32Array>, index: number, out: Float32Array, frames: number): void {
  const src = index >= 0 ? inputs[index] : undefined;
  if (!src) {
    out.fill(0, 0, frames);
    return;
  }
  const n = src.length < frames ? src.length : frames;
  for (let i = 0; i < n; i++) out[i] = src[i]!;
  if (n < frames) out.fill(0, n, frames);
}

function addOut(outputs: ReadonlyArray<Float32Array>, index: number, src: Float32Array, frames: number): void {
  const out = index >= 0 ? outputs[index] : undefined;
  if (!out) return;
  const n = out.length < frames ? out.length : frames;
  for (let i = 0; i < n; i++) out[i]! += src[i]!;
}

function finishBlock(meters: Float64Array, slots: MeterSlots, strip: Strip): void {
  strip.finishBlock(meters, slots.peak, slots.rms, slots.gr);
}
