/**
 * What the native kernels' tests share: a seeded generator (a failure reproduces), the loop over the
 * instruction-set variants a kernel family has, and an engine built with the native kernels or with
 * the TypeScript ones (FADERD_KERNELS=ts) for comparing the two sample by sample.
 */
import { expect } from 'vitest';
import { dspKernels } from '../../../src/engine/native/dsp-kernels.ts';
import { createEngine } from '../../../src/engine/index.ts';
import type { Engine } from '../../../src/engine/types.ts';
import { ParamRegistry, toEngineValue, type ParamValue } from '../../../src/params/registry.ts';
import { parseSession } from '../../../src/params/session.ts';
import type { CompressorSettings } from '../../../src/engine/dsp/compressor.ts';


/** Uniform numbers in [0, 1) from a seed (xorshift32). */
export function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

/**
 * Runs `body` once per variant of a kernel family this CPU runs (AVX2 where it has it, and the
 * portable one every machine without it gets), through the addon's selector `selector` (e.g.
 * `biquadIsa`), then puts back the one in use. The portable variant must have run.
 */
export function eachIsa(selector: string, body: (isa: string) => void): void {
  const isa = dspKernels()?.[selector] as ((name?: string) => string) | undefined;
  if (!isa) throw new Error(`the dsp-kernels addon has no ${selector}: is it built (npm ci)?`);
  const before = isa();
  const tried: string[] = [];
  try {
    for (const name of ['avx2', 'portable']) {
      if (isa(name) !== name) continue;
      tried.push(name);
      body(name);
    }
  } finally {
    isa(before);
  }
  expect(tried).toContain('portable');
}

/** An engine with its input and output blocks. */
export interface EngineSide {
  readonly engine: Engine;
  readonly registry: ParamRegistry;
  readonly ins: Float32Array[];
  readonly outs: Float32Array[];
}

/** An engine for `yaml`, built with the native kernels or (FADERD_KERNELS=ts) the TypeScript ones. */
export function buildEngine(yaml: string, kernels: 'native' | 'ts', maxBlock: number, sampleRate = 48000): EngineSide {
  if (kernels === 'ts') process.env.FADERD_KERNELS = 'ts';
  else delete process.env.FADERD_KERNELS;
  try {
    const session = parseSession(yaml, `<${kernels} kernels test>`);
    const registry = ParamRegistry.fromSession(session);
    const engine = createEngine(session, registry, { sampleRate, maxBlock });
    return {
      engine,
      registry,
      ins: Array.from({ length: engine.inputChannels }, () => new Float32Array(maxBlock)),
      outs: Array.from({ length: engine.outputChannels }, () => new Float32Array(maxBlock)),
    };
  } finally {
    delete process.env.FADERD_KERNELS;
  }
}

/** Sets a param by address on one side, as the store would hand it to the engine. */
export function setParam(side: EngineSide, address: string, value: ParamValue): void {
  const def = side.registry.get(address);
  if (!def) throw new Error(`no param ${address}`);
  side.engine.setParam(def.index, toEngineValue(def, value));
}

/**
 * Runs one block of `frames` on both sides (the same inputs already written to each) and throws at the
 * first output sample or meter that differs between them by Object.is (−0 and NaN included).
 */
export function processBoth(ref: EngineSide, nat: EngineSide, frames: number, blk: number): void {
  ref.engine.process(ref.ins, ref.outs, frames);
  nat.engine.process(nat.ins, nat.outs, frames);
  for (let o = 0; o < ref.outs.length; o++) {
    const a = ref.outs[o]!, b = nat.outs[o]!;
    for (let i = 0; i < frames; i++) {
      if (!Object.is(a[i], b[i])) throw new Error(`block ${blk} output ${o} sample ${i}: reference ${a[i]}, native ${b[i]}`);
    }
  }
  for (let m = 0; m < ref.engine.meters.length; m++) {
    if (!Object.is(ref.engine.meters[m], nat.engine.meters[m])) throw new Error(`block ${blk} meter ${m}: reference ${ref.engine.meters[m]}, native ${nat.engine.meters[m]}`);
  }
}

/**
 * A session's YAML: `channels` channels, every third stereo (inputs numbered in order), then the
 * given bus and fx lines, the master on outputs 1 and 2.
 */
