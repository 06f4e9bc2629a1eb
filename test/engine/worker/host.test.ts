import { afterEach, describe, expect, it } from 'vitest';
import { ParamRegistry } from '../../../src/params/registry.ts';
import { ParamStore } from '../../../src/params/store.ts';
import { defaultSession } from '../../../src/params/session.ts';
import { EngineHost } from '../../../src/engine/worker/host.ts';

const engineModule = new URL('./gain-engine.ts', import.meta.url).href;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits for `cond` with a generous bound: a busy machine is slow, never wrong. */
async function until(what: string, cond: () => boolean, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/**
 * The loudest value `address` takes while the engine renders `blocks` more blocks: counted in the
 * engine's blocks, not wall time, so a slow machine samples the same stretch of audio.
 */
async function maxOverBlocks(host: EngineHost, store: ParamStore, address: string, blocks: number): Promise<number> {
  let max = -Infinity;
  const sub = store.changesOf(address).subscribe((c) => {
    max = Math.max(max, c.value as number);
  });
  host.poll();
  const end = (store.get('/status/blocks') as number) + blocks;
  await until(`${blocks} blocks`, () => (host.poll(), (store.get('/status/blocks') as number) >= end));
  sub.unsubscribe();
  return max;
}

let host: EngineHost | undefined;
afterEach(async () => {
  await host?.stop();
  host = undefined;
});

function makeHost(demo: boolean | 'auto') {
  const session = defaultSession();
  const store = new ParamStore(ParamRegistry.fromSession(session));
  host = new EngineHost(store, session, { engineModule, audio: { backend: 'null', sampleRate: 48000, blockFrames: 128, demo }, meterPollMs: 20 });
  return { store, host };
}

describe('EngineHost on the null clock', () => {
  it('runs the engine in a worker, brings demo meters back and follows fader moves', async () => {
    const { store, host } = makeHost('auto');
    const audio = await host.start();
    expect(audio).toMatchObject({ state: 'running', device: 'null' });
    expect(store.get('/status/audio/state')).toBe('running');
    // About a second of demo audio each time (375 blocks of 128 frames at 48 kHz): several kicks.
    const kick = await maxOverBlocks(host, store, '/ch/1/meter/peak', 400);
    expect(kick).toBeGreaterThan(-20);
    expect(kick).toBeLessThan(0);
    store.set('/ch/1/fader', -20, 'api');
    await maxOverBlocks(host, store, '/ch/1/meter/peak', 40);
    // The loudest sampled kick block follows the fader down by about 20 dB (snapshots sample blocks).
    const after = await maxOverBlocks(host, store, '/ch/1/meter/peak', 400);
    expect(after).toBeLessThan(kick - 14);
    expect(after).toBeGreaterThan(kick - 26);
  });

  it('keeps rendering while the main thread stalls: the worker never waits on it', async () => {
    const { store, host } = makeHost(false);
    await host.start();
    await until('the first blocks', () => (host.poll(), (store.get('/status/blocks') as number) > 0));
    // Were the worker waiting on the main thread, no block would be rendered (nor published) while
    // it is stuck. The main thread stays stuck (no event-loop turn) for at least 200 ms and until the
    // shared snapshot shows new blocks, read synchronously; how long that takes depends on the
    // machine's load, that it happens does not. The bound only ends a broken run.
    for (let i = 0; i < 3; i++) {
      host.poll();
      const before = store.get('/status/blocks') as number;
      const start = Date.now();
      let rendered = 0;
      while (Date.now() - start < 200 || (rendered === 0 && Date.now() - start < 60_000)) {
        host.poll();
        rendered = (store.get('/status/blocks') as number) - before;
      }
      expect(rendered, `stall ${i}`).toBeGreaterThan(0);
      await sleep(50);
    }
    expect(store.get('/status/dropped')).toBe(0);
  });

  it('stops and reports the stop', async () => {
    const { store, host } = makeHost(false);
    await host.start();
    await host.stop();
    expect(store.get('/status/audio/state')).toBe('stopped');
  });
});
