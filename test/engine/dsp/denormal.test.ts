import { describe, expect, it } from 'vitest';
import { Biquad, HighPass } from '../../../src/engine/dsp/biquad.ts';
import { Compressor } from '../../../src/engine/dsp/compressor.ts';
import { StereoDelay } from '../../../src/engine/dsp/delay.ts';
import { Gate } from '../../../src/engine/dsp/gate.ts';
import { LevelMeter } from '../../../src/engine/dsp/meter.ts';
import { Reverb } from '../../../src/engine/dsp/reverb.ts';
import { TiltEq } from '../../../src/engine/dsp/tilt.ts';
import { FLUSH_BELOW } from '../../../src/engine/dsp/util.ts';
import { noise } from './helpers.ts';

/**
 * Recursive states left alone in silence decay into subnormal numbers, which x86 CPUs process many
 * times slower. Each kernel gets a loud burst, then silence; every state (a double) must be either 0 or
 * at least FLUSH_BELOW after every block, every output sample must be 0 or a normal float32, and after
 * enough silence everything must be exactly 0.
 */
const FS = 48000;
const BLOCK = 128;
/** Smallest positive normal float32. */
const F32_MIN_NORMAL = 1.1754943508222875e-38;

/** Reads a private field of a kernel (tests only). */
function field<T>(obj: object, name: string): T {
  return (obj as Record<string, unknown>)[name] as T;
}

/** First state value that is nonzero but below FLUSH_BELOW, or undefined. */
function tinyState(values: ArrayLike<number>): number | undefined {
  for (let i = 0; i < values.length; i++) {
    const v = Math.abs(values[i]!);
    if (v !== 0 && v < FLUSH_BELOW) return values[i];
  }
  return undefined;
}

function subnormalSample(bufs: readonly Float32Array[]): number | undefined {
  for (const b of bufs) for (let i = 0; i < b.length; i++) if (b[i] !== 0 && Math.abs(b[i]!) < F32_MIN_NORMAL) return b[i];
  return undefined;
}

interface Kernel {
  /** Processes one block of `bufs` in place (or into them). */
  run: (bufs: Float32Array[]) => void;
  /** Every recursive state of the kernel, as doubles. */
  states: () => ArrayLike<number>;
}

/** A 0.5 s burst of loud noise, then `silentS` of digital silence; checks after every block. */
function burstThenSilence(k: Kernel, silentS: number): void {
  const burst = [noise(BLOCK, 0.9, 1), noise(BLOCK, 0.9, 2)];
  const bufs = [new Float32Array(BLOCK), new Float32Array(BLOCK)];
  for (let b = 0; b < (0.5 * FS) / BLOCK; b++) {
    bufs[0]!.set(burst[0]!);
    bufs[1]!.set(burst[1]!);
    k.run(bufs);
  }
  const blocks = Math.ceil((silentS * FS) / BLOCK);
  for (let b = 0; b < blocks; b++) {
    bufs[0]!.fill(0);
    bufs[1]!.fill(0);
    k.run(bufs);
    const s = tinyState(k.states());
    if (s !== undefined) throw new Error(`state ${s} after ${b + 1} silent blocks`);
    const y = subnormalSample(bufs);
    if (y !== undefined) throw new Error(`subnormal output ${y} after ${b + 1} silent blocks`);
  }
  expect(Array.from(k.states()).every((v) => v === 0)).toBe(true);
  expect(bufs.every((b) => b.every((v) => v === 0))).toBe(true);
}

