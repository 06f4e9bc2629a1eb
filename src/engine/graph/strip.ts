/**
 * The strip shared by channels, aux buses and fx returns:
 *   trim → polarity → HPF → gate → 4-band EQ → comp → saturation → mute → fader → pan.
 * Pre-fader sends tap after mute, post-fader sends after the fader. Mono or stereo.
 *
 * Threads: the constructor and bindParams() run off the audio path. Setters (through the binder)
 * and the process* methods run on the audio thread: setters only store values and mark a stage
 * dirty; coefficients are recomputed once at the start of the next block.
 */
import { BiquadBank, HighPass } from '../dsp/biquad.ts';
import { GATE_STATE_SIZE, Gate } from '../dsp/gate.ts';
import { Compressor } from '../dsp/compressor.ts';
import { Saturator } from '../dsp/saturation.ts';
import { Panner } from '../dsp/pan.ts';
import { LevelMeter } from '../dsp/meter.ts';
import { EQ_BANDS } from '../../params/registry.ts';
import type { ParamBinder } from '../types.ts';
import { bindEqBand, eqBandFilters, eqBandKind, type EqBand } from './eq-band.ts';
import { GainRamp } from './gain-ramp.ts';
import { PooledSection, type BiquadBatch, type FilterPool } from '../native/biquad-batch.ts';
import { OP_COPY, type MixBatch } from '../native/mix-batch.ts';
import { COMP_BLOCK, COMP_STATE_AT, type CompBatch } from '../native/comp-batch.ts';
import { GATE_BLOCK, GATE_FALL_AT, GATE_STATE_AT, type GateBatch } from '../native/gate-batch.ts';

/** EQ passes of a batch: the active bands run two at a time, one pass per pair. */
export const EQ_PASSES = Math.ceil(EQ_BANDS / 2);

/** Floats and doubles a strip of `nch` channels takes from a FilterPool (buffers, post-fader buffers, ramp; 2 HPF + EQ sections). */
export function stripPoolSize(nch: number, maxBlock: number): { floats: number; doubles: number } {
  return { floats: (2 * nch + 1) * maxBlock, doubles: (2 + EQ_BANDS) * (10 + 4 * nch) + COMP_BLOCK + GATE_BLOCK };
}

export class Strip {
  readonly nch: 1 | 2;
  /** Working signal: the graph writes the strip's input here; after processPre() it is pre-fader. */
  readonly bufs: Float32Array[];
  /** Post-fader, pre-pan signal after processPost(). */
  readonly post: Float32Array[];
  /** Scratch ramp shared by the stages of this strip (one ramp drives every channel). */
  readonly ramp: Float32Array;
  /** Before the first block, setters snap instead of ramping (no fade-in from defaults). */
  snap = true;

