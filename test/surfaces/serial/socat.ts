/** Test helper: a socat pseudo-terminal pair whose two ends appear at fixed link paths. */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';

export function requireSocat(): void {
  const r = spawnSync('which', ['socat']);
  if (r.status !== 0) throw new Error('socat is not installed: the serial tests need it (apt-get install socat)');
}

export interface PtyPair {
  readonly proc: ChildProcess;
  /** Ends the pair, as if the device were unplugged; resolves once both links are gone. */
  kill(): Promise<void>;
}

async function until(cond: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export async function startPty(devLink: string, peerLink: string): Promise<PtyPair> {
  const proc = spawn('socat', [`pty,raw,echo=0,link=${devLink}`, `pty,raw,echo=0,link=${peerLink}`], { stdio: 'ignore' });
  await until(() => fs.existsSync(devLink) && fs.existsSync(peerLink), `socat links ${devLink}, ${peerLink}`);
  return {
    proc,
    async kill() {
      if (proc.exitCode === null) {
        const exited = new Promise((r) => proc.once('exit', r));
        proc.kill('SIGTERM');
        await exited;
      }
      await until(() => !fs.existsSync(devLink), `socat to remove ${devLink}`);
    },
  };
}