export function mixYaml(channels: number, buses: readonly string[], fx: readonly string[]): string {
  const lines = ['channels:'];
  let input = 1;
  for (let i = 0; i < channels; i++) {
    if (i % 3 === 1) {
      lines.push(`  - { name: C${i + 1}, input: [${input}, ${input + 1}], stereo: true }`);
      input += 2;
    } else lines.push(`  - { name: C${i + 1}, input: ${input++} }`);
  }
  lines.push('buses:', ...buses.map((b) => `  - ${b}`), 'fx:', ...fx.map((f) => `  - ${f}`), 'master: { output: [1, 2] }');
  return lines.join('\n');
}

/** One of `xs`, drawn with `r`. */
export function pick<T>(r: () => number, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)]!;
}

/**
 * Compressor settings over the whole of each range, edges included (ratio 1 and 1000, knee 0 and 48,
 * attack and release 0); `attacks`: the attack times drawn besides a random one.
 */
export function randomCompSettings(r: () => number, attacks: readonly number[] = [0, 0.1, 10]): CompressorSettings {
  return {
    thresholdDb: pick(r, [-60, -30, -20, -6, 0, -100 + 110 * r()]),
    ratio: pick(r, [1, 1.5, 4, 20, 1000, 1 + 30 * r()]),
    kneeDb: pick(r, [0, 48, 6, 48 * r()]),
    attackMs: pick(r, [...attacks, 300 * r()]),
    releaseMs: pick(r, [0, 1, 100, 3000 * r()]),
    makeupDb: pick(r, [0, 12, -10, 96 * r() - 48]),
    autoMakeup: r() < 0.3,
  };
}

/** Sets a param by address on both sides. */
export function setBoth(a: EngineSide, b: EngineSide, address: string, value: ParamValue): void {
  setParam(a, address, value);
  setParam(b, address, value);
}

/** A strip-stage engine test's run (driveBoth). */
export interface DriveOptions {
  readonly blocks: number;
  readonly seed: number;
  /** The strips whose stage is tested, by base address (/ch/1, /bus/1, /fx/1 …). */
  readonly strips: readonly string[];
  /** A strip's settings for the stage, drawn with `r` (the on switch ends in /on). */
  readonly settings: (base: string, r: () => number) => Record<string, ParamValue>;
  /** Input levels: silence or a level between these dBFS, redrawn about every 20 blocks per input. */
  readonly levelsDb: readonly [number, number];
  readonly maxBlock: number;
  /** After each block (both sides processed and compared). */
  readonly afterBlock?: (blk: number) => void;
}

/**
 * Runs both engines side by side over `blocks` blocks (most of 128 frames, every 7th of a random
 * size up to maxBlock): tones with noise at levels that change, six settings of random strips
 * changed (or switched on or off) every 9th block; throws at the first sample or meter that differs.
 */
export function driveBoth(ref: EngineSide, nat: EngineSide, o: DriveOptions): void {
  const r = rng(o.seed);
  const [lo, hi] = o.levelsDb;
  const levels = ref.ins.map(() => Math.pow(10, (lo + hi) / 40));
  let clock = 0;
  for (let blk = 0; blk < o.blocks; blk++) {
    if (blk % 9 === 4) {
      for (let n = 0; n < 6; n++) {
        const s = o.settings(pick(r, o.strips), r);
        const key = pick(r, Object.keys(s));
        setBoth(ref, nat, key, key.endsWith('/on') ? r() < 0.7 : s[key]!);
      }
    }
    const frames = blk % 7 === 3 ? 1 + Math.floor(r() * o.maxBlock) : 128;
    for (let k = 0; k < ref.ins.length; k++) {
      if (r() < 0.05) levels[k] = r() < 0.3 ? 0 : Math.pow(10, (lo + (hi - lo) * r()) / 20);
      for (let i = 0; i < frames; i++) {
        const x = levels[k]! * (Math.sin(0.01 * (k + 1) * (clock + i)) + 0.3 * (r() - 0.5));
        ref.ins[k]![i] = x;
        nat.ins[k]![i] = x;
      }
    }
    clock += frames;
    processBoth(ref, nat, frames, blk);
    o.afterBlock?.(blk);
  }
}