  private readonly trim: GainRamp;
  private trimDb = 0;
  private inverted = false;
  private readonly hpf: HighPass;
  private hpfOn = false;
  /** The corner, in an object the filter reads it from (a double passed to a call is boxed). */
  private readonly hpfSet = { freqHz: 80 };
  private hpfSlope: 12 | 24 = 12;
  private hpfDirty = true;
  /** False until the first block: filter params set before it apply without a glide. */
  private filtersStarted = false;
  private readonly gate: Gate;
  private gateOn = false;
  private readonly gateSet = { thresholdDb: -50, rangeDb: 40, attackMs: 0.5, holdMs: 50, releaseMs: 200 };
  private gateDirty = true;
  /** With a pool: the gate's settings and state as the native kernel reads them (gate-batch.ts), and their index in pool.f64. */
  private readonly gateBlock: Float64Array | undefined;
  private readonly gateAt: number = -1;
  private eqOn = true;
  private readonly bands: EqBand[];
  /** The active bands' banks in order, first `activeBands` slots: they run two at a time. */
  private readonly activeBanks: BiquadBank[];
  private activeBands = 0;
  /** With a pool: the sections as batch jobs name them (HPF first and second; bands; active bands). */
  private readonly hpfRefs: PooledSection[] = [];
  private readonly bandRefs: PooledSection[] = [];
  private readonly activeRefs: PooledSection[] = [];
  /** With a pool: each channel buffer's index in pool.f32. */
  readonly bufAt: Int32Array;
  /** With a pool: each post-fader buffer's index in pool.f32, and the ramp's (mix jobs name them). */
  readonly postAt: Int32Array;
  private rampAt = -1;
  private eqDirty = true;
  /** No EQ band glides: the bands that filter (activeBanks) stay as they are until the EQ changes. */
  private bandsSettled = false;
  private readonly comp: Compressor;
  /** With a pool: the compressor's settings and state as the native kernel reads them (comp-batch.ts), and their index in pool.f64. */
  private readonly compBlock: Float64Array | undefined;
  private readonly compAt: number = -1;
  private compOn = false;
  private readonly compSet = { thresholdDb: -20, ratio: 3, kneeDb: 6, attackMs: 10, releaseMs: 100, makeupDb: 0, autoMakeup: false };
  private compDirty = true;
  private readonly sats: Saturator[];
  private satOn = false;
  private readonly satSet = { driveDb: 6, mixPct: 100 };
  private satDirty = true;
  private readonly mute: GainRamp;
  private readonly fader: GainRamp;
  private readonly panner: Panner;
  private readonly meter: LevelMeter;
  /** Off (offline renders, where nothing reads them): the level meter does not run. */
  private readonly metering: boolean;
  /**
   * Peak and RMS (dB) read right after metering, then gate and compressor gain reduction: kept in a
   * typed array so no number is boxed.
   */
  private readonly levels = new Float64Array(4);
  /** Current soloed flag, read by the graph's solo rule. */
  soloed = false;
  muted = false;

  /**
   * `pool`: the channel buffers and the HPF and EQ sections live in it (stripPoolSize), so the graph
   * can run those stages of all strips in one batch (queueHpf, queueEq).
   */
  constructor(sampleRate: number, maxBlock: number, nch: 1 | 2, pool?: FilterPool, metering = true) {
    this.nch = nch;
    this.metering = metering;
    // Unmetered, the peak and RMS read silence (not the 0 dB of a zeroed array).
    if (!metering) this.levels.fill(-Infinity, 0, 2);
    this.bufs = Array.from({ length: nch }, () => (pool ? pool.floats(maxBlock) : new Float32Array(maxBlock)));
    this.post = Array.from({ length: nch }, () => (pool ? pool.floats(maxBlock) : new Float32Array(maxBlock)));
    this.ramp = pool ? pool.floats(maxBlock) : new Float32Array(maxBlock);
    this.trim = new GainRamp(sampleRate);
    this.hpf = new HighPass(sampleRate, nch, pool);
    this.gateBlock = pool ? pool.doubles(GATE_BLOCK) : undefined;
    if (pool) this.gateAt = pool.at64(this.gateBlock!);
    this.gate = new Gate(sampleRate, this.gateBlock?.subarray(GATE_STATE_AT, GATE_STATE_AT + GATE_STATE_SIZE));
    this.bands = Array.from({ length: EQ_BANDS }, () => ({ bank: new BiquadBank(sampleRate, nch, pool), type: 1, freqHz: 1000, gainDb: 0, q: 1, active: false }));
    this.activeBanks = this.bands.map((b) => b.bank);
    this.bufAt = new Int32Array(nch);
    this.postAt = new Int32Array(nch);
    if (pool) {
      this.post.forEach((b, c) => (this.postAt[c] = pool.at32(b)));
      this.rampAt = pool.at32(this.ramp);
      this.hpfRefs.push(new PooledSection(this.hpf.first, pool), new PooledSection(this.hpf.second, pool));
      for (const b of this.bands) this.bandRefs.push(new PooledSection(b.bank, pool));
      this.activeRefs.push(...this.bandRefs);
      this.bufs.forEach((b, c) => (this.bufAt[c] = pool.at32(b)));
    }
    this.compBlock = pool ? pool.doubles(COMP_BLOCK) : undefined;
    if (pool) this.compAt = pool.at64(this.compBlock!);
    this.comp = new Compressor(sampleRate, this.compBlock?.subarray(COMP_STATE_AT, COMP_STATE_AT + 3));
    this.sats = Array.from({ length: nch }, () => new Saturator(sampleRate));
    this.mute = new GainRamp(sampleRate);
    this.fader = new GainRamp(sampleRate);
    this.panner = new Panner(sampleRate);
    this.panner.setImmediatePan(0);
    this.meter = new LevelMeter(sampleRate);
  }

