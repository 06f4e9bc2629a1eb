/**
 * The JACK backend on JACK's dummy driver (paced by the system clock like an interface), 48 kHz,
 * 128-frame periods. Two measuring clients of the bridge stand around faderd's client: one sends a
 * counter of JACK's frame clock into faderd's in_1, the other reads faderd's out_1 and works out, for
 * every sample that is not silence, how many frames ago it left. faderd runs an engine that passes
 * samples unchanged, so every block must arrive whole and in order with one constant delay: the
 * queue (primeBlocks periods). A late block shows as silence (counted), never as a different delay.
 *
 * That holds while JACK itself keeps time. A JACK server without real-time scheduling on a loaded
 * machine misses its own cycles (xruns, which every client is told of); across those the delay the
 * checker measures may step, through no fault of faderd. So the delay is held to exactly the queue
 * when JACK reported no xrun during the measurement, and otherwise every step must be explained by
 * an xrun (the machine's load decides how much these tests prove, never whether they pass).
 */
import dgram from 'node:dgram';
import { spawnSync } from 'node:child_process';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ParamRegistry } from '../../../src/params/registry.ts';
import { ParamStore } from '../../../src/params/store.ts';
import { parseSession } from '../../../src/params/session.ts';
import { EngineHost } from '../../../src/engine/worker/host.ts';
import type { AudioConfig } from '../../../src/audio/index.ts';
import { loadJackBridge, TOOL_MODE, type JackBridge, type JackToolStats } from '../../../src/audio/jack/addon.ts';
import { jackTestLock, startDummyJack, type DummyJack } from '../../daemon/jack.ts';
import { queryOsc, startDaemon } from '../../reliability/daemon-process.ts';
import { encodeMessage } from '../../../src/surfaces/osc/codec.ts';
import { tempDirs } from '../../helpers/temp-dirs.ts';

const PERIOD = 128;
const RATE = 48000;
const engineModule = new URL('./ramp-engine.ts', import.meta.url).href;

let jack: DummyJack;
let bridge: JackBridge;
const savedServer = process.env.JACK_DEFAULT_SERVER;
const open: Array<() => Promise<void> | void> = [];
const tempDir = tempDirs('faderd-jack-run-');

// One test file at a time runs JACK servers (jackTestLock says why); taken first, let go last.
let releaseJack: (() => void) | undefined;
beforeAll(async () => {
  releaseJack = await jackTestLock();
}, 660_000);
afterAll(() => releaseJack?.());

beforeAll(async () => {
  jack = await startDummyJack(RATE, PERIOD);
  process.env.JACK_DEFAULT_SERVER = jack.name;
  bridge = loadJackBridge();
}, 30_000);

afterEach(async () => {
  for (const close of open.splice(0).reverse()) await close();
});

