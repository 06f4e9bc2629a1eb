/**
 * An engine for the JACK backend tests: each output is its input, sample for sample (so a ramp that
 * goes in comes out exact), and it can be told to miss its deadline: /ch/1/fader set to -N dB makes
 * the next block busy-wait N milliseconds, once.
 */
import { performance } from 'node:perf_hooks';
import type { Engine } from '../../../src/engine/types.ts';
import type { ParamRegistry } from '../../../src/params/registry.ts';
import type { Session } from '../../../src/params/session.ts';

export function createEngine(_session: Session, registry: ParamRegistry, opts: { maxBlock: number; sampleRate: number }): Engine {
  const fader = registry.get('/ch/1/fader')!.index;
  let stallMs = 0;
  return {
    sampleRate: opts.sampleRate,
    maxBlock: opts.maxBlock,
    inputChannels: 2,
    outputChannels: 2,
    latencyFrames: 0,
    meters: new Float64Array(registry.defs.length).fill(-Infinity),
    setParam(index, value) {
      if (index === fader && value < 0) stallMs = Math.min(1000, -value);
    },
    process(inputs, outputs, frames) {
      for (let c = 0; c < outputs.length; c++) outputs[c]!.set(inputs[c]!.subarray(0, frames));
      if (stallMs > 0) {
        const end = performance.now() + stallMs;
        stallMs = 0;
        while (performance.now() < end);
      }
    },
    resetLoudness() {},
  };
}