  /** Registers a setter for every strip param under `base` (/ch/N, /bus/B, /fx/K). */
  bindParams(bind: ParamBinder, base: string): void {
    bind(`${base}/trim`, (v) => {
      this.trimDb = v[0]!;
      this.setTrim();
    });
    bind(`${base}/polarity`, (v) => {
      this.inverted = v[0]! !== 0;
      this.setTrim();
    });
    bind(`${base}/hpf/on`, (v) => {
      this.hpfOn = v[0]! !== 0;
      this.hpfDirty = true;
    });
    bind(`${base}/hpf/freq`, (v) => {
      this.hpfSet.freqHz = v[0]!;
      this.hpfDirty = true;
    });
    bind(`${base}/hpf/slope`, (v) => {
      this.hpfSlope = v[0]! === 1 ? 24 : 12;
      this.hpfDirty = true;
    });
    bind(`${base}/gate/on`, (v) => {
      if (v[0]! !== 0 && !this.gateOn) this.gate.reset();
      this.gateOn = v[0]! !== 0;
    });
    // One closure per field, not a loop over keys: a store under a key that varies is a generic store,
    // which boxes the double.
    const g = this.gateSet;
    bind(`${base}/gate/threshold`, (v) => { g.thresholdDb = v[0]!; this.gateDirty = true; });
    bind(`${base}/gate/range`, (v) => { g.rangeDb = v[0]!; this.gateDirty = true; });
    bind(`${base}/gate/attack`, (v) => { g.attackMs = v[0]!; this.gateDirty = true; });
    bind(`${base}/gate/hold`, (v) => { g.holdMs = v[0]!; this.gateDirty = true; });
    bind(`${base}/gate/release`, (v) => { g.releaseMs = v[0]!; this.gateDirty = true; });
    bind(`${base}/eq/on`, (v) => {
      // Off glides every band to a wire, on glides them back (no band resumes from stale state).
      this.eqOn = v[0]! !== 0;
      this.eqDirty = true;
    });
    const eqChanged = (): void => {
      this.eqDirty = true;
    };
    this.bands.forEach((band, k) => bindEqBand(bind, `${base}/eq/${k + 1}`, band, eqChanged));
    bind(`${base}/comp/on`, (v) => {
      if (v[0]! !== 0 && !this.compOn) this.comp.reset();
      this.compOn = v[0]! !== 0;
    });
    const c = this.compSet;
    bind(`${base}/comp/threshold`, (v) => { c.thresholdDb = v[0]!; this.compDirty = true; });
    bind(`${base}/comp/ratio`, (v) => { c.ratio = v[0]!; this.compDirty = true; });
    bind(`${base}/comp/knee`, (v) => { c.kneeDb = v[0]!; this.compDirty = true; });
    bind(`${base}/comp/attack`, (v) => { c.attackMs = v[0]!; this.compDirty = true; });
    bind(`${base}/comp/release`, (v) => { c.releaseMs = v[0]!; this.compDirty = true; });
    bind(`${base}/comp/makeup`, (v) => { c.makeupDb = v[0]!; this.compDirty = true; });
    bind(`${base}/comp/auto`, (v) => {
      this.compSet.autoMakeup = v[0]! !== 0;
      this.compDirty = true;
    });
    bind(`${base}/sat/on`, (v) => {
      this.satOn = v[0]! !== 0;
    });
    bind(`${base}/sat/drive`, (v) => { this.satSet.driveDb = v[0]!; this.satDirty = true; });
    bind(`${base}/sat/mix`, (v) => { this.satSet.mixPct = v[0]!; this.satDirty = true; });
    bind(`${base}/mute`, (v) => {
      this.muted = v[0]! !== 0;
      this.mute.set(this.muted ? 0 : 1, this.snap);
    });
    bind(`${base}/solo`, (v) => {
      this.soloed = v[0]! !== 0;
    });
    bind(`${base}/fader`, (v) => this.fader.setDb(v, this.snap));
    bind(`${base}/pan`, (v) => this.panner.setPanFrom(v, this.snap));
  }

