import { describe, expect, it } from 'vitest';
import { parseSession } from '../../src/params/session.ts';
import { ParamRegistry } from '../../src/params/registry.ts';
import { ParamStore } from '../../src/params/store.ts';
import { applyStoreToEngine, createEngine } from '../../src/engine/index.ts';

const YAML = `
channels:
  - { name: Kick, input: 3 }
  - { name: Keys, input: 4, stereo: true }
buses:
  - { name: Wedge, stereo: false, output: 5 }
  - { name: IEM, output: 7 }
fx:
  - { type: reverb }
master: { output: [1, 2] }
`;

function setup() {
  const session = parseSession(YAML, '<test>');
  const registry = ParamRegistry.fromSession(session);
  const store = new ParamStore(registry);
  const engine = createEngine(session, registry, { maxBlock: 256, sampleRate: 48000 });
  return { session, registry, store, engine };
}

describe('createEngine', () => {
  it('sizes its inputs and outputs from the session refs', () => {
    const { engine } = setup();
    expect(engine.sampleRate).toBe(48000);
    expect(engine.maxBlock).toBe(256);
    // Keys takes inputs 4 and 5; the IEM pair plays on outputs 7 and 8.
    expect(engine.inputChannels).toBe(5);
    expect(engine.outputChannels).toBe(8);
  });

  it('ignores out-of-range indices, NaN and params it has no use for: the mix renders exactly as without them', () => {
    const { engine, registry } = setup();
    const reference = setup().engine;
    expect(() => engine.setParam(-1, 1)).not.toThrow();
    expect(() => engine.setParam(1e6, 1)).not.toThrow();
    expect(() => engine.setParam(registry.get('/ch/1/fader')!.index, NaN)).not.toThrow();
    expect(() => engine.setParam(registry.get('/ch/2/pan')!.index, Number.NaN)).not.toThrow();
    expect(() => engine.setParam(registry.get('/status/blocks')!.index, 5)).not.toThrow();
    expect(() => engine.setParam(registry.get('/ch/1/meter/peak')!.index, 3)).not.toThrow();
    // The same programme through both engines, long enough for any glide a bad value started to show.
    const ins = Array.from({ length: 5 }, (_, k) => Float32Array.from({ length: 256 }, (_, i) => (k + 1) * 0.05 * Math.sin((i * (k + 1)) / 7)));
    const render = (e: typeof engine) => {
      const outs = Array.from({ length: 8 }, () => new Float32Array(256));
      const all: number[] = [];
      for (let n = 0; n < 20; n++) {
        e.process(ins, outs, 256);
        for (const o of outs) all.push(...o);
      }
      return all;
    };
    const got = render(engine);
    const want = render(reference);
    expect(got.every(Number.isFinite)).toBe(true);
    expect(want.some((v) => v !== 0)).toBe(true);
    expect(got).toEqual(want);
    expect(Array.from(engine.meters)).toEqual(Array.from(reference.meters));
  });

  it('overwrites every output, silences missing inputs and never reads past a short one', () => {
    const { engine } = setup();
    const outs = Array.from({ length: 8 }, () => new Float32Array(256).fill(9));
    engine.process([new Float32Array(10)], outs, 256);
    for (const o of outs) expect(Math.max(...o.map(Math.abs))).toBe(0);
  });

  it('applyStoreToEngine pushes the whole mix: routing, sends and levels land where they should', () => {
    const { engine, store } = setup();
    store.batch(
      [
        ['/ch/1/send/1/level', -6],
        ['/ch/1/send/1/pre', true],
        ['/ch/2/send/2/level', 0],
        ['/ch/2/send/2/pre', true],
        ['/ch/1/fader', -Infinity],
        ['/ch/2/fader', -Infinity],
        ['/bus/2/pan', 1],
      ],
      'api',
    );
    applyStoreToEngine(store, engine);
    const ins = Array.from({ length: 5 }, (_, k) => new Float32Array(256).fill(k === 2 ? 0.5 : k === 3 ? 0.2 : k === 4 ? 0.1 : 0));
    const outs = Array.from({ length: 8 }, () => new Float32Array(256));
    engine.process(ins, outs, 256);
    expect(outs[0]![255]).toBe(0);
    expect(outs[4]![255]).toBeCloseTo(0.5 * 10 ** (-6 / 20), 6);
    // Stereo channel into a stereo bus side by side; bus balance hard right turns L down and leaves R
    // at unity (a balance, not a fold of L into R).
    expect(outs[6]![255]).toBeCloseTo(0, 6);
    expect(outs[7]![255]).toBeCloseTo(0.1, 5);
  });

  it('writes strip and master meters on every block', () => {
    const { engine, registry, store } = setup();
    store.batch([['/ch/1/comp/on', true], ['/ch/1/comp/threshold', -40], ['/ch/1/comp/attack', 0.1]], 'api');
    applyStoreToEngine(store, engine);
    const ins = Array.from({ length: 5 }, (_, k) => {
      const b = new Float32Array(256);
      if (k === 2) for (let i = 0; i < 256; i++) b[i] = 0.5 * Math.sin(i / 5);
      return b;
    });
    const outs = Array.from({ length: 8 }, () => new Float32Array(256));
    for (let n = 0; n < 40; n++) engine.process(ins, outs, 256);
    const m = (a: string) => engine.meters[registry.get(a)!.index]!;
    expect(m('/ch/1/meter/gr')).toBeGreaterThan(10);
    expect(m('/ch/1/meter/peak')).toBeLessThan(-10);
    expect(m('/ch/1/meter/rms')).toBeLessThan(m('/ch/1/meter/peak'));
    expect(m('/ch/2/meter/peak')).toBe(-Infinity);
    expect(m('/master/meter/peak')).toBeGreaterThan(-Infinity);
    expect(m('/bus/1/meter/peak')).toBe(-Infinity);
  });
});
