/**
 * The engine without meters (metering: false, what an offline render builds): the same audio, sample
 * for sample, as the metered engine, through every strip stage, buses, fx and the master chain with
 * its loudness rider switched on and off mid-run; and no meter runs (each reads silence), where the
 * metered engine's read the signal.
 */
import { describe, expect, it } from 'vitest';
import { createEngine } from '../../../src/engine/index.ts';
import { ParamRegistry } from '../../../src/params/registry.ts';
import { everyStageOn, fullMixSession, setParams } from '../../helpers/full-mix.ts';

const CHANNELS = 6;
const BLOCK = 128;
const SR = 48000;

function build(metering: boolean) {
  const session = fullMixSession(CHANNELS);
  const registry = ParamRegistry.fromSession(session);
  const engine = createEngine(session, registry, { sampleRate: SR, maxBlock: BLOCK, metering });
  setParams(engine, registry, { ...everyStageOn(CHANNELS, 4), '/master/comp/on': true, '/master/limiter/on': true, '/master/loudness/target': -12 });
  const meter = (address: string): number => engine.meters[registry.get(address)!.index]!;
  return {
    engine,
    registry,
    meter,
    ins: Array.from({ length: engine.inputChannels }, () => new Float32Array(BLOCK)),
    outs: Array.from({ length: engine.outputChannels }, () => new Float32Array(BLOCK)),
  };
}

describe('engine without meters', () => {
  it('sounds the same as with them, and its meters read silence', () => {
    const on = build(true);
    const off = build(false);
    let s = 0x2545f491;
    let ride = 0;
    const blocks = Math.round((6 * SR) / BLOCK);
    for (let blk = 0; blk < blocks; blk++) {
      // The loudness rider on for the middle seconds: its gain moves, then glides back to 0 dB.
      if (blk === Math.round(blocks / 3) || blk === Math.round((2 * blocks) / 3)) {
        const auto = blk === Math.round(blocks / 3);
        for (const side of [on, off]) setParams(side.engine, side.registry, { '/master/loudness/auto': auto });
      }
      const level = 0.05 + 0.5 * Math.abs(Math.sin(blk / 40));
      for (let c = 0; c < on.ins.length; c++) {
        for (let i = 0; i < BLOCK; i++) {
          s ^= s << 13;
          s ^= s >>> 17;
          s ^= s << 5;
          const x = level * ((s >>> 0) / 2147483648 - 1);
          on.ins[c]![i] = x;
          off.ins[c]![i] = x;
        }
      }
      on.engine.process(on.ins, on.outs, BLOCK);
      off.engine.process(off.ins, off.outs, BLOCK);
      ride = Math.max(ride, Math.abs(off.meter('/master/meter/autogain')));
      for (let o = 0; o < on.outs.length; o++) {
        for (let i = 0; i < BLOCK; i++) {
          if (!Object.is(on.outs[o]![i], off.outs[o]![i])) throw new Error(`block ${blk} output ${o} sample ${i}: metered ${on.outs[o]![i]}, unmetered ${off.outs[o]![i]}`);
        }
      }
    }
    // The rider did move the mix while on (else this would not show that it rides unmetered alike).
    expect(ride).toBeGreaterThan(0.5);
    for (const address of ['/ch/1/meter/peak', '/ch/1/meter/rms', '/bus/1/meter/peak', '/fx/1/meter/peak', '/master/meter/peak', '/master/meter/rms', '/master/meter/momentary', '/master/meter/truepeak']) {
      expect({ address, metered: on.meter(address) > -60 }).toEqual({ address, metered: true });
      expect({ address, unmetered: off.meter(address) }).toEqual({ address, unmetered: -Infinity });
    }
  });
});