  private setTrim(): void {
    // Polarity rides on the trim ramp: a flip crosses zero smoothly instead of clicking.
    // Into the ramp's array, not through set(): a computed double passed to a call is boxed.
    const d = this.trimDb;
    this.trim.next[0] = (d === -Infinity ? 0 : Math.pow(10, d / 20)) * (this.inverted ? -1 : 1);
    this.trim.setNext(this.snap);
  }

  /**
   * Audio thread: recomputes what changed since the last block (at most once per block). Filter
   * changes glide over GLIDE_MS (a switch at the block boundary clicks), except on the first block,
   * where the params set before it hold from the first sample.
   */
  private configure(): void {
    const glide = this.filtersStarted;
    this.filtersStarted = true;
    if (this.hpfDirty) {
      if (this.hpfOn) this.hpf.configureFrom(this.hpfSet, this.hpfSlope, glide);
      else this.hpf.bypass(glide);
      this.hpfDirty = false;
    }
    if (this.gateDirty) {
      this.gate.configure(this.gateSet);
      if (this.gateBlock) this.gate.writeParams(this.gateBlock, 0);
      this.gateDirty = false;
    }
    if (this.eqDirty) {
      for (const b of this.bands) {
        const kind = eqBandKind(b);
        b.active = this.eqOn && eqBandFilters(b, kind);
        // A band that stops filtering glides to a wire, then is skipped (see activeBanks).
        if (b.active) b.bank.configureFrom(kind, b, glide);
        else b.bank.bypass(glide);
      }
      this.eqDirty = false;
      this.bandsSettled = false;
    }
    // A band still gliding to a wire runs until it is there: the list of bands that filter is made
    // again each block while any band glides (only a glide or a change makes a band idle or not).
    if (!this.bandsSettled) {
      let n = 0;
      let settled = true;
      const pooled = this.bandRefs.length > 0;
      for (let k = 0; k < this.bands.length; k++) {
        const bank = this.bands[k]!.bank;
        if (bank.gliding) settled = false;
        if (bank.idle) continue;
        if (pooled) this.activeRefs[n] = this.bandRefs[k]!;
        this.activeBanks[n++] = bank;
      }
      this.activeBands = n;
      this.bandsSettled = settled;
    }
    if (this.compDirty) {
      this.comp.configure(this.compSet);
      if (this.compBlock) this.comp.writeParams(this.compBlock, 0);
      this.compDirty = false;
    }
    if (this.satDirty) {
      for (const s of this.sats) s.configure(this.satSet);
      this.satDirty = false;
    }
  }

  /**
   * Audio thread: trim → … → saturation → mute, in place on `bufs`. The same as beginBlock, the HPF,
   * gateStage, the EQ and finishPre in turn: the graph runs these stage by stage across strips
   * (stage-major) to filter all strips in one batch (queueHpf, queueEq), with the same result.
   */
  processPre(frames: number): void {
    this.beginBlock(frames);
    // The kernels flush their own decayed states, so silence costs no more than music.
    this.hpf.process(this.bufs, this.nch, frames); // skips itself while off and settled
    this.gateStage(frames);
    {
      // In pairs: two cascaded sections in one pass run ~1.8x faster than two passes.
      const { bufs, nch } = this;
      const banks = this.activeBanks;
      const n = this.activeBands;
      let k = 0;
      for (; k + 1 < n; k += 2) banks[k]!.processWith(banks[k + 1]!, bufs, nch, frames);
      if (k < n) banks[k]!.process(bufs, nch, frames);
    }
    this.finishPre(frames);
  }

  /** Audio thread, first stage: applies what changed since the last block, then the trim. */
  beginBlock(frames: number): void {
    this.configure();
    this.applyGain(this.trim, this.bufs, frames);
  }

