/**
 * The native mix path allocates nothing per block, ramps included: sends opening, closing and moving
 * (each ramps into a buffer of its own), pans and faders moving, solos pressed and released (the solo
 * gates ramp through the kernel), master fader and mute. Measured in a child process under tsx with a
 * small inlining budget, as test/engine/graph/graph-alloc.test.ts measures the whole graph (whether a
 * double is boxed depends on how V8 compiled the code).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ParamRegistry } from '../../../src/params/registry.ts';
import { createEngine } from '../../../src/engine/index.ts';
import { mixCalls, nativeMixMissing } from '../../../src/engine/native/mix-batch.ts';
import { everyStageOn, fullMixSession, setParams } from '../../helpers/full-mix.ts';
import { CLEAN_BYTES, runAllocProbe, steadyAllocation } from '../../helpers/young-alloc.ts';

const PROBE_FLAG = '--mix-alloc-probe';
const SR = 48000;
const BLOCK = 128;
const CHANNELS = 16;

interface ProbeResult {
  readonly name: string;
  readonly bytes: number;
  /** Native mix calls during the measured blocks (0: the kernel did not run). */
  readonly calls: number;
  readonly missing: string | null;
}

/**
 * Moves, as [address, a, b] in engine values (small integers: nothing boxed on the way in; hence -60 dB
 * rather than a closed send: -Infinity passed to setParam is a heap number, the same on either path).
 */
function moves(channels: number): Array<readonly [string, number, number]> {
  const m: Array<readonly [string, number, number]> = [];
  for (let i = 1; i <= channels; i++) {
    m.push([`/ch/${i}/fader`, -6, 0], [`/ch/${i}/pan`, -1, 1], [`/ch/${i}/send/${1 + (i % 4)}/level`, -20, -3]);
    if (i % 4 === 0) m.push([`/ch/${i}/fxsend/1/level`, -60, -10], [`/ch/${i}/send/1/pre`, 0, 1]);
  }
  m.push(['/ch/3/solo', 0, 1], ['/bus/1/solo', 0, 1], ['/master/fader', -3, 0], ['/master/mute', 0, 1], ['/bus/2/pan', -1, 1]);
  return m;
}

function probe(): void {
  const s = fullMixSession(CHANNELS);
  const registry = ParamRegistry.fromSession(s);
  const engine = createEngine(s, registry, { sampleRate: SR, maxBlock: BLOCK });
  setParams(engine, registry, everyStageOn(CHANNELS, 4));
  const inputs = Array.from({ length: engine.inputChannels }, (_, k) => Float32Array.from({ length: BLOCK }, (_, i) => 0.3 * Math.sin((2 * Math.PI * (110 + 37 * k) * i) / SR)));
  const outputs = Array.from({ length: engine.outputChannels }, () => new Float32Array(BLOCK));
  const list = moves(CHANNELS).map(([a, lo, hi]) => [registry.get(a)!.index, lo, hi] as const);
  let b = 0;
  // Every 5 blocks a move to the other end: the ramps (20 ms, 7.5 blocks) never settle.
  const block = (): void => {
    if (b % 5 === 0) {
      const up = (b / 5) % 2 === 0;
      for (const [index, lo, hi] of list) engine.setParam(index, up ? hi : lo);
    }
    b++;
    engine.process(inputs, outputs, BLOCK);
  };
  for (let i = 0; i < 5000; i++) block();
  const calls = mixCalls[0]!;
  const bytes = steadyAllocation(block, 2000, 6);
  process.stdout.write(`${JSON.stringify({ name: 'moving', bytes, calls: mixCalls[0]! - calls, missing: nativeMixMissing() ?? null })}\n`);
}

if (process.argv.includes(PROBE_FLAG)) {
  const v8 = await import('node:v8');
  v8.setFlagsFromString('--max-inlined-bytecode-size-cumulative=100');
  probe();
} else {
  describe('native mix path', () => {
    let results: Map<string, ProbeResult>;
    beforeAll(async () => {
      results = await runAllocProbe<ProbeResult>(import.meta.url, PROBE_FLAG);
    }, 120_000);

    it('sends, pans, faders, solos and the master moving every 5 blocks: no allocation per block', () => {
      const r = results.get('moving')!;
      expect(r.missing).toBeNull();
      expect(r.calls).toBeGreaterThan(2000);
      expect(r.bytes).toBeLessThan(CLEAN_BYTES);
    });
  });
}
