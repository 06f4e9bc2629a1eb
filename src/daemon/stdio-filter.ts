/**
 * Keeps naudiodon's and ALSA's chatter away from the user. naudiodon printf()s to fd 1 (version,
 * stream options, and "Finishing output..." once per callback after a stop) and ALSA/JACK write
 * errors to fd 2 from native code, where Node cannot intercept them.
 *
 * `faderd run` filters in its own process (filterOwnStdio: the proc-guard addon turns fds 1 and 2
 * into pipes read by native threads), so the pid a user or systemd signals is the daemon itself.
 * Short-lived commands (`devices`) may still re-run themselves as a filtered child (runFilteredChild),
 * which forwards signals; they hold no state.
 */
import { spawn } from 'node:child_process';
import readline from 'node:readline';
import type { Readable, Writable } from 'node:stream';

export const FILTERED_ENV = 'FADERD_STDIO_FILTERED';

/**
 * What the daemon writes to stderr before it ends itself by force (an audio device hung and holds a
 * thread Node would wait for): the exit code it meant. The parent turns the kill back into that code.
 */
export const FORCED_EXIT_LINE = 'faderd: forced exit, code ';

/**
 * Native noise, as plain prefixes (and a substring after the prefix) rather than regular expressions:
 * the same rules run in the addon's C threads and here, in linear time per line.
 */
export const NOISE_RULES: readonly { readonly prefix: string; readonly contains?: string }[] = [
  { prefix: 'PortAudio V' },
  { prefix: 'Input audio options' },
  { prefix: 'Output audio options' },
  { prefix: 'Input device name is' },
  { prefix: 'Output device name is' },
  { prefix: 'Finishing input - ' },
  { prefix: 'Finishing output - ' },
  { prefix: 'AudioIO: ' },
  { prefix: 'ALSA lib ' },
  { prefix: 'Cannot connect to server ' },
  { prefix: 'jack server is not running' },
  { prefix: 'JackShmReadWritePtr' },
  { prefix: 'Cannot lock down' },
  { prefix: 'Cannot read socket fd = ' },
  { prefix: 'CheckRes error' },
  { prefix: 'JackSocketClientChannel ' },
  { prefix: 'MidiInAlsa::' },
  { prefix: 'MidiOutAlsa::' },
  { prefix: 'MidiInJack::' },
  { prefix: 'MidiOutJack::' },
  { prefix: "Expression '", contains: "' failed in 'src/hostapi/" },
];

/** Whether a line of native output is noise the user should not see. */
export function isNativeNoise(line: string): boolean {
  return NOISE_RULES.some((r) => line.startsWith(r.prefix) && (r.contains === undefined || line.indexOf(r.contains, r.prefix.length) >= 0));
}

function pump(from: Readable, to: Writable, dropBlank: boolean, onForcedExit?: (code: number) => void): Promise<void> {
  return new Promise((resolve) => {
    const rl = readline.createInterface({ input: from, crlfDelay: Infinity });
    rl.on('line', (line) => {
      if (onForcedExit && line.startsWith(FORCED_EXIT_LINE)) {
        onForcedExit(Number(line.slice(FORCED_EXIT_LINE.length)));
        return;
      }
      // Native libraries pad their messages with empty lines; faderd writes none to stderr.
      if (!isNativeNoise(line) && !(dropBlank && line.trim() === '')) to.write(line + '\n');
    });
    rl.on('close', resolve);
  });
}

/** True when this process is already the filtered child (or filtering is off: FADERD_STDIO_FILTERED=0). */
export function isFilteredChild(): boolean {
  return process.env[FILTERED_ENV] !== undefined;
}

/** Runs this same command as a filtered child; resolves with its exit code. */
export async function runFilteredChild(): Promise<number> {
  const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    // A device that dies can hold one of libuv's pool threads for good (see PortAudioStream.stop):
    // a larger pool keeps state saving and the next device working through several such failures.
    env: { UV_THREADPOOL_SIZE: '16', ...process.env, [FILTERED_ENV]: '1' },
    stdio: ['inherit', 'pipe', 'pipe'],
  });
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  const forward = (s: NodeJS.Signals) => () => {
    child.kill(s);
  };
  const handlers = signals.map((s) => [s, forward(s)] as const);
  for (const [s, h] of handlers) process.on(s, h);
  let forced: number | undefined;
  const pumps = Promise.all([pump(child.stdout, process.stdout, false), pump(child.stderr, process.stderr, true, (c) => (forced = c))]);
  const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('error', (e) => {
      process.stderr.write(`faderd: cannot start: ${e.message}\n`);
      resolve({ code: 1, signal: null });
    });
    child.on('exit', (code, signal) => resolve({ code, signal }));
  });
  await pumps;
  for (const [s, h] of handlers) process.off(s, h);
  if (exit.code !== null) return exit.code;
  // Read once the pumps are done: the code the child meant before it ended itself by force.
  if (forced !== undefined) return forced;
  return exit.signal === 'SIGINT' || exit.signal === 'SIGTERM' ? 0 : 1;
}
