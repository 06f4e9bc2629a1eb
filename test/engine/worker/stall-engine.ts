/**
 * An engine that misses deadlines on purpose: every 250th block, process() busy-waits for as many
 * milliseconds as channel 1's fader reads below 0 dB (-30 dB: a 30 ms stall, far beyond any output
 * buffer at 128 frames). Shows that late blocks are seen and counted, so "zero late" means something.
 */
import { performance } from 'node:perf_hooks';
import type { Engine } from '../../../src/engine/types.ts';
import type { ParamRegistry } from '../../../src/params/registry.ts';
import type { Session } from '../../../src/params/session.ts';

export function createEngine(_session: Session, registry: ParamRegistry, opts: { maxBlock: number; sampleRate: number }): Engine {
  const fader = registry.get('/ch/1/fader')!.index;
  let stallMs = 0;
  let n = 0;
  return {
    sampleRate: opts.sampleRate,
    maxBlock: opts.maxBlock,
    inputChannels: 2,
    outputChannels: 2,
    latencyFrames: 0,
    meters: new Float64Array(registry.defs.length).fill(-Infinity),
    setParam(index, value) {
      if (index === fader) stallMs = Math.min(100, Math.max(0, -value));
    },
    process() {
      if (++n % 250 !== 0 || stallMs === 0) return;
      const end = performance.now() + stallMs;
      while (performance.now() < end);
    },
    resetLoudness() {},
  };
}