  /**
   * Audio thread, after beginBlock (pooled strips only): the HPF's jobs into pass 0 of `batch`, as
   * HighPass.process would run them; the caller runs the batch before gateStage.
   */
  queueHpf(batch: BiquadBatch, frames: number): void {
    const h = this.hpf;
    const a = !h.first.idle, b = !h.second.idle;
    const ra = this.hpfRefs[0]!, rb = this.hpfRefs[1]!;
    const at = this.bufAt;
    if (a && b) {
      for (let c = 0; c < this.nch; c++) batch.pair(0, ra, rb, c, at[c]!);
    } else if (a || b) {
      const r = a ? ra : rb;
      for (let c = 0; c < this.nch; c++) batch.single(0, r, c, at[c]!);
    }
    if (a) h.first.glide.advance(frames);
    if (b) h.second.glide.advance(frames);
  }

  /** Audio thread: the gate, between the HPF and the EQ. */
  gateStage(frames: number): void {
    if (this.gateOn) this.gate.process(this.bufs, this.nch, frames);
  }

  /**
   * Audio thread, after the HPF (pooled strips only): instead of gateStage, the gate's job into
   * `batch` when it is on; the caller runs the batch before the EQ's.
   */
  queueGate(batch: GateBatch, frames: number): void {
    if (!this.gateOn) return;
    this.gate.writeSpanFall(this.gateBlock!, GATE_FALL_AT, frames);
    batch.add(this.bufAt[0]!, this.nch === 2 ? this.bufAt[1]! : -1, this.nch, this.gateAt);
  }

  /**
   * Audio thread, after gateStage (pooled strips only): the active EQ bands' jobs, two bands fused
   * per pass as processPre pairs them (pass p: bands 2p and 2p+1 of the active ones).
   */
  queueEq(batch: BiquadBatch, frames: number): void {
    const refs = this.activeRefs;
    const n = this.activeBands;
    const at = this.bufAt;
    let k = 0, pass = 0;
    for (; k + 1 < n; k += 2, pass++) {
      for (let c = 0; c < this.nch; c++) batch.pair(pass, refs[k]!, refs[k + 1]!, c, at[c]!);
      refs[k]!.bank.glide.advance(frames);
      refs[k + 1]!.bank.glide.advance(frames);
    }
    if (k < n) {
      for (let c = 0; c < this.nch; c++) batch.single(pass, refs[k]!, c, at[c]!);
      refs[k]!.bank.glide.advance(frames);
    }
  }

  /**
   * Audio thread, after the EQ (pooled strips only): the compressor's job into `batch` when it is on;
   * the caller runs the batch, then finishPre(frames, true).
   */
  queueComp(batch: CompBatch): void {
    if (this.compOn) batch.add(this.bufAt[0]!, this.nch === 2 ? this.bufAt[1]! : -1, this.nch, this.compAt);
  }

  /** Audio thread, last stage before the fader: compressor (unless queueComp ran it), saturation, mute. */
  finishPre(frames: number, compDone = false): void {
    const { bufs, nch } = this;
    if (this.compOn && !compDone) this.comp.process(bufs, nch, frames);
    if (this.satOn) for (let c = 0; c < nch; c++) this.sats[c]!.process(bufs[c]!, frames);
    this.applyGain(this.mute, bufs, frames);
  }

  private applyGain(g: GainRamp, bufs: Float32Array[], frames: number): void {
    if (g.left === 0) {
      const k = g.target;
      if (k !== 1) for (let c = 0; c < this.nch; c++) mulScalar(bufs[c]!, g, frames);
    } else {
      g.fill(this.ramp, frames);
      for (let c = 0; c < this.nch; c++) mulRamped(bufs[c]!, this.ramp, frames);
    }
  }

  /** Audio thread: fader into `post`, then the level meter on it. */
  processPost(frames: number): void {
    const { bufs, post, nch } = this;
    const g = this.fader;
    if (g.left === 0) {
      for (let c = 0; c < nch; c++) copyScaled(bufs[c]!, post[c]!, g, frames);
    } else {
      g.fill(this.ramp, frames);
      for (let c = 0; c < nch; c++) copyRamped(bufs[c]!, post[c]!, this.ramp, frames);
    }
    this.meterPost(frames);
  }

