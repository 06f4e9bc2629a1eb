import v8 from 'node:v8';
import vm from 'node:vm';
import { afterAll, describe, expect, it } from 'vitest';
import { parseSession } from '../../../src/params/session.ts';
import { ParamRegistry, toEngineValue, type ParamValue } from '../../../src/params/registry.ts';
import { createEngine } from '../../../src/engine/index.ts';

/**
 * In its own file on purpose (a fresh process): whether a double gets boxed on the heap depends on
 * what V8 inlines, and that depends on everything the process ran before. Here the inliner gets a
 * small budget, so the graph's own code must not lean on inlining to stay allocation-free (in a large
 * session graph.process() exhausts the budget and its calls stay calls): a double passed to or
 * returned from a call that is not inlined is boxed, once per call.
 *
 * Every strip stage is on, saturation included; the master chain is left out: the loudness rider's
 * meter still boxes when the inliner leaves it as a call.
 */
v8.setFlagsFromString('--max-inlined-bytecode-size-cumulative=100');
afterAll(() => v8.setFlagsFromString('--max-inlined-bytecode-size-cumulative=920'));

const SR = 48000;
const BLOCK = 128;

function session(channels: number) {
  return parseSession(
    [
      `channels: ${channels}`,
      'buses:',
      '  - { name: Drums, master: true }',
      '  - { name: Vocals, stereo: true, master: true }',
      '  - { name: Mon 1, stereo: false, output: 3 }',
      '  - { name: Mon 2, stereo: false, output: 4 }',
      'fx:',
      '  - { name: Verb, type: reverb }',
      '  - { name: Echo, type: delay }',
      'master: { output: [1, 2] }',
    ].join('\n'),
    '<test>',
  );
}

/** Every strip stage working, every send open (pre and post), a solo in force. */
function params(channels: number): Record<string, ParamValue> {
  const p: Record<string, ParamValue> = {};
  const strip = (base: string, i: number): void => {
    Object.assign(p, {
      [`${base}/trim`]: 3, [`${base}/polarity`]: i % 2 === 1, [`${base}/hpf/on`]: true, [`${base}/hpf/slope`]: '24db',
      [`${base}/gate/on`]: true, [`${base}/gate/threshold`]: -45, [`${base}/eq/1/gain`]: 2, [`${base}/eq/2/gain`]: -3,
      [`${base}/eq/3/gain`]: 4, [`${base}/comp/on`]: true, [`${base}/comp/threshold`]: -24, [`${base}/sat/on`]: true, [`${base}/sat/drive`]: 9, [`${base}/fader`]: -12,
      [`${base}/pan`]: ((i % 9) - 4) / 4,
    });
  };
  for (let i = 1; i <= channels; i++) {
    strip(`/ch/${i}`, i);
    for (let b = 1; b <= 4; b++) Object.assign(p, { [`/ch/${i}/send/${b}/level`]: -10, [`/ch/${i}/send/${b}/pre`]: b > 2 });
    for (let k = 1; k <= 2; k++) p[`/ch/${i}/fxsend/${k}/level`] = -15;
  }
  for (let b = 1; b <= 4; b++) strip(`/bus/${b}`, b);
  for (let k = 1; k <= 2; k++) p[`/fx/${k}/fader`] = -6;
  p['/ch/1/solo'] = true;
  return p;
}

/** One engine's block function: 40 blocks of tone and noise, then 10 of silence (gates close, reopen). */
function rig(channels: number): () => void {
  const s = session(channels);
  const registry = ParamRegistry.fromSession(s);
  const engine = createEngine(s, registry, { sampleRate: SR, maxBlock: BLOCK, master: null });
  for (const [address, value] of Object.entries(params(channels))) {
    const def = registry.get(address)!;
    engine.setParam(def.index, toEngineValue(def, value));
  }
  const inputs = Array.from({ length: engine.inputChannels }, (_, k) =>
    Float32Array.from({ length: BLOCK }, (_, i) => 0.3 * Math.sin((2 * Math.PI * (110 + 37 * k) * i) / SR) + 0.1 * Math.sin(i * (1.3 + k))),
  );
  const quiet = inputs.map(() => new Float32Array(BLOCK));
  const outputs = Array.from({ length: engine.outputChannels }, () => new Float32Array(BLOCK));
  let b = 0;
  return () => engine.process(b++ % 50 < 40 ? inputs : quiet, outputs, BLOCK);
}

let gc: (() => void) | undefined;
function youngBytes(): number {
  for (const s of v8.getHeapSpaceStatistics()) if (s.space_name === 'new_space') return s.space_used_size;
  return 0;
}

/**
 * Young-generation bytes allocated by `blocks` blocks, in the best of up to `windows` windows: the
 * first ones may still run code the optimizing compiler has not finished (which boxes everything);
 * boxing in optimized code shows in every window. Infinity when a collection emptied the space.
 */
function steadyAllocation(block: () => void, blocks: number, windows: number): number {
  if (!gc) {
    v8.setFlagsFromString('--expose-gc');
    gc = vm.runInNewContext('gc') as () => void;
  }
  let best = Infinity;
  for (let w = 0; w < windows && best > 0; w++) {
    gc();
    const before = youngBytes();
    for (let i = 0; i < blocks; i++) block();
    const after = youngBytes();
    if (after >= before) best = Math.min(best, after - before);
  }
  return best;
}

describe('engine graph, every strip stage on, several sizes in one process', () => {
  // Built up front, in this order, so each size runs with the others' feedback already in place.
  const rigs = new Map([8, 24, 1].map((n) => [n, rig(n)]));

  for (const n of rigs.keys()) {
    it(`${n} channel(s): no allocation per block once warm`, () => {
      const block = rigs.get(n)!;
      for (let i = 0; i < 3000; i++) block();
      // One boxed double per block would be ≥ 24 KB in 2000 blocks; the measuring itself shows ~2 KB.
      expect(steadyAllocation(block, 2000, 6)).toBeLessThan(8 * 1024);
    });
  }
});
