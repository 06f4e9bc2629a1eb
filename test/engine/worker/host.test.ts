import { afterEach, describe, expect, it } from 'vitest';
import { ParamRegistry } from '../../../src/params/registry.ts';
import { ParamStore } from '../../../src/params/store.ts';
import { defaultSession } from '../../../src/params/session.ts';
import { EngineHost } from '../../../src/engine/worker/host.ts';

const engineModule = new URL('./gain-engine.ts', import.meta.url).href;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const stall = (ms: number) => {
  const end = Date.now() + ms;
  while (Date.now() < end);
};

async function maxOver(store: ParamStore, address: string, ms: number): Promise<number> {
  let max = -Infinity;
  const sub = store.changesOf(address).subscribe((c) => {
    max = Math.max(max, c.value as number);
  });
  await sleep(ms);
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
    const kick = await maxOver(store, '/ch/1/meter/peak', 1100);
    expect(kick).toBeGreaterThan(-20);
    expect(kick).toBeLessThan(0);
    store.set('/ch/1/fader', -20, 'api');
    await sleep(100);
    // The loudest sampled kick block follows the fader down by about 20 dB (snapshots sample blocks).
    const after = await maxOver(store, '/ch/1/meter/peak', 1100);
    expect(after).toBeLessThan(kick - 14);
    expect(after).toBeGreaterThan(kick - 26);
    expect(store.get('/status/blocks') as number).toBeGreaterThan(300);
  });

  it('keeps the audio on time while the main thread stalls for 200 ms', async () => {
    const { store, host } = makeHost(false);
    await host.start();
    await sleep(300);
    // A baseline window without stalls: what this machine's load alone makes late.
    host.poll();
    const late0 = store.get('/status/late') as number;
    await sleep(750);
    host.poll();
    const baseline = (store.get('/status/late') as number) - late0;
    const before = store.get('/status/blocks') as number;
    const t0 = Date.now();
    for (let i = 0; i < 3; i++) {
      stall(200);
      await sleep(50);
    }
    const elapsed = Date.now() - t0;
    await sleep(100);
    host.poll();
    const blocks = (store.get('/status/blocks') as number) - before;
    const late = (store.get('/status/late') as number) - late0 - baseline;
    // 48000/128 = 375 blocks per second, kept up while the main thread was stuck.
    expect(blocks).toBeGreaterThan(((elapsed + 100) / 1000) * 375 * 0.9);
    // Were the worker waiting on the main thread, the ~70 blocks due in each stall would all be late
    // (over 200 in all); on a quiet machine none are.
    expect(late).toBeLessThanOrEqual(Math.max(0, baseline) + 10);
    expect(store.get('/status/dropped')).toBe(0);
  });

  it('stops within a second and reports the stop', async () => {
    const { store, host } = makeHost(false);
    await host.start();
    const t = Date.now();
    await host.stop();
    expect(Date.now() - t).toBeLessThan(1000);
    expect(store.get('/status/audio/state')).toBe('stopped');
  });
});
