/**
 * The engine worker's entry: builds the engine from the session, then lets the interface (or the null
 * clock) drive it. It depends on the main thread for nothing per block: params arrive through the
 * shared queue, meters leave through the shared snapshot, and a stalled main thread goes unnoticed.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { ParamRegistry } from '../../params/registry.ts';
import type { Engine } from '../types.ts';
import type { Session } from '../../params/session.ts';
import { BlockRunner } from './runner.ts';
import { NullClock } from '../../audio/null/null-clock.ts';
import { DemoMultitrack } from '../../audio/demo.ts';
import { PortAudioStream } from '../../audio/portaudio/stream.ts';
import { JackStream } from '../../audio/jack/stream.ts';
import type { EngineWorkerData, FromWorker, ToWorker } from './protocol.ts';
import { CHECK_MS, DeviceWatchdog, watchdogClock } from './device-watchdog.ts';
import { DEVICE_RT_PRIORITY, ENGINE_RT_PRIORITY, makeRealtime, ownThreadId, raiseNice, threadIds, type Scheduling } from './priority.ts';

type CreateEngine = (session: Session, registry: ParamRegistry, opts: { maxBlock: number; sampleRate: number }) => Engine;

type DeviceStream = PortAudioStream | JackStream;

/** JACK failures that mean "no JACK here", after which auto tries PortAudio. */
const NO_JACK = /no JACK server is running|libjack|JACK bridge|built for Linux only/;

/** How a device shows in status: the PortAudio device's name, or jack:<client name>. */
const deviceName = (s: DeviceStream): string => (s instanceof JackStream ? `jack:${s.name}` : s.device.name);

const data = workerData as EngineWorkerData;
const port = parentPort!;
const post = (m: FromWorker): void => port.postMessage(m);

/**
 * Runs a throwaway engine of the same session through a second of busy signal before the clock
 * starts, so the first real blocks run optimized code: otherwise the JIT's warm-up makes the first
 * blocks of a large session late. The real engine starts from clean state.
 */
function warmUp(create: CreateEngine, session: EngineWorkerData['session'], registry: ParamRegistry, audio: EngineWorkerData['audio']): void {
  const scratch = create(session, registry, { maxBlock: audio.blockFrames, sampleRate: audio.sampleRate });
  for (const d of registry.defs) {
    if (d.readOnly || d.type === 'text') continue;
    // Every stage on, so every kernel's code is compiled before it is needed.
    if (d.type === 'bool' && /\/(on|pre)$/.test(d.address)) scratch.setParam(d.index, 1);
  }
  const ins = Array.from({ length: scratch.inputChannels }, (_, k) =>
    Float32Array.from({ length: audio.blockFrames }, (_, i) => 0.25 * Math.sin((2 * Math.PI * (60 + 97 * k) * i) / audio.sampleRate) + 0.05 * Math.sin(i * (1.7 + k))),
  );
  const quiet = ins.map(() => new Float32Array(audio.blockFrames));
  const outs = Array.from({ length: scratch.outputChannels }, () => new Float32Array(audio.blockFrames));
  const blocks = Math.ceil(audio.sampleRate / audio.blockFrames);
  for (let b = 0; b < blocks; b++) scratch.process(b % 8 < 6 ? ins : quiet, outs, audio.blockFrames);
}