describe('kernels flush decayed state instead of going subnormal', () => {
  it('Biquad (peak EQ): state 0 after 1 s of silence', () => {
    const bq = new Biquad(FS);
    bq.configure('peak', 200, 4, 12);
    burstThenSilence({ run: (b) => bq.process(b[0]!, BLOCK), states: () => field<Float64Array>(field(bq, 's'), 'state') }, 1);
  });

  it('HighPass 24 dB/oct at 20 Hz: state 0 after 2 s of silence', () => {
    const hp = new HighPass(FS, 2);
    hp.configure(20, 24);
    const states = (): number[] => [...field<Float64Array>(field(field(hp, 'first'), 's'), 'state'), ...field<Float64Array>(field(field(hp, 'second'), 's'), 'state')];
    burstThenSilence({ run: (b) => hp.process(b, 2, BLOCK), states }, 2);
  });

  it('Compressor: detector state 0 after 5 s of silence (50 ms release)', () => {
    const comp = new Compressor(FS);
    comp.configure({ thresholdDb: -30, ratio: 8, kneeDb: 6, attackMs: 5, releaseMs: 50, makeupDb: 0, autoMakeup: false });
    burstThenSilence({ run: (b) => comp.process(b, 2, BLOCK), states: () => Array.from(field<Float64Array>(comp, 'st').subarray(0, 2)) }, 5);
    expect(comp.gainReductionDb).toBe(0);
  });

  it('Gate: detector envelope 0 after 1 s of silence', () => {
    const gate = new Gate(FS);
    gate.configure({ thresholdDb: -40, rangeDb: 60, attackMs: 1, holdMs: 10, releaseMs: 50 });
    burstThenSilence({ run: (b) => gate.process(b, 2, BLOCK), states: () => [field<Float64Array>(gate, 'st')[0]!] }, 1);
  });

  it('LevelMeter: mean square 0 after 15 s of silence, and reads -Infinity', () => {
    const m = new LevelMeter(FS);
    burstThenSilence({ run: (b) => m.process(b, 2, BLOCK), states: () => field<Float64Array>(m, 'meanSquare') }, 15);
    expect(m.rmsDb).toBe(-Infinity);
    expect(m.peakDb).toBe(-Infinity);
  });

  it('TiltEq: state 0 after 1 s of silence', () => {
    const t = new TiltEq(FS, 2);
    t.configure(6);
    burstThenSilence({ run: (b) => t.process(b, BLOCK), states: () => field<Float64Array>(t, 'z') }, 1);
  });

  it('StereoDelay at 90 % feedback: lines cleared, output exactly 0 after 4 s of silence', () => {
    const dl = new StereoDelay(FS, BLOCK, 100);
    dl.configure({ timeMs: 5, feedbackPct: 90, dampingPct: 20 });
    dl.settle();
    const states = (): number[] => [field<number>(dl, 'lpL'), field<number>(dl, 'lpR')];
    burstThenSilence({ run: (b) => dl.process(b[0]!, b[1]!, b[0]!, b[1]!, BLOCK), states }, 4);
    expect(field<Float32Array>(dl, 'lineL').every((v) => v === 0)).toBe(true);
    expect(field<Float32Array>(dl, 'lineR').every((v) => v === 0)).toBe(true);
  });

  it('Reverb (400 ms decay): lines cleared, output exactly 0 after 6 s of silence', () => {
    const rv = new Reverb(FS, BLOCK);
    rv.configure({ sizePct: 40, decayMs: 400, dampingPct: 20, predelayMs: 10 });
    burstThenSilence({ run: (b) => rv.process(b[0]!, b[1]!, b[0]!, b[1]!, BLOCK), states: () => field<Float64Array>(rv, 'lp') }, 6);
    for (const line of field<Float32Array[]>(rv, 'lines')) expect(line.every((v) => v === 0)).toBe(true);
  });

  it('Reverb: a note waiting in the predelay survives the clearing of a quiet tail', () => {
    const rv = new Reverb(FS, BLOCK);
    rv.configure({ sizePct: 40, decayMs: 400, dampingPct: 20, predelayMs: 250 });
    const l = new Float32Array(BLOCK), r = new Float32Array(BLOCK), outL = new Float32Array(BLOCK), outR = new Float32Array(BLOCK);
    l[0] = 1;
    rv.process(l, r, outL, outR, BLOCK);
    l[0] = 0;
    // Let the tail sink to just above the clearing level, then play a note and wait past the predelay.
    let heard = 0;
    for (let b = 0; b < (4 * FS) / BLOCK; b++) {
      if (b === Math.round((2.2 * FS) / BLOCK)) l[0] = 0.5;
      rv.process(l, r, outL, outR, BLOCK);
      l[0] = 0;
      if (b > Math.round((2.2 * FS) / BLOCK)) for (let i = 0; i < BLOCK; i++) heard = Math.max(heard, Math.abs(outL[i]!));
    }
    expect(heard).toBeGreaterThan(1e-3);
  });
});
