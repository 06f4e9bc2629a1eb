import { config as rxConfig } from 'rxjs';
import { sessionFrom } from '../session-option.ts';
import { formatLatency } from '../../audio/index.ts';
import path from 'node:path';
import { Daemon, type DaemonInfo, type StopResult } from '../../daemon/daemon.ts';
import { armWatchdog, exitNow, filterOwnStdio } from '../../daemon/proc-guard.ts';
import { lockStateDir } from '../../daemon/lock.ts';
import { clientHost, removeRuntimeFile, writeRuntimeFile } from '../../daemon/runtime-file.ts';
import { Reloader } from '../../daemon/reload.ts';
import { defaultStateDir } from '../../params/persistence.ts';
import { logger, notice, setLogLevel, RateLimitedLog } from '../../util/log.ts';
import { UsageError } from '../errors.ts';

interface RunOptions {
  session?: string;
  audio?: string;
  block?: string;
  demo?: boolean;
  oscPort?: string;
  x32Port?: string;
  httpPort?: string;
  http?: boolean;
  stateDir?: string;
  verbose?: boolean;
}

const log = logger(import.meta.url);

function intOption(name: string, raw: string | undefined, min: number, max: number): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be an integer ${min}..${max}, got "${raw}"`);
  return n;
}

export function startLine(info: DaemonInfo): string {
  const osc = info.osc ? `OSC ${info.osc.host}:${info.osc.port}` : 'OSC off';
  const audio = info.audio.state === 'fallback' ? `null clock (${info.audio.device} unavailable)` : info.audio.device;
  const web = !info.http ? '' : 'problem' in info.http ? `\n${info.http.problem}` : `\nweb mixer: http://${info.http.host.includes(':') ? `[${info.http.host}]` : info.http.host}:${info.http.port}/`;
  // A device sets the block (JACK's period) and says what latency to expect.
  const lat = info.audio.state === 'running' ? info.audio.latency : undefined;
  // The pid is the process to signal: SIGHUP reloads, SIGTERM stops (there is no launcher in between).
  return `faderd running: session ${info.session}, audio ${audio} @ ${info.sampleRate}/${lat?.blockFrames ?? info.blockFrames}, ${lat ? `${formatLatency(lat)}, ` : ''}${osc}, pid ${process.pid}${web}`;
}

/** How long a stop may take before the watchdog ends the process (the README promises 2 s). */
const STOP_BOUND_MS = Number(process.env.FADERD_STOP_BOUND_MS) > 0 ? Number(process.env.FADERD_STOP_BOUND_MS) : 1900;

/** The lines a failed final save prints: what was lost, and where the last good state is. */
export function unsavedReport(r: StopResult, stateDir: string): string {
  const lines = [`faderd: the final save failed: ${r.saveError}`];
  const unsaved = r.unsaved ?? [];
  if (unsaved.length) lines.push(`faderd: not saved, changes to ${unsaved.slice(0, 12).join(', ')}${unsaved.length > 12 ? ` and ${unsaved.length - 12} more` : ''}`);
  lines.push(r.lastGood ? `faderd: the last good state is ${r.lastGood.file}${r.lastGood.saved ? ` (saved ${r.lastGood.saved})` : ''}` : `faderd: there is no saved state in ${stateDir}`);
  return lines.join('\n');
}

