/**
 * The daemon on a paced device: JACK's dummy driver behind the ALSA `jack` PCM clocks the engine at
 * 128 frames / 48 kHz while another process sends 2,000 param changes per second over OSC and the
 * main thread is stalled for 200 ms several times.
 *
 * Only what holds on any machine is asserted here, whatever its speed, load or scheduling rights:
 * the device stays the clock, every block is counted and the counters only ever grow, the status keys
 * are there and counting, the engine never runs ahead of the device's clock, and the control plane
 * still sets params after the flood. Whether blocks arrive on time depends on the machine: zero late
 * and zero dropped blocks under this load is a benchmark (`npx tsx scripts/bench/paced.ts --quick`),
 * which reports it next to a bare passthrough on the same device.
 */
import fs from 'node:fs';
import path from 'node:path';
import dgram from 'node:dgram';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSession } from '../../src/params/session.ts';
import { Daemon } from '../../src/daemon/daemon.ts';
import { ParamRegistry } from '../../src/params/registry.ts';
import { ParamStore } from '../../src/params/store.ts';
import { EngineHost } from '../../src/engine/worker/host.ts';
import { encodeMessage } from '../../src/surfaces/osc/codec.ts';
import { makeAlsaHome, type AlsaHome } from '../audio/portaudio/alsa-home.ts';
import { jackTestLock, startDummyJack, type DummyJack } from './jack.ts';

/** The run's length: long enough for four stalls under the flood; what is checked does not grow with it. */
const SECONDS = 6;
/** Blocks per second at 128 frames / 48 kHz. */
const RATE = 48000 / 128;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const stall = (ms: number) => {
  const end = performance.now() + ms;
  while (performance.now() < end);
};

