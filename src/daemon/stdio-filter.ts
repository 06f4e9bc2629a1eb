/**
 * Keeps naudiodon's and ALSA's chatter away from the user. naudiodon printf()s to fd 1 (version,
 * stream options, and "Finishing output..." once per callback after a stop) and ALSA/JACK write
 * errors to fd 2 from native code, where Node cannot intercept them. So the command re-runs itself as
 * a child with piped stdio and forwards every line except those, and forwards signals to the child.
 */
import { spawn } from 'node:child_process';
import readline from 'node:readline';
import type { Readable, Writable } from 'node:stream';

export const FILTERED_ENV = 'FADERD_STDIO_FILTERED';

const NOISE: readonly RegExp[] = [
  /^PortAudio V\d/,
  /^(Input|Output) (audio options|device name is)/,
  /^Finishing (input|output) - /,
  /^AudioIO: /,
  /^ALSA lib /,
  /^Cannot connect to server /,
  /^jack server is not running/,
  /^JackShmReadWritePtr/,
  /^Cannot lock down/,
  /^Cannot read socket fd = /,
  /^CheckRes error$/,
  /^JackSocketClientChannel /,
  /^Midi(In|Out)(Alsa|Jack)::/,
  /^Expression '.*' failed in 'src\/hostapi\//,
];

/** Whether a line of native output is noise the user should not see. */
export function isNativeNoise(line: string): boolean {
  return NOISE.some((re) => re.test(line));
}

function pump(from: Readable, to: Writable, dropBlank: boolean): Promise<void> {
  return new Promise((resolve) => {
    const rl = readline.createInterface({ input: from, crlfDelay: Infinity });
    rl.on('line', (line) => {
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
    env: { ...process.env, [FILTERED_ENV]: '1' },
    stdio: ['inherit', 'pipe', 'pipe'],
  });
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  const forward = (s: NodeJS.Signals) => () => {
    child.kill(s);
  };
  const handlers = signals.map((s) => [s, forward(s)] as const);
  for (const [s, h] of handlers) process.on(s, h);
  const pumps = Promise.all([pump(child.stdout, process.stdout, false), pump(child.stderr, process.stderr, true)]);
  const code = await new Promise<number>((resolve) => {
    child.on('error', (e) => {
      process.stderr.write(`faderd: cannot start: ${e.message}\n`);
      resolve(1);
    });
    child.on('exit', (c, sig) => resolve(c ?? (sig === 'SIGINT' || sig === 'SIGTERM' ? 0 : 1)));
  });
  await pumps;
  for (const [s, h] of handlers) process.off(s, h);
  return code;
}