afterAll(async () => {
  await jack?.stop();
  if (savedServer === undefined) delete process.env.JACK_DEFAULT_SERVER;
  else process.env.JACK_DEFAULT_SERVER = savedServer;
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` every 20 ms until it holds; fails with `what` after `ms`. */
async function until(what: string, check: () => boolean, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

async function startHost(audio: Partial<AudioConfig> = {}, yaml = 'name: jack\nchannels: 2\nbuses: 0\n') {
  const session = parseSession(yaml, 'jack.yaml');
  const store = new ParamStore(ParamRegistry.fromSession(session));
  const host = new EngineHost(store, session, {
    engineModule,
    meterPollMs: 20,
    audio: { backend: 'jack', sampleRate: RATE, blockFrames: PERIOD, demo: false, connect: false, ...audio },
  });
  open.push(() => host.stop());
  const status = await host.start();
  return { host, store, status };
}

/** The counter sender and the checker, wired around faderd's client: sender → in_1, out_1 → checker. */
function rampAround(client: string) {
  const tx = bridge.openTool({ name: 'ramp-out', mode: TOOL_MODE.ramp, channels: 1 });
  const rx = bridge.openTool({ name: 'ramp-in', mode: TOOL_MODE.ramp, channels: 1 });
  open.push(() => bridge.close(tx.handle), () => bridge.close(rx.handle));
  bridge.activate(tx.handle);
  bridge.activate(rx.handle);
  bridge.connect(tx.handle, `${tx.name}:out_1`, `${client}:in_1`);
  bridge.connect(tx.handle, `${client}:out_1`, `${rx.name}:in_1`);
  const stats = (): JackToolStats => bridge.toolStats(rx.handle);
  return { tx, rx, stats, sounding: () => stats().samples - stats().silent };
}

const clientOf = (device: string): string => device.replace(/^jack:/, '');

/**
 * The checker's delay: exactly `delay` frames with no step when JACK kept time (no xruns beyond the
 * `caused` ones a test provoked on purpose), else steps only where it did not. A cycle JACK misses
 * can step the delay twice (away for the cycle that spans the gap, and back), so each xrun explains
 * two. JACK tells clients of an xrun from its notification thread, after the process cycle that
 * saw it: the count is read again a moment after the steps, so a step is never judged before the
 * xrun that made it is known.
 */
async function expectDelay(ramp: { stats: () => JackToolStats }, delay: number, label: Record<string, unknown> = {}, caused = 0): Promise<void> {
  const s = ramp.stats();
  await sleep(300);
  const xruns = ramp.stats().xruns;
  if (xruns <= caused) {
    expect({ ...label, jumps: s.jumps, min: s.rampMin, max: s.rampMax }).toEqual({ ...label, jumps: 0, min: delay, max: delay });
    return;
  }
  console.info(`JACK reported ${xruns} xruns during the measurement (a loaded machine without real-time scheduling): ${s.jumps} delay steps, ${s.rampMin}..${s.rampMax} frames`);
  expect({ ...label, jumpsBeyondXruns: Math.max(0, s.jumps - 2 * xruns) }).toEqual({ ...label, jumpsBeyondXruns: 0 });
}

describe('JACK backend (dummy driver, 128-frame periods)', () => {
  for (const [latency, prime] of [['safe', 1], ['low', 0]] as const) {
    it(`latency ${latency}: every cycle goes through the engine and comes out whole, in order, ${prime} period(s) later`, async () => {
      const { host, store, status } = await startHost({ latency });
      expect(status).toMatchObject({ state: 'running', device: 'jack:faderd', format: 'float32', primeFrames: prime * PERIOD });
      expect(status.latency).toMatchObject({ mode: latency, blockFrames: PERIOD, primeBlocks: prime, queueFrames: prime * PERIOD, deviceKnown: true });
      const ramp = rampAround(clientOf(status.device));
      await until('a second of signal through faderd', () => ramp.sounding() >= RATE);
      await expectDelay(ramp, prime * PERIOD);
      host.poll();
      // One engine block per JACK cycle: at least the cycles the checker saw carry signal.
      expect(store.get('/status/blocks') as number).toBeGreaterThanOrEqual(RATE / PERIOD);
      expect(store.get('/status/audio/latency')).toBe(`${latency} ${prime * PERIOD} = in 0 + queue ${prime * PERIOD} + engine 0 + out 0`);
    }, 30_000);
  }

  it('keeps the same delay after the engine misses its deadline (a forced 60 ms stall)', async () => {
    const { host, store, status } = await startHost({ latency: 'safe' });
    const ramp = rampAround(clientOf(status.device));
    await until('signal through faderd', () => ramp.sounding() >= RATE / 4);
    host.poll();
    const lateBefore = store.get('/status/late') as number;
    const before = ramp.stats();
    store.set('/ch/1/fader', -60, 'test');
    await until('late blocks counted', () => (host.poll(), (store.get('/status/late') as number) > lateBefore));
    await until('the silence the late blocks left', () => ramp.stats().silent > before.silent);
    await until('signal again after the stall', () => ramp.sounding() >= before.samples - before.silent + RATE / 2);
    await expectDelay(ramp, PERIOD);
  }, 120_000);

  it('keeps the same delay through a JACK xrun (a client upstream sleeps through 30 ms of cycles)', async () => {
    const { status } = await startHost({ latency: 'safe' });
    const ramp = rampAround(clientOf(status.device));
    await until('signal through faderd', () => ramp.sounding() >= RATE / 4);
    const before = ramp.stats();
    bridge.toolStall(ramp.tx.handle, 30);
    await until('JACK to report the xrun', () => ramp.stats().xruns > before.xruns);
    // The xruns reported so far are the one provoked (when JACK kept time before it); any later one is the machine's.
    const caused = before.xruns === 0 ? ramp.stats().xruns : 0;
    await until('signal after the xrun', () => ramp.sounding() >= before.samples - before.silent + RATE / 2);
    await expectDelay(ramp, PERIOD, {}, caused);
  }, 120_000);

  it('renders a period in engine-sized blocks when the session block differs from the JACK period', async () => {
    for (const block of [64, 256]) {
      const { host, store, status } = await startHost({ latency: 'safe', blockFrames: block });
      expect(status.latency).toMatchObject({ blockFrames: PERIOD, queueFrames: PERIOD });
      const ramp = rampAround(clientOf(status.device));
      await until(`signal through faderd with ${block}-frame blocks`, () => ramp.sounding() >= RATE / 2);
      await expectDelay(ramp, PERIOD, { block });
      host.poll();
      const blocks = store.get('/status/blocks') as number;
      await host.stop();
      for (const close of open.splice(0).reverse()) await close();
      // 64-frame blocks: two per cycle; 256: one (short) block per cycle.
      expect(blocks).toBeGreaterThan(0);
    }
  }, 180_000);

  it('connects to the physical ports and reports the round trip JACK and the queue make', async () => {
    const { store, status } = await startHost({ latency: 'safe', connect: true });
    const looker = bridge.openTool({ name: 'looker', mode: TOOL_MODE.passthrough, channels: 1 });
    open.push(() => bridge.close(looker.handle));
    const capture = bridge.portLatency(looker.handle, 'system:capture_1')!.capture[1];
    const playback = bridge.portLatency(looker.handle, 'system:playback_1')!.playback[1];
    expect(capture).toBeGreaterThan(0);
    expect(status.latency).toMatchObject({ captureFrames: capture, playbackFrames: playback, queueFrames: PERIOD, engineFrames: 0, roundTripFrames: capture + PERIOD + playback });
    expect(store.get('/status/audio/roundtrip')).toBeCloseTo(((capture + PERIOD + playback) / RATE) * 1000, 2);
    // faderd's own ports tell other clients the same: what reaches out_1 was captured capture + queue ago.
    expect(bridge.portLatency(looker.handle, 'faderd:out_1')!.capture).toEqual([capture + PERIOD, capture + PERIOD]);
    expect(bridge.portLatency(looker.handle, 'faderd:in_1')!.playback).toEqual([playback + PERIOD, playback + PERIOD]);
  }, 120_000);

  it('stops cleanly: the client leaves JACK and the worker exits', async () => {
    const { host, status } = await startHost();
    const looker = bridge.openTool({ name: 'looker', mode: TOOL_MODE.passthrough, channels: 1 });
    open.push(() => bridge.close(looker.handle));
    expect(bridge.ports(looker.handle, `^${clientOf(status.device)}:`, 0)).toHaveLength(4);
    await host.stop();
    expect(host.hung).toBe(false);
    expect(bridge.ports(looker.handle, `^${clientOf(status.device)}:`, 0)).toHaveLength(0);
  }, 120_000);

  it('refuses a session whose sample rate JACK does not run at, saying both rates', async () => {
    const { status } = await startHost({ sampleRate: 44100 });
    expect(status.state).toBe('fallback');
    expect(status.reason).toMatch(/JACK runs at 48000 Hz but the session asks for 44100 Hz/);
  }, 120_000);

  it('faderd run -a jack: says at start what round trip to expect, and answers it over OSC', async () => {
    const dir = tempDir();
    const d = await startDaemon({ stateDir: dir, extraArgs: ['-a', 'jack'] }, 60_000);
    try {
      // The embedded session: limiter on (its look-ahead is the engine's share), physical ports connected.
      const line = /faderd running: .*/.exec(d.stderr())![0];
      expect(line).toMatch(/audio jack:faderd @ 48000\/128, latency safe: round trip (\d+) frames = [\d.]+ ms \(capture (\d+) \+ faderd 128 \(1 x 128 queued\) \+ engine (\d+) \+ playback (\d+)\)/);
      const [, total, capture, engine, playback] = /round trip (\d+) .*capture (\d+) .*engine (\d+) \+ playback (\d+)/.exec(line)!.map(Number);
      expect(engine).toBeGreaterThan(0);
      expect(total).toBe(capture! + 128 + engine! + playback!);
      const status = await queryOsc(d.port, ['/status/audio/latency', '/status/audio/roundtrip', '/status/audio/device']);
      expect(status.get('/status/audio/device')).toBe('jack:faderd');
      expect(status.get('/status/audio/latency')).toBe(`safe ${total} = in ${capture} + queue 128 + engine ${engine} + out ${playback}`);
      expect(status.get('/status/audio/roundtrip')).toBeCloseTo((total! / RATE) * 1000, 2);
      // The limiter switched off leaves the path, and the round trip faderd reports drops by its look-ahead.
      const sock = dgram.createSocket('udp4');
      sock.send(encodeMessage('/master/limiter/on', [{ type: 'i', value: 0 }]), d.port, '127.0.0.1');
      let now = '';
      for (let i = 0; i < 100 && now !== `safe ${total! - engine!} = in ${capture} + queue 128 + engine 0 + out ${playback}`; i++) {
        await sleep(50);
        now = String((await queryOsc(d.port, ['/status/audio/latency'])).get('/status/audio/latency'));
      }
      sock.close();
      expect(now).toBe(`safe ${total! - engine!} = in ${capture} + queue 128 + engine 0 + out ${playback}`);
    } finally {
      d.child.kill('SIGTERM');
      await d.exited;
    }
  }, 180_000);

  it('auto takes a running JACK server when no PortAudio device is named', async () => {
    const { status } = await startHost({ backend: 'auto' });
    expect(status).toMatchObject({ state: 'running', device: 'jack:faderd' });
  }, 120_000);
});

/** Stops a dummy server unless it has already gone (a server killed by a signal would never report again). */
async function stopJack(j: DummyJack | undefined): Promise<void> {
  if (j && j.proc.exitCode === null && j.proc.signalCode === null) await j.stop();
}

describe('JACK backend when the server goes away', () => {
  it('falls back to the null clock with the reason, and returns to JACK when the server is back', async () => {
    const own = await startDummyJack(RATE, PERIOD);
    const outer = process.env.JACK_DEFAULT_SERVER;
    process.env.JACK_DEFAULT_SERVER = own.name;
    let restarted: DummyJack | undefined;
    let host: EngineHost | undefined;
    try {
      const started = await startHost({ retryMs: 200 });
      host = started.host;
      const store = started.store;
      expect(store.get('/status/audio/device')).toBe('jack:faderd');
      await stopJack(own);
      await until('the fallback', () => store.get('/status/audio/state') === 'fallback');
      expect(String(store.get('/status/audio/latency'))).toBe('');
      restarted = await startDummyJack(RATE, PERIOD, own.name);
      await until('JACK again', () => store.get('/status/audio/state') === 'running' && store.get('/status/audio/device') === 'jack:faderd');
    } finally {
      // faderd first: a server stopped while a client keeps trying to connect leaves its entry in
      // JACK's server registry (a jackd2 quirk), and eight such entries stop any new server starting.
      await host?.stop();
      await stopJack(restarted);
      await stopJack(own);
      process.env.JACK_DEFAULT_SERVER = outer;
    }
  }, 180_000);

  it('follows JACK to a new period at once (jack_bufsize), without waiting for the retry', async () => {
    const own = await startDummyJack(RATE, PERIOD);
    const outer = process.env.JACK_DEFAULT_SERVER;
    process.env.JACK_DEFAULT_SERVER = own.name;
    let host: EngineHost | undefined;
    try {
      const started = await startHost({ retryMs: 60_000 });
      host = started.host;
      expect(host.audio.latency?.blockFrames).toBe(PERIOD);
      const r = spawnSync('jack_bufsize', ['256'], { env: process.env, encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      const h = host;
      await until('the stream at 256 frames', () => h.audio.state === 'running' && h.audio.latency?.blockFrames === 256);
      expect(h.audio.latency).toMatchObject({ queueFrames: 256 });
    } finally {
      await host?.stop();
      await stopJack(own);
      process.env.JACK_DEFAULT_SERVER = outer;
    }
  }, 180_000);
});
