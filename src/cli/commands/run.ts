import type { Command } from 'commander';
import { config as rxConfig } from 'rxjs';
import { sessionFrom } from '../session-option.ts';
import { Daemon, type DaemonInfo } from '../../daemon/daemon.ts';
import { formatLatency } from '../../audio/index.ts';
import { forceExit, isFilteredChild, runFilteredChild } from '../../daemon/stdio-filter.ts';
import { logger, setLogLevel, RateLimitedLog } from '../../util/log.ts';
import { ConfigError, formatIssue } from '../../util/source-error.ts';
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
  return `faderd running: session ${info.session}, audio ${audio} @ ${info.sampleRate}/${lat?.blockFrames ?? info.blockFrames}, ${lat ? `${formatLatency(lat)}, ` : ''}${osc}${web}`;
}

/** `faderd run`: the daemon. Owns signals; resolves when stopped so the entry file sets the exit code. */
async function run(opts: RunOptions): Promise<void> {
  if (!isFilteredChild()) {
    process.exitCode = await runFilteredChild();
    return;
  }
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
    ...(opts.stateDir ? { stateDir: opts.stateDir } : {}),
  });
  let stopping: Promise<void> | undefined;
  const stopped = new Promise<void>((resolve) => {
    const stop = (sig: string) => {
      if (stopping) return;
      log.info(`${sig}: saving state and stopping`);
      stopping = daemon.stop().then(resolve, (e: unknown) => {
        process.stderr.write(`faderd: error while stopping: ${(e as Error).message}\n`);
        process.exitCode = 1;
        resolve();
      });
    };
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGTERM', () => stop('SIGTERM'));
  });
  process.on('SIGHUP', () => {
    if (!session.file) {
      log.warn('SIGHUP: the embedded default session has no file to reload');
      return;
    }
    try {
      void daemon.reload(sessionFrom(session.file)).catch((e: unknown) => log.error(`reload failed: ${(e as Error).message}`));
    } catch (e) {
      // A broken file keeps the running session; say exactly where the problem is.
      if (e instanceof ConfigError) for (const i of e.issues) process.stderr.write(`faderd: reload refused: ${formatIssue(i)}\n`);
      else log.error(`reload failed: ${(e as Error).message}`);
    }
  });
  let info: DaemonInfo;
  try {
    info = await daemon.start();
  } catch (e) {
    await daemon.stop();
    throw e;
  }
  process.stderr.write(startLine(info) + '\n');
  await stopped;
  if (daemon.audioHung) {
    // State is saved; Node would wait forever for the thread the device holds.
    process.stderr.write('faderd: the audio device hung and holds a thread; state is saved, ending the process by force\n');
    forceExit(typeof process.exitCode === 'number' ? process.exitCode : 0);
  }
}

export function registerRun(program: Command): void {
  program
    .command('run')
    .description('Run the mixer live: audio interface (or null clock), OSC server, surfaces, state autosave')
    .option('-s, --session <file>', 'session file (default: the embedded default session)')
    .option('-a, --audio <device>', 'audio device: "jack" (a JACK client), "null" (the timer clock), or a PortAudio device name pattern, /regex/ or id')
    .option('-b, --block <frames>', 'block size in frames, 64..1024')
    .option('--demo', 'feed the generated demo multitrack even on a real interface')
    .option('--osc-port <port>', "native OSC server UDP port (default: the session's osc.port, 9000)")
    .option('--x32-port <port>', "X32 server UDP port (default: the session's x32.port, 10023 as on a console)")
    .option('--http-port <port>', "web mixer HTTP port (default: the session's http.port, 9080)")
    .option('--no-http', 'do not serve the web mixer')
    .option('--state-dir <dir>', 'where state and scenes live (default: per session, or FADERD_STATE_DIR)')
    .option('-v, --verbose', 'log info lines (status, device changes)')
    .action((opts: RunOptions) => run(opts));
}
