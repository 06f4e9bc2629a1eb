/**
 * /status/load/{mean,max}: time in the engine's process() per block over the block period, mean and
 * max over the status period the host sets.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ParamRegistry } from '../../../src/params/registry.ts';
import { ParamStore } from '../../../src/params/store.ts';
import { defaultSession } from '../../../src/params/session.ts';
import { EngineHost } from '../../../src/engine/worker/host.ts';
import { BlockRunner } from '../../../src/engine/worker/runner.ts';
import { createParamQueueBuffers } from '../../../src/engine/worker/param-queue.ts';
import { createMeterSnapshotBuffers, MeterSnapshotReader, STATUS, statusPeriods } from '../../../src/engine/worker/meter-snapshot.ts';
import type { Engine } from '../../../src/engine/types.ts';

const engineModule = new URL('./busy-engine.ts', import.meta.url).href;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

let host: EngineHost | undefined;
afterEach(async () => {
  await host?.stop();
  host = undefined;
});

describe('DSP load of the engine worker on the null clock', () => {
  it('follows an engine that spends a known share of each block in process(), period by period', async () => {
    const PERIOD_MS = 300;
    const session = defaultSession();
    const store = new ParamStore(ParamRegistry.fromSession(session));
    store.set('/ch/1/fader', -10, 'api');
    host = new EngineHost(store, session, { engineModule, audio: { backend: 'null', sampleRate: 48000, blockFrames: 128, demo: false }, meterPollMs: 20, statusPeriodMs: PERIOD_MS });
    await host.start();
    /** Status readings over `n` periods after the one in progress, and what the engine itself saw. */
    const measure = async (n: number): Promise<{ reported: number; seen: number }> => {
      await sleep(PERIOD_MS);
      const out: number[] = [];
      for (let i = 0; i < n; i++) {
        await sleep(PERIOD_MS);
        out.push(store.get('/status/load/mean') as number);
      }
      return { reported: median(out), seen: -(store.get('/ch/1/meter/peak') as number) };
    };
    for (const percent of [10, 30]) {
      store.set('/ch/1/fader', -percent, 'api');
      const { reported, seen } = await measure(3);
      // Waiting is never shorter than asked; preemption on a busy machine can only make it longer,
      // and then the engine saw that too. A stale or averaged-over-the-start figure fails either side.
      expect(seen).toBeGreaterThanOrEqual(percent - 0.5);
      expect(reported).toBeGreaterThanOrEqual(percent - 1.5);
      expect(reported).toBeLessThanOrEqual(seen * 1.1 + 2);
    }
    expect(store.get('/status/load/max') as number).toBeGreaterThanOrEqual(29);
  });
});

describe('BlockRunner load figures', () => {
  const PERIOD = (128 / 48000) * 1000;

  /** A runner on a fake clock: each block's process() takes exactly the time the test gives it. */
  function rig() {
    const registry = ParamRegistry.fromSession(defaultSession());
    let t = 0;
    let busyMs = 0;
    const engine: Engine = {
      sampleRate: 48000,
      maxBlock: 128,
      inputChannels: 2,
      outputChannels: 2,
      latencyFrames: 0,
      meters: new Float64Array(registry.defs.length),
      setParam() {},
      process() {
        t += busyMs;
      },
      resetLoudness() {},
    };
    const meters = createMeterSnapshotBuffers(registry.defs.length);
    const runner = new BlockRunner(engine, registry, createParamQueueBuffers(64), meters, 128, { now: () => t });
    const reader = new MeterSnapshotReader(meters);
    const periods = statusPeriods(meters);
    return {
      /** Renders blocks that each spend `ms` in process(). */
      blocks(n: number, ms: number): void {
        busyMs = ms;
        for (let i = 0; i < n; i++) {
          t += 1; // time outside process() (queue, clock) is not load
          runner.runBlock();
        }
      },
      /** Ends the period as the host does; the worker closes it at its next block. */
      endPeriod(): void {
        Atomics.add(periods, 0, 1);
      },
      status(): { mean: number; max: number; periods: number } {
        reader.read();
        return { mean: reader.status(STATUS.loadMean), max: reader.status(STATUS.loadMax), periods: reader.status(STATUS.periods) };
      },
    };
  }

  it('is the mean and max of process() time over the block period, over exactly the blocks of each period', () => {
    const r = rig();
    r.blocks(9, PERIOD * 0.2);
    r.blocks(1, PERIOD * 2.2);
    r.endPeriod();
    // Asked for, but no block has run since: the previous figures stand.
    expect(r.status()).toMatchObject({ mean: 0, max: 0, periods: 0 });
    r.blocks(10, PERIOD * 0.05);
    const first = r.status();
    expect(first.periods).toBe(1);
    expect(first.mean).toBeCloseTo((9 * 20 + 220) / 10, 9);
    expect(first.max).toBeCloseTo(220, 9);

    r.endPeriod();
    r.blocks(1, 0);
    // The heavy block was the period before's: this one has its own max and mean.
    expect(r.status()).toMatchObject({ periods: 2 });
    expect(r.status().mean).toBeCloseTo(5, 9);
    expect(r.status().max).toBeCloseTo(5, 9);
  });

  it('counts every block in one period when the host ends several before the next block', () => {
    const r = rig();
    r.blocks(4, PERIOD * 0.5);
    r.endPeriod();
    r.endPeriod();
    r.blocks(1, PERIOD);
    expect(r.status()).toMatchObject({ periods: 2 });
    expect(r.status().mean).toBeCloseTo(50, 9);
    r.endPeriod();
    r.blocks(1, 0);
    expect(r.status().mean).toBeCloseTo(100, 9);
  });
});
