/**
 * An engine for DSP load tests: process() busy-waits a known fraction of the block period, taken
 * from channel 1's fader (-30 dB: 30 %), so the load a test expects is known and can change mid-run.
 * On a busy machine a wait can be preempted and last longer, so the engine also reports what it saw:
 * the mean share of the block period its process() calls took since the fader last moved, negated,
 * as channel 1's peak meter.
 */
import { performance } from 'node:perf_hooks';
import type { Engine } from '../../../src/engine/types.ts';
import type { ParamRegistry } from '../../../src/params/registry.ts';
import type { Session } from '../../../src/params/session.ts';

export function createEngine(_session: Session, registry: ParamRegistry, opts: { maxBlock: number; sampleRate: number }): Engine {
  const fader = registry.get('/ch/1/fader')!.index;
  const seen = registry.get('/ch/1/meter/peak')!.index;
  const meters = new Float64Array(registry.defs.length).fill(-Infinity);
  let sum = 0;
  let count = 0;
  const periodMs = (opts.maxBlock / opts.sampleRate) * 1000;
  let busyMs = 0;
  return {
    sampleRate: opts.sampleRate,
    maxBlock: opts.maxBlock,
    inputChannels: 2,
    outputChannels: 2,
    latencyFrames: 0,
    meters,
    setParam(index, value) {
      if (index !== fader) return;
      busyMs = (Math.min(100, Math.max(0, -value)) / 100) * periodMs;
      sum = 0;
      count = 0;
    },
    process() {
      const start = performance.now();
      const end = start + busyMs;
      let now = start;
      while (now < end) now = performance.now();
      sum += ((now - start) / periodMs) * 100;
      count++;
      meters[seen] = -sum / count;
    },
    resetLoudness() {},
  };
}
