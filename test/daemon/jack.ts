/**
 * A JACK server with the dummy driver, paced by the system clock like a real interface, under a
 * server name of its own so tests never meet another JACK server on the machine.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { flockFile } from '../../src/daemon/proc-guard.ts';

export interface DummyJack {
  readonly name: string;
  readonly proc: ChildProcess;
  stop(): Promise<void>;
}

/** Starts `jackd -d dummy`; throws a clear error (never skips) when jackd cannot run here. */
export async function startDummyJack(rate: number, period: number, name = `faderd-test-${process.pid}-${Date.now()}`): Promise<DummyJack> {
  const env = { ...process.env, JACK_DEFAULT_SERVER: name, JACK_NO_AUDIO_RESERVATION: '1' };
  if (spawnSync('sh', ['-c', 'command -v jackd && command -v jack_wait']).status !== 0)
    throw new Error('jackd and jack_wait are needed for the paced audio test: apt-get install -y jackd2 libasound2-plugins (see .ci/run)');
  // Run like a real audio server: real-time scheduling where the system allows it (root in CI), else
  // ahead of ordinary processes by nice value.
  const realtime = spawnSync('chrt', ['-f', '1', 'true']).status === 0;
  const args = ['-n', name, '-d', 'dummy', '-r', String(rate), '-p', String(period)];
  const proc = realtime
    ? spawn('jackd', ['--realtime', '-P', '80', ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] })
    : spawn('nice', ['-n', '-15', 'jackd', '--no-realtime', ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const wait = spawnSync('jack_wait', ['-w', '-t', '10'], { env, encoding: 'utf8' });
  if (wait.status !== 0 || proc.exitCode !== null) {
    proc.kill('SIGKILL');
    throw new Error(`jackd (dummy driver) did not start: ${stderr.trim() || wait.stderr || wait.stdout}`);
  }
  return {
    name,
    proc,
    stop: () =>
      new Promise<void>((resolve) => {
        if (proc.exitCode !== null) return resolve();
        const t = setTimeout(() => proc.kill('SIGKILL'), 2000);
        proc.once('exit', () => {
          clearTimeout(t);
          resolve();
        });
        proc.kill('SIGTERM');
      }),
  };
}

/**
 * One test file at a time runs JACK servers and clients: a jackd started, stopped or killed by another
 * test process while this one's client closes can leave libjack waiting in that client for good (seen
 * as a fallback that never came, 1 run in 3 with four JACK test files side by side). A live show has one
 * JACK server; the tests keep to that. The lock is the kernel's (flock, through the proc-guard addon):
 * a test process that dies lets it go. Resolves with the release.
 */
export async function jackTestLock(): Promise<() => void> {
  // One per user: a file another user made in /tmp cannot be opened with O_CREAT where
  // fs.protected_regular is set (many systemd distributions).
  const file = path.join(os.tmpdir(), `faderd-test-jack-${process.getuid?.() ?? 'user'}.lock`);
  const t0 = Date.now();
  for (;;) {
    const r = flockFile(file);
    if (r === undefined) throw new Error('the proc-guard addon is not built (npm ci): the JACK tests need its file lock');
    if ('fd' in r) return () => fs.closeSync(r.fd);
    if (r.error !== 'EWOULDBLOCK' && r.error !== 'EAGAIN') throw new Error(`cannot lock ${file}: ${r.error}`);
    if (Date.now() - t0 > 600_000) throw new Error(`another test process has held ${file} for 10 minutes`);
    await new Promise((res) => setTimeout(res, 100));
  }
}