  /**
   * Audio thread (pooled strips): the fader copy of processPost as jobs of `mix`; the caller flushes
   * it, then calls meterPost(). The fader's ramp goes into this strip's ramp, which nothing else
   * writes until the flush (sends ramp into their own).
   */
  queuePost(mix: MixBatch, frames: number): void {
    const g = this.fader;
    const at = this.bufAt, post = this.postAt;
    if (g.left === 0) {
      for (let c = 0; c < this.nch; c++) {
        const o = mix.job(OP_COPY, at[c]!, -1, post[c]!, -1, -1, 0, 0);
        mix.params[o] = g.target;
      }
    } else {
      g.fill(this.ramp, frames);
      for (let c = 0; c < this.nch; c++) mix.job(OP_COPY, at[c]!, -1, post[c]!, -1, this.rampAt, 0, 0);
    }
  }

  /** EQ bands the last block ran (the others are wires, skipped). */
  get eqBandsRunning(): number {
    return this.activeBands;
  }

  /** Audio thread: the level meter on `post` (the last step of processPost). */
  meterPost(frames: number): void {
    if (!this.metering) return;
    this.meter.process(this.post, this.nch, frames);
    this.meter.writeLevels(this.levels, 0);
  }

  /**
   * Audio thread (pooled strips): panTo as a job of `mix`, into the pool's buffers at `outL`/`outR`
   * (indices in pool.f32).
   */
  queuePan(mix: MixBatch, outL: number, outR: number, frames: number, add: boolean): void {
    const post = this.postAt;
    this.panner.queue(mix, post[0]!, this.nch === 1 ? -1 : post[1]!, outL, outR, frames, add);
  }

  /** Audio thread: pans `post` into a stereo pair, adding or overwriting. */
  panTo(outL: Float32Array, outR: Float32Array, frames: number, add: boolean): void {
    if (this.nch === 1) this.panner.processMono(this.post[0]!, outL, outR, frames, add);
    else this.panner.processStereo(this.post[0]!, this.post[1]!, outL, outR, frames, add);
  }

  /**
   * Audio thread, once per block after processPost(): writes peak, RMS and gain reduction (gate +
   * compressor, dB ≥ 0) at the given meter indices (-1: skip). Values are stored here rather than
   * returned, so no number is boxed.
   */
  finishBlock(meters: Float64Array, peak: number, rms: number, gr: number): void {
    if (peak >= 0) meters[peak] = this.levels[0]!;
    if (rms >= 0) meters[rms] = this.levels[1]!;
    if (gr < 0) return;
    const l = this.levels;
    l[2] = 0;
    l[3] = 0;
    if (this.gateOn) this.gate.writeGainReduction(l, 2);
    if (this.compOn) this.comp.writeGainReduction(l, 3);
    meters[gr] = l[2]! + l[3]!;
  }

  /** Clears every filter and envelope state (offline renders start from silence). */
  reset(): void {
    this.hpf.reset();
    this.gate.reset();
    for (const b of this.bands) b.bank.reset();
    this.comp.reset();
    this.meter.reset();
  }
}

// The steady gain is read from the GainRamp inside these loops rather than passed in: a double
// passed to a call V8 does not inline is boxed on the heap, once per call.
function mulScalar(buf: Float32Array, g: GainRamp, frames: number): void {
  const k = g.target;
  for (let i = 0; i < frames; i++) buf[i]! *= k;
}

function mulRamped(buf: Float32Array, gains: Float32Array, frames: number): void {
  for (let i = 0; i < frames; i++) buf[i]! *= gains[i]!;
}

function copyScaled(src: Float32Array, out: Float32Array, g: GainRamp, frames: number): void {
  const k = g.target;
  for (let i = 0; i < frames; i++) out[i] = src[i]! * k;
}

function copyRamped(src: Float32Array, out: Float32Array, gains: Float32Array, frames: number): void {
  for (let i = 0; i < frames; i++) out[i] = src[i]! * gains[i]!;
}
