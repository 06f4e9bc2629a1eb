/**
 * The JACK backend's per-cycle path allocates nothing: the worker's wake-up handler (skip check, input
 * copy, the block runner with its queue drain and its clock, the engine in blocks, output copy,
 * counters) around the real engine with every stage on. JACK itself is played by the fake bridge, so
 * only faderd's side is measured. (What a param change costs inside the engine's own setters is the
 * engine's matter, not this loop's: no changes are sent here.) Like the engine's allocation test, the measuring runs
 * in a child process this file starts on itself, under tsx with a small inlining budget.
 */
import v8 from 'node:v8';
import { beforeAll, describe, expect, it } from 'vitest';
import { ParamRegistry } from '../../../src/params/registry.ts';
import { createEngine } from '../../../src/engine/index.ts';
import { BlockRunner } from '../../../src/engine/worker/runner.ts';
import { createParamQueueBuffers } from '../../../src/engine/worker/param-queue.ts';
import { createMeterSnapshotBuffers } from '../../../src/engine/worker/meter-snapshot.ts';
import { JackStream } from '../../../src/audio/jack/stream.ts';
import { everyStageOn, fullMixSession, setParams } from '../../helpers/full-mix.ts';
import { CLEAN_BYTES, runAllocProbe, steadyAllocation } from '../../helpers/young-alloc.ts';
import { FakeJack } from './fake-bridge.ts';

const PROBE_FLAG = '--jack-alloc-probe';
const SR = 48000;
const PERIOD = 128;
/** [name, engine block, primeBlocks]: one block per cycle, nothing queued (the wake-up path), and two blocks per cycle. */
const CASES = [['period 128, block 128, prime 1', 128, 1], ['period 128, block 128, prime 0', 128, 0], ['period 128, block 64, prime 1', 64, 1]] as const;

interface ProbeResult {
  readonly name: string;
  readonly bytes: number;
  /** Engine blocks rendered per JACK cycle, over every cycle the probe ran. */
  readonly blocksPerCycle: number;
}

async function rig(block: number, prime: number): Promise<{ cycle: () => void; blocksPerCycle: () => number }> {
  const session = fullMixSession(8);
  const registry = ParamRegistry.fromSession(session);
  const engine = createEngine(session, registry, { sampleRate: SR, maxBlock: block });
  setParams(engine, registry, everyStageOn(8, 4));
  const queue = createParamQueueBuffers(1024);
  const runner = new BlockRunner(engine, registry, queue, createMeterSnapshotBuffers(registry.defs.length), block);
  const jack = new FakeJack({ bufferSize: PERIOD, sampleRate: SR });
  const stream = new JackStream(runner, { sampleRate: SR, primeBlocks: prime, connect: false }, jack);
  await stream.start(() => {
    throw new Error('the stream failed');
  });
  // Eight cycles of tones per channel, played in turn (the gates stay open, the compressors work).
  const tones = Array.from({ length: 8 }, (_, k) =>
    Array.from({ length: engine.inputChannels }, (_, c) => Float32Array.from({ length: PERIOD }, (_, i) => 0.2 * Math.sin((k * PERIOD + i) * (0.01 + c * 0.003)))),
  );
  let n = 0;
  return {
    cycle: () => {
      jack.feed(n, tones[n & 7]!);
      n++;
      jack.consume();
    },
    blocksPerCycle: () => runner.blocks / n,
  };
}

async function probe(): Promise<void> {
  v8.setFlagsFromString('--max-inlined-bytecode-size-cumulative=100');
  const rigs = await Promise.all(CASES.map(([, block, prime]) => rig(block, prime)));
  for (let k = 0; k < CASES.length; k++) {
    const { cycle, blocksPerCycle } = rigs[k]!;
    for (let i = 0; i < 3000; i++) cycle();
    const bytes = steadyAllocation(cycle, 2000, 6);
    process.stdout.write(`${JSON.stringify({ name: CASES[k]![0], bytes, blocksPerCycle: blocksPerCycle() } satisfies ProbeResult)}\n`);
  }
}

if (process.argv.includes(PROBE_FLAG)) {
  await probe();
} else {
  describe('JACK cycle path around the full engine, once warm', () => {
    let results: Map<string, ProbeResult>;
    beforeAll(async () => {
      results = await runAllocProbe<ProbeResult>(import.meta.url, PROBE_FLAG);
    }, 180_000);

    for (const [name, block] of CASES) {
      it(`${name}: no allocation per cycle`, () => {
        const r = results.get(name)!;
        // Every cycle was rendered (none skipped), in as many engine blocks as the period needs.
        expect(r.blocksPerCycle).toBe(PERIOD / block);
        // One boxed double per cycle would be at least 24 KB in 2000 cycles.
        expect(r.bytes).toBeLessThan(CLEAN_BYTES);
      });
    }
  });
}