/** `faderd run`: the daemon. Owns signals; resolves when stopped so the entry file sets the exit code (options: specs.ts). */
export async function run(opts: RunOptions): Promise<void> {
  // One process: native libraries' stray output is filtered here, not by a parent that re-runs us.
  const unfiltered = process.env.FADERD_STDIO_FILTERED === undefined ? filterOwnStdio() : undefined;
  if (unfiltered) log.warn(`native libraries' output is not filtered: ${unfiltered}`);
  if (opts.verbose) setLogLevel('info');
  // A handler that throws inside a subscriber is a bug to log, not a reason to stop the show: RxJS
  // would otherwise rethrow it asynchronously and end the process.
  const handlerErrors = new RateLimitedLog(log, 'error in a surface or param handler');
  rxConfig.onUnhandledError = (e: unknown) => handlerErrors.hit(e instanceof Error ? (e.stack ?? e.message) : String(e));
  const block = intOption('block', opts.block, 64, 1024);
  const oscPort = intOption('osc-port', opts.oscPort, 1, 65535);
  const x32Port = intOption('x32-port', opts.x32Port, 1, 65535);
  const httpPort = intOption('http-port', opts.httpPort, 1, 65535);
  const session = sessionFrom(opts.session);
  const stateDir = path.resolve(opts.stateDir ?? defaultStateDir(session));
  const lock = lockStateDir(stateDir);
  const audioDevice = opts.audio === undefined ? undefined : /^\d+$/.test(opts.audio) ? Number(opts.audio) : opts.audio;
  const daemon = new Daemon({
    session,
    audio: {
      // "null" and "jack" name backends; anything else is a PortAudio device (ALSA's jack PCM: /^jack$/).
      ...(audioDevice === 'null' || audioDevice === 'jack' ? { backend: audioDevice } : audioDevice !== undefined ? { device: audioDevice, backend: 'portaudio' } : {}),
      ...(block !== undefined ? { blockFrames: block } : {}),
      ...(opts.demo ? { demo: true } : {}),
    },
    ...(oscPort !== undefined ? { oscPort } : {}),
    ...(x32Port !== undefined ? { x32Port } : {}),
    http: { ...(httpPort !== undefined ? { port: httpPort } : {}), ...(opts.http === false ? { enabled: false } : {}) },
    stateDir,
  });
  let stopping = false;
  let signalName = '';
  const stopped = new Promise<void>((resolve) => {
    const stop = (sig: string) => {
      if (stopping) return;
      stopping = true;
      signalName = sig;
      // The bound holds whatever happens next, even if the main thread never returns to its loop.
      armWatchdog(
        STOP_BOUND_MS,
        1,
        `faderd: ${sig}: the stop did not finish within ${(STOP_BOUND_MS / 1000).toFixed(1)} s; ending now. Changes since the last autosave may not be saved; the last good state is in ${stateDir}`,
      );
      if (process.env.FADERD_TEST_STALL_ON_STOP === '1') for (;;);
      daemon.stop().then(resolve, (e: unknown) => {
        process.stderr.write(`faderd: error while stopping: ${(e as Error).message}\n`);
        process.exitCode = 1;
        resolve();
      });
    };
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGTERM', () => stop('SIGTERM'));
  });
  const reloader = new Reloader(daemon, session.file);
  let running = false;
  // Handled from the start (SIGHUP's default action ends the process), but a reload needs a daemon up.
  process.on('SIGHUP', () => {
    if (running && !stopping) void reloader.request();
    else log.warn('SIGHUP while starting or stopping: not reloaded (send it again once faderd runs)');
  });
  let info: DaemonInfo;
  try {
    info = await daemon.start();
  } catch (e) {
    await daemon.stop();
    lock.release();
    throw e;
  }
  writeRuntimeFile(stateDir, {
    pid: process.pid,
    session: info.session,
    started: new Date().toISOString(),
    ...(info.osc ? { osc: { host: clientHost(info.osc.host), port: info.osc.port } } : {}),
    ...(info.http && 'port' in info.http ? { http: { host: clientHost(info.http.host), port: info.http.port } } : {}),
  });
  running = true;
  notice(startLine(info), { event: 'start', pid: process.pid, stateDir });
  await stopped;
  removeRuntimeFile(stateDir);
  lock.release();
  const result = daemon.stopResult;
  if (result.saveError) {
    process.stderr.write(unsavedReport(result, stateDir) + '\n');
    process.exitCode = 1;
  } else notice(`faderd stopped (${signalName}): state saved in ${stateDir}`, { event: 'stop' });
  const code = typeof process.exitCode === 'number' ? process.exitCode : 0;
  if (daemon.audioHung) {
    // State is saved; Node would wait forever for the thread the device holds.
    process.stderr.write('faderd: the audio device hung and holds a thread; ending the process by force\n');
    exitNow(code);
  }
  // Stopped: if something still holds the event loop open, the watchdog ends the process with this code.
  armWatchdog(STOP_BOUND_MS, code, 'faderd: stopped, but something kept the process alive; ended it');
}