async function main(): Promise<void> {
  const { session, audio } = data;
  const registry = ParamRegistry.fromSession(session, { surfaceIds: data.surfaceIds });
  const mod = (await import(data.engineModule ?? new URL('../index.ts', import.meta.url).href)) as { createEngine: CreateEngine };
  warmUp(mod.createEngine, session, registry, audio);
  // Real-time only once warm (a second of compiling at real-time priority would crowd everything
  // else out) and before the clock starts. The process's other helper threads (libuv's pool carries
  // naudiodon's reads and writes) get a raised nice value.
  const self = ownThreadId();
  const scheduling: Scheduling = self === undefined ? 'normal' : await makeRealtime([self], ENGINE_RT_PRIORITY);
  raiseNice(threadIds().filter((t) => t !== self));
  if (scheduling !== 'realtime')
    post({ type: 'log', level: 'warn', msg: `engine thread runs at ${scheduling} priority, not real-time: give the user an rtprio limit (the audio group on most systems) or CAP_SYS_NICE, or blocks may be late under load` });
  const engine = mod.createEngine(session, registry, { maxBlock: audio.blockFrames, sampleRate: audio.sampleRate });
  for (let i = 0; i < data.initial.length; i++) if (!Number.isNaN(data.initial[i]!)) engine.setParam(i, data.initial[i]!);
  const runner = new BlockRunner(engine, registry, data.queue, data.meters, audio.blockFrames);
  runner.applyPending();
  post({ type: 'ready', scheduling, latencyFrames: engine.latencyFrames, inputChannels: engine.inputChannels, outputChannels: engine.outputChannels });

  let demo: DemoMultitrack | undefined;
  let demoOn = false;
  const fillDemo = (frames: number = audio.blockFrames): void => {
    if (demoOn) demo!.fill(runner.inputs, frames);
  };
  const setDemo = (on: boolean): void => {
    if (on && !demo) demo = new DemoMultitrack(audio.sampleRate);
    demoOn = on;
    if (!on) runner.clearInputs();
  };
  const nullClock = new NullClock(runner, { beforeBlock: fillDemo });
  let device: DeviceStream | undefined;
  let retry: NodeJS.Timeout | undefined;
  let stopping = false;
  // Streams of failed devices that would not close each hold a pool thread; past this many, retrying
  // would starve the pool that also carries state saving, so the device is given up until restart.
  let abandoned = 0;
  const maxAbandoned = Math.max(1, (Number(process.env.UV_THREADPOOL_SIZE) || 4) - 4);
  const latency = { ...(audio.latency ? { latency: audio.latency } : {}), ...(audio.primeBlocks !== undefined ? { primeBlocks: audio.primeBlocks } : {}) };

  const openJack = (): JackStream =>
    new JackStream(runner, { sampleRate: audio.sampleRate, ...latency, ...(audio.clientName ? { name: audio.clientName } : {}), connect: audio.connect !== false, beforeBlock: fillDemo });
  const openPortAudio = (): PortAudioStream =>
    new PortAudioStream(runner, { ...(audio.device !== undefined ? { device: audio.device } : {}), sampleRate: audio.sampleRate, format: audio.format ?? 'auto', ...latency, beforeBlock: fillDemo });
  /** The backend asked for; auto takes a running JACK server when no PortAudio device is named. */
  const openStream = (): DeviceStream => {
    if (audio.backend === 'jack') return openJack();
    if (audio.backend === 'auto' && audio.device === undefined) {
      try {
        return openJack();
      } catch (e) {
        if (!NO_JACK.test((e as Error).message)) throw e;
      }
    }
    return openPortAudio();
  };

  const openDevice = async (): Promise<void> => {
    // Opening may start threads too (a JACK client's), so the census is taken before it.
    const before = new Set(threadIds());
    device = openStream();
    setDemo(audio.demo === true);
    nullClock.stop();
    const stream = device;
    await stream.start((reason) => void onDeviceFailure(stream, reason));
    // The threads the device brought (PortAudio's callback thread, a JACK client's thread) feed the
    // engine. A real-time JACK server has made its client's process thread real-time already; the
    // chrt calls would fork this thread's process at the worst moment, just after the stream started.
    if (!(stream instanceof JackStream && stream.realtime)) void makeRealtime(threadIds().filter((t) => !before.has(t)), DEVICE_RT_PRIORITY);
    post({ type: 'audio', state: 'running', device: deviceName(stream), primeFrames: stream.primeFrames, ...(stream instanceof PortAudioStream ? { format: stream.format } : { format: 'float32' }), ...(stream.latency ? { latency: stream.latency } : {}) });
  };

  const fallBack = (reason: string, name: string): void => {
    setDemo(audio.demo === true);
    nullClock.start();
    post({ type: 'audio', state: 'fallback', device: name, reason });
    if (abandoned >= maxAbandoned) {
      post({ type: 'log', level: 'error', msg: `audio device ${name} failed ${abandoned} times without letting go of its stream: no more retries; restart faderd to use it again` });
      return;
    }
    retry ??= setInterval(() => void retryDevice(), audio.retryMs ?? 5000);
  };

  const retryDevice = async (): Promise<void> => {
    if (stopping || device) return;
    try {
      await openDevice();
      clearInterval(retry);
      retry = undefined;
      post({ type: 'log', level: 'warn', msg: `audio device back: ${deviceName(device!)}` });
    } catch {
      device = undefined;
      if (!nullClock.isRunning) nullClock.start();
    }
  };

  const onDeviceFailure = async (stream: DeviceStream, reason: string): Promise<void> => {
    if (stopping || device !== stream) return;
    device = undefined;
    const closed = await stream.stop();
    if (!closed) abandoned++;
    fallBack(`audio device failed: ${reason}`, deviceName(stream));
    // JACK running on at another period is not a failure to wait out: reopen at once at the new one.
    if (/period changed/.test(reason)) void retryDevice();
  };

  const startNull = (): void => {
    setDemo(audio.demo !== false);
    nullClock.start();
    post({ type: 'audio', state: 'running', device: 'null' });
  };

  // A device that vanishes may simply stop calling back (JACK gone, USB unplugged): no error, no
  // blocks. A second without a block counts as a failure (device-watchdog.ts).
  const stall = new DeviceWatchdog(watchdogClock());
  const watchdog = setInterval(() => {
    const silentMs = stall.check(device && !stopping ? runner.blocks : undefined);
    if (silentMs !== undefined && device) void onDeviceFailure(device, `no audio from the device for a second (the last block came at most ${silentMs} ms ago)`);
  }, CHECK_MS);

  if (audio.backend === 'null') startNull();
  else {
    try {
      await openDevice();
    } catch (e) {
      device = undefined;
      const reason = (e as Error).message;
      // A box with no interface at all runs on the timer; a chosen device that fails is retried.
      if (audio.backend === 'auto' && audio.device === undefined && /no audio output device found|not available/.test(reason)) startNull();
      else fallBack(reason, audio.backend === 'jack' ? 'jack' : String(audio.device ?? 'default'));
    }
  }

  port.on('message', (m: ToWorker) => {
    if (m.type === 'resetLoudness') engine.resetLoudness();
    else if (m.type === 'stop') {
      stopping = true;
      clearInterval(watchdog);
      if (retry) clearInterval(retry);
      nullClock.stop();
      const s = device;
      device = undefined;
      void (s ? s.stop() : Promise.resolve(true)).then((closed) => {
        runner.publish();
        post({ type: 'audio', state: 'stopped', device: s ? deviceName(s) : 'null' });
        post({ type: 'stopped', hung: abandoned > 0 || !closed });
        port.close();
      });
    }
  });
}

main().catch((e: unknown) => post({ type: 'fatal', message: (e as Error).stack ?? String(e) }));