/** Waits for `cond` with a generous bound: a busy machine is slow, never wrong. */
async function until(what: string, cond: () => boolean, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

let jack: DummyJack | undefined;
let alsa: AlsaHome;
const saved = { HOME: process.env.HOME, JACK_DEFAULT_SERVER: process.env.JACK_DEFAULT_SERVER };

// One test file at a time runs JACK servers (jackTestLock says why); taken first, let go last.
let releaseJack: (() => void) | undefined;
beforeAll(async () => {
  releaseJack = await jackTestLock();
}, 660_000);
afterAll(() => releaseJack?.());

beforeAll(async () => {
  alsa = makeAlsaHome('faderd-paced-');
  // PortAudio cannot probe the ALSA jack PCM when JACK's period is below 256 frames (its period-size
  // negotiation fails and the device is not listed); the engine still runs 128-frame blocks, two per period.
  jack = await startDummyJack(48000, 256);
  process.env.HOME = alsa.home;
  process.env.JACK_DEFAULT_SERVER = jack.name;
}, 30_000);

afterAll(async () => {
  await jack?.stop();
  process.env.HOME = saved.HOME;
  if (saved.JACK_DEFAULT_SERVER === undefined) delete process.env.JACK_DEFAULT_SERVER;
  else process.env.JACK_DEFAULT_SERVER = saved.JACK_DEFAULT_SERVER;
  fs.rmSync(alsa.dir, { recursive: true, force: true });
});

interface Sample {
  readonly at: number;
  readonly blocks: number;
  readonly late: number;
  readonly dropped: number;
}

describe('faderd run on a paced device (JACK dummy driver)', () => {
  it('under OSC load and main-thread stalls: the device stays the clock, every block counted, counters only grow, params still set', async () => {
    // Only the listeners this test uses: test files run side by side and must not meet on 10023 or 9080.
    const session = parseSession(
      'name: paced\nx32: { enabled: false }\nhttp: { enabled: false }\naudio: { backend: portaudio, device: jackdev, sampleRate: 48000, blockSize: 128 }\n',
      path.join(alsa.dir, 'paced.yaml'),
    );
    const daemon = new Daemon({ session, oscPort: 0, stateDir: path.join(alsa.dir, 'state'), statusIntervalMs: 60_000 });
    try {
      const info = await daemon.start();
      expect(info.audio, JSON.stringify(info.audio)).toMatchObject({ state: 'running', device: 'jackdev' });
      const store = daemon.store;
      const host = daemon.engineHost!;
      const sample = (): Sample => {
        host.poll();
        return { at: performance.now(), blocks: store.get('/status/blocks') as number, late: store.get('/status/late') as number, dropped: store.get('/status/dropped') as number };
      };
      const port = daemon.oscServer!.port;
      const flood = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./osc-flood.ts', import.meta.url)), String(port), '2000', String(SECONDS - 2)], { stdio: 'inherit' });
      const floodDone = new Promise<number | null>((r) => flood.on('exit', r));
      const samples: Sample[] = [sample()];
      for (let i = 0; i < 4; i++) {
        await sleep((SECONDS * 1000) / 5);
        samples.push(sample());
        stall(200);
        samples.push(sample());
      }
      expect(await floodDone).toBe(0);
      // The blocks the engine rendered over the whole run, counted by the runner and read by the host.
      await until('blocks after the flood', () => sample().blocks > samples.at(-1)!.blocks);
      samples.push(sample());

      // Still on the device, not fallen back to the null clock, and the status keys all there.
      expect(store.get('/status/audio/state')).toBe('running');
      expect(store.get('/status/audio/device')).toBe('jackdev');
      expect(['realtime', 'nice', 'normal']).toContain(store.get('/status/audio/scheduling'));
      for (const k of ['/status/blocks', '/status/late', '/status/dropped', '/status/load/mean', '/status/load/max']) {
        const v = store.get(k) as number;
        expect(Number.isFinite(v) && v >= 0, `${k} = ${String(v)}`).toBe(true);
      }
      expect(store.get('/status/load/mean') as number).toBeGreaterThan(0);

      // Counters only grow, late and dropped are counted among blocks; blocks advance over the run.
      for (let i = 1; i < samples.length; i++) {
        const [a, b] = [samples[i - 1]!, samples[i]!];
        expect(b.blocks, `sample ${i}`).toBeGreaterThanOrEqual(a.blocks);
        expect(b.late, `sample ${i}`).toBeGreaterThanOrEqual(a.late);
        expect(b.dropped, `sample ${i}`).toBeGreaterThanOrEqual(a.dropped);
      }
      const first = samples[0]!;
      const last = samples.at(-1)!;
      expect(last.blocks).toBeGreaterThan(first.blocks);
      expect(Number.isInteger(last.blocks) && Number.isInteger(last.late) && Number.isInteger(last.dropped)).toBe(true);

      // The device is the clock: a loaded machine renders fewer blocks than real time, never more.
      // The slack covers what the engine queues ahead of the device (its priming and ALSA's buffer)
      // and a status snapshot published up to a meter period late.
      const seconds = (last.at - first.at) / 1000;
      expect(last.blocks - first.blocks).toBeLessThanOrEqual(Math.ceil(seconds * RATE * 1.02) + 64);

      // The control plane came through the flood: the server applied messages and a write afterwards
      // still lands (sent again until seen: UDP may drop any one datagram on a loaded machine).
      expect(daemon.oscServer!.stats().applied).toBeGreaterThan(0);
      const sock = dgram.createSocket('udp4');
      try {
        await until('a write after the flood', () => {
          sock.send(encodeMessage('/ch/1/fader', [{ type: 'f', value: -7.25 }]), port, '127.0.0.1');
          return store.get('/ch/1/fader') === -7.25;
        });
      } finally {
        sock.close();
      }
      console.info(
        `paced run (${String(store.get('/status/audio/scheduling'))} scheduling): ${last.blocks - first.blocks} blocks in ${seconds.toFixed(1)} s, ${last.late - first.late} late, ${last.dropped - first.dropped} dropped; on-time figures: scripts/bench/paced.ts`,
      );
    } finally {
      await daemon.stop();
    }
  }, 120_000);

  it('counts the blocks an engine delivers too late for the device', async () => {
    const session = parseSession('name: stalls\nchannels: 2\nbuses: 0\n', 'stalls.yaml');
    const store = new ParamStore(ParamRegistry.fromSession(session));
    const host = new EngineHost(store, session, {
      engineModule: new URL('../engine/worker/stall-engine.ts', import.meta.url).href,
      audio: { backend: 'portaudio', device: 'jackdev', sampleRate: 48000, blockFrames: 128, demo: false },
    });
    try {
      expect((await host.start()).state).toBe('running');
      await until('the first blocks', () => (host.poll(), (store.get('/status/blocks') as number) > 0));
      const late0 = store.get('/status/late') as number;
      // 30 ms every 250 blocks: far beyond the ~8 ms of primed output, so each stall leaves the device
      // without a block whatever the machine's load (load only adds late blocks, it never hides one).
      store.set('/ch/1/fader', -30, 'test');
      await until('three more late blocks', () => (host.poll(), (store.get('/status/late') as number) >= late0 + 3), 60_000);
      expect(store.get('/status/audio/device')).toBe('jackdev');
    } finally {
      await host.stop();
    }
  }, 90_000);
});
