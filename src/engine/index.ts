/**
 * Builds the engine the daemon, the worker and `faderd render` all run: the mixing graph of a
 * session plus the master chain, behind the Engine contract of types.ts.
 *
 * Params: every address is bound at construction to a setter, stored in an array by param index,
 * so setParam() is one array lookup and a call on the audio thread. The engine starts from the
 * registry defaults; values set before the first process() snap (no ramp from the defaults), later
 * ones ramp.
 */
import type { Session } from '../params/session.ts';
import { toEngineValue, type ParamRegistry } from '../params/registry.ts';
import type { ParamStore } from '../params/store.ts';
import type { Engine, ParamBinder, ParamCell } from './types.ts';
import { MixGraph, type MasterStage } from './graph/graph.ts';
import { MasterChain } from './graph/master.ts';

export interface EngineOptions {
  readonly maxBlock?: number;
  /** Overrides the session's audio.sampleRate (offline render runs at the stems' rate). */
  readonly sampleRate?: number;
  /** The master chain: the standard MasterChain when not given; null for none (graph tests). */
  readonly master?: MasterStage | null;
  /**
   * false: the level and loudness meters do not run (the engine's meters read -Infinity). Offline
   * renders pass it: nothing reads them there. The audio is the same either way. Default true.
   */
  readonly metering?: boolean;
}

const ignore = (_v: ParamCell): void => {};

export function createEngine(session: Session, registry: ParamRegistry, opts: EngineOptions = {}): Engine {
  const sampleRate = opts.sampleRate ?? session.audio.sampleRate;
  const maxBlock = opts.maxBlock ?? Math.max(1024, session.audio.blockSize);
  const setters: Array<(v: ParamCell) => void> = registry.defs.map(() => ignore);
  // The value of the change being applied (see ParamCell): written here, read by the setter.
  const cell = new Float64Array(1);
  const bind: ParamBinder = (address, apply) => {
    const def = registry.get(address);
    if (!def) return;
    const prev = setters[def.index]!;
    setters[def.index] =
      prev === ignore
        ? apply
        : (v) => {
            prev(v);
            apply(v);
          };
  };
  const meterIndex = (address: string): number => {
    const def = registry.get(address);
    return def && def.volatile ? def.index : -1;
  };
  const master = opts.master === null ? undefined : (opts.master ?? new MasterChain(sampleRate, maxBlock, opts.metering !== false));
  const graph = new MixGraph(session, { sampleRate, maxBlock, metering: opts.metering !== false, ...(master ? { master } : {}) }, bind, meterIndex);
  const meters = new Float64Array(registry.defs.length);
  for (const def of registry.defs) {
    if (def.volatile && def.type === 'number') meters[def.index] = def.default as number;
    if (def.type !== 'text' && !def.readOnly) {
      cell[0] = toEngineValue(def, def.default);
      setters[def.index]!(cell);
    }
  }
  const count = setters.length;
  const inputChannels = Math.max(graph.inputChannels, session.audio.inputs ?? 0);
  const outputChannels = Math.max(graph.outputChannels, session.audio.outputs ?? 0);

  return {
    sampleRate,
    maxBlock,
    inputChannels,
    outputChannels,
    get latencyFrames() {
      return graph.latencyFrames;
    },
    meters,
    setParam(index: number, value: number): void {
      if (index >= 0 && index < count && !Number.isNaN(value)) {
        cell[0] = value;
        setters[index]!(cell);
      }
    },
    process(inputs, outputs, frames): void {
      const n = frames > maxBlock ? maxBlock : frames < 0 ? 0 : frames;
      graph.process(inputs, outputs, n, meters);
    },
    resetLoudness(): void {
      graph.resetLoudness();
    },
  };
}

/** Pushes the whole store into an engine: every non-text param, as its engine value. */
export function applyStoreToEngine(store: ParamStore, engine: Engine): void {
  for (const def of store.registry.defs) {
    if (def.type === 'text') continue;
    engine.setParam(def.index, toEngineValue(def, store.getByIndex(def.index)));
  }
}
