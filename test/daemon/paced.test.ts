/**
 * The daemon at real-time pace: JACK's dummy driver behind the ALSA `jack` PCM clocks the engine at
 * 128 frames / 48 kHz for 20 s, while another process sends 2,000 param changes per second over OSC
 * and the main thread is stalled for 200 ms several times: zero late and zero dropped blocks, as the
 * device itself reports them (PortAudio's underflow and overflow flags).
 *
 * That needs real-time scheduling for the audio threads, as any audio host does (root in CI). Where
 * the system refuses it, faderd runs at a raised nice value and the test holds it to the glitch rate
 * of a bare naudiodon passthrough on the same device instead, and says so.
 */
import fs from 'node:fs';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSession } from '../../src/params/session.ts';
import { Daemon } from '../../src/daemon/daemon.ts';
import { ParamRegistry } from '../../src/params/registry.ts';
import { ParamStore } from '../../src/params/store.ts';
import { EngineHost } from '../../src/engine/worker/host.ts';
import { makeAlsaHome, type AlsaHome } from '../audio/portaudio/alsa-home.ts';
import { startDummyJack, type DummyJack } from './jack.ts';

const SECONDS = 20;
const CONTROL_SECONDS = 10;

/** Runs the bare naudiodon passthrough on the same device right after faderd: the machine's own glitch rate. */
function passthroughControl(): { blocks: number; glitches: number } {
  const script = fileURLToPath(new URL('./passthrough.ts', import.meta.url));
  const r = spawnSync(process.execPath, ['--import', 'tsx', script, 'jackdev', '128', String(CONTROL_SECONDS)], { encoding: 'utf8', env: process.env, timeout: 30_000 });
  const line = r.stdout.split('\n').find((l) => l.startsWith('{"blocks"'));
  if (!line) throw new Error(`passthrough control failed: ${r.stderr.split('\n').filter((l) => !/^(ALSA lib|Cannot|jack server|JackShm)/.test(l)).join('\n')}`);
  return JSON.parse(line) as { blocks: number; glitches: number };
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const stall = (ms: number) => {
  const end = performance.now() + ms;
  while (performance.now() < end);
};

let jack: DummyJack | undefined;
let alsa: AlsaHome;
const saved = { HOME: process.env.HOME, JACK_DEFAULT_SERVER: process.env.JACK_DEFAULT_SERVER };

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

describe('faderd run at real-time pace (JACK dummy driver)', () => {
  it(`keeps time for ${SECONDS} s under OSC load and main-thread stalls: zero late and zero dropped blocks`, async () => {
    const session = parseSession('name: paced\naudio: { backend: portaudio, device: jackdev, sampleRate: 48000, blockSize: 128 }\n', path.join(alsa.dir, 'paced.yaml'));
    const daemon = new Daemon({ session, oscPort: 0, stateDir: path.join(alsa.dir, 'state'), statusIntervalMs: 60_000 });
    try {
      const info = await daemon.start();
      expect(info.audio, JSON.stringify(info.audio)).toMatchObject({ state: 'running', device: 'jackdev' });
      const port = daemon.oscServer!.port;
      const flood = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./osc-flood.ts', import.meta.url)), String(port), '2000', String(SECONDS - 2)], { stdio: 'inherit' });
      const floodDone = new Promise<number | null>((r) => flood.on('exit', r));
      const t0 = performance.now();
      const blocks0 = daemon.store.get('/status/blocks') as number;
      for (let i = 0; i < 5; i++) {
        await sleep(3000);
        stall(200);
      }
      expect(await floodDone).toBe(0);
      await sleep(Math.max(0, SECONDS * 1000 - (performance.now() - t0)));
      const elapsed = (performance.now() - t0) / 1000;
      daemon.engineHost!.poll();
      const blocks = (daemon.store.get('/status/blocks') as number) - blocks0;
      expect(daemon.oscServer!.stats().applied).toBeGreaterThan(2000 * (SECONDS - 2) * 0.8);
      expect(daemon.store.get('/ch/1/fader')).toBeCloseTo(-7.5, 3);
      const late = daemon.store.get('/status/late') as number;
      const dropped = daemon.store.get('/status/dropped') as number;
      const scheduling = daemon.store.get('/status/audio/scheduling');
      await daemon.stop();
      // JACK's dummy driver sleeps per period and runs slow on a loaded machine; it is still paced (unpaced would be ~100x).
      expect(blocks).toBeGreaterThan(elapsed * 375 * 0.75);
      expect(blocks).toBeLessThan(elapsed * 375 * 1.02);
      if (scheduling === 'realtime') {
        console.info(`paced run: ${blocks} blocks in ${elapsed.toFixed(1)} s, ${late} late, ${dropped} dropped (real-time scheduling)`);
        expect({ late, dropped }).toEqual({ late: 0, dropped: 0 });
        return;
      }
      const control = passthroughControl();
      console.info(`paced run WITHOUT real-time scheduling (${String(scheduling)}): ${blocks} blocks in ${elapsed.toFixed(1)} s, ${late} late, ${dropped} dropped; bare passthrough control: ${JSON.stringify(control)}`);
      // On a quiet machine the control is clean and faderd must be too. On an oversubscribed one even
      // the bare passthrough glitches; then faderd may not glitch more often than it does.
      // A device glitch usually shows both as a dropped block (PortAudio's flag) and a late one (the
      // backlog it leaves), so the two are weighed together. The control runs without the OSC sender
      // and the stalled main thread competing for the same cores, and the load varies from second to
      // second: hence the factor of 5.
      // A clean 10 s control does not prove a clean 20 s: a quiet machine still gets the odd
      // scheduling hiccup, so faderd is held to at most five times the control's rate plus one.
      const allowed = Math.ceil((5 * (control.glitches + 1) * elapsed) / CONTROL_SECONDS);
      expect({ lateAndDropped: late + dropped }).toEqual({ lateAndDropped: Math.min(late + dropped, allowed) });
    } finally {
      await daemon.stop();
    }
  }, 90_000);

  it('counts the blocks an engine delivers too late for the device', async () => {
    const session = parseSession('name: stalls\nchannels: 2\nbuses: 0\n', 'stalls.yaml');
    const store = new ParamStore(ParamRegistry.fromSession(session));
    const host = new EngineHost(store, session, {
      engineModule: new URL('../engine/worker/stall-engine.ts', import.meta.url).href,
      audio: { backend: 'portaudio', device: 'jackdev', sampleRate: 48000, blockFrames: 128, demo: false },
    });
    try {
      expect((await host.start()).state).toBe('running');
      await sleep(1000);
      host.poll();
      expect(store.get('/status/late')).toBe(0);
      // 30 ms every 250 blocks (0.67 s): far beyond the ~8 ms of primed output.
      store.set('/ch/1/fader', -30, 'test');
      await sleep(3000);
      host.poll();
      expect(store.get('/status/late') as number).toBeGreaterThanOrEqual(3);
    } finally {
      await host.stop();
    }
  }, 30_000);
});
