/**
 * A small engine for runtime tests: every channel's input, times its fader gain, summed to outputs
 * 1 and 2; channel peak meters. Enough to see params arrive and meters leave without the real DSP.
 */
import type { Engine } from '../../../src/engine/types.ts';
import type { ParamRegistry } from '../../../src/params/registry.ts';
import type { Session } from '../../../src/params/session.ts';

export function createEngine(session: Session, registry: ParamRegistry, opts: { maxBlock: number; sampleRate: number }): Engine {
  const n = session.channels.length;
  const faderIdx = Array.from({ length: n }, (_, i) => registry.get(`/ch/${i + 1}/fader`)!.index);
  const peakIdx = Array.from({ length: n }, (_, i) => registry.get(`/ch/${i + 1}/meter/peak`)!.index);
  const inputOf = session.channels.map((c) => (Array.isArray(c.input) ? c.input[0] : ((c.input as number | undefined) ?? 1)) - 1);
  const gain = new Float64Array(n).fill(1);
  const byIndex = new Map<number, number>(faderIdx.map((p, i) => [p, i]));
  const meters = new Float64Array(registry.defs.length).fill(-Infinity);
  return {
    sampleRate: opts.sampleRate,
    maxBlock: opts.maxBlock,
    inputChannels: Math.max(...inputOf) + 1,
    outputChannels: 2,
    latencyFrames: 0,
    meters,
    setParam(index, value) {
      const ch = byIndex.get(index);
      if (ch !== undefined) gain[ch] = value === -Infinity ? 0 : 10 ** (value / 20);
    },
    process(inputs, outputs, frames) {
      const [l, r] = outputs as [Float32Array, Float32Array];
      l.fill(0, 0, frames);
      r.fill(0, 0, frames);
      for (let c = 0; c < n; c++) {
        const x = inputs[inputOf[c]!];
        let peak = 0;
        if (x) {
          const g = gain[c]!;
          for (let i = 0; i < frames; i++) {
            const s = x[i]! * g;
            l[i]! += s;
            r[i]! += s;
            if (Math.abs(s) > peak) peak = Math.abs(s);
          }
        }
        meters[peakIdx[c]!] = peak > 0 ? 20 * Math.log10(peak) : -Infinity;
      }
    },
    resetLoudness() {},
  };
}
