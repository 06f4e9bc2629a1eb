/** Builds a real engine from session YAML and drives it by address, for graph tests. */
import { parseSession, type Session } from '../../../src/params/session.ts';
import { ParamRegistry, toEngineValue, type ParamValue } from '../../../src/params/registry.ts';
import { createEngine } from '../../../src/engine/index.ts';
import type { Engine } from '../../../src/engine/types.ts';

export const SR = 48000;
export const BLOCK = 128;

export interface Rig {
  readonly session: Session;
  readonly registry: ParamRegistry;
  readonly engine: Engine;
  /** Frames the master chain delays everything by (the limiter's look-ahead, kept when it is off). */
  readonly latency: number;
  set(address: string, value: ParamValue): void;
  meter(address: string): number;
  /** Runs `frames` frames with inputs from `signal(input, frameIndex)`; returns every output, whole. */
  run(frames: number, signal: (input: number, n: number) => number): Float32Array[];
}

/** Master chain stages that would colour a measurement, switched off. */
export const NEUTRAL_MASTER: Record<string, ParamValue> = {
  '/master/limiter/on': false,
  '/master/monobass': false,
  '/master/eq/on': false,
};
// Mono bass is off in NEUTRAL_MASTER because its crossover leaks into a hard-panned side (see the
// render tests); every other master stage is neutral at its default.

/** `bare`: the graph without the master chain (no latency, nothing after the master fader). */
export function rig(yaml: string, params: Record<string, ParamValue> = {}, opts: { bare?: boolean } = {}): Rig {
  const session = parseSession(yaml, '<test>');
  const registry = ParamRegistry.fromSession(session);
  const engine = createEngine(session, registry, { maxBlock: BLOCK, sampleRate: SR, ...(opts.bare ? { master: null } : {}) });
  let clock = 0;
  const set = (address: string, value: ParamValue): void => {
    const def = registry.get(address);
    if (!def) throw new Error(`no param ${address}`);
    engine.setParam(def.index, toEngineValue(def, value));
  };
  for (const [a, v] of Object.entries({ ...NEUTRAL_MASTER, ...params })) if (registry.has(a)) set(a, v);
  const ins = Array.from({ length: engine.inputChannels }, () => new Float32Array(BLOCK));
  const outs = Array.from({ length: engine.outputChannels }, () => new Float32Array(BLOCK));
  return {
    session,
    registry,
    engine,
    latency: engine.latencyFrames,
    set,
    meter: (address) => engine.meters[registry.get(address)!.index]!,
    run(frames, signal) {
      const result = outs.map(() => new Float32Array(frames));
      for (let pos = 0; pos < frames; pos += BLOCK) {
        const n = Math.min(BLOCK, frames - pos);
        ins.forEach((buf, k) => {
          for (let i = 0; i < n; i++) buf[i] = signal(k, clock + i);
        });
        engine.process(ins, outs, n);
        outs.forEach((buf, k) => result[k]!.set(buf.subarray(0, n), pos));
        clock += n;
      }
      return result;
    },
  };
}

export const rms = (x: Float32Array, from = 0, to = x.length): number => {
  let s = 0;
  for (let i = from; i < to; i++) s += x[i]! * x[i]!;
  return Math.sqrt(s / Math.max(1, to - from));
};
export const db = (x: number): number => 20 * Math.log10(x);
export const sine = (freqHz: number, amp: number) => (n: number): number => amp * Math.sin((2 * Math.PI * freqHz * n) / SR);
