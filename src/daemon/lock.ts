/**
 * One daemon per state dir. `faderd run` locks `<state dir>/faderd.lock` (an flock the kernel drops
 * when the process ends, however it ends) and writes its pid into it; a second daemon on the same dir
 * is refused with a message naming the holder's pid. CLI commands that edit saved files take the same
 * lock for the moment they write, so they never edit behind a running daemon's back, and a daemon
 * cannot start in the middle of such an edit.
 *
 * Without the proc-guard addon the lock is the pid file itself, created exclusively; a file whose pid
 * no longer runs is taken over.
 */
import fs from 'node:fs';
import path from 'node:path';
import { flockFile } from './proc-guard.ts';

export const LOCK_FILE = 'faderd.lock';

export class StateDirBusyError extends Error {
  constructor(
    readonly dir: string,
    readonly pid: number | undefined,
  ) {
    super(`the state dir ${dir} is in use by another faderd${pid ? ` (pid ${pid})` : ''}; stop it first, or give this one its own --state-dir`);
  }
}

export interface StateLock {
  readonly file: string;
  release(): void;
}

/** The pid written in a lock file, if it holds one. */
export function lockHolder(dir: string): number | undefined {
  try {
    const n = Number(fs.readFileSync(path.join(dir, LOCK_FILE), 'utf8').trim());
    return Number.isInteger(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Locks the state dir for this process; throws StateDirBusyError naming the holder when another has it. */
export function lockStateDir(dir: string): StateLock {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, LOCK_FILE);
  const r = flockFile(file);
  if (r && 'error' in r) {
    if (r.error === 'EWOULDBLOCK' || r.error === 'EAGAIN') throw new StateDirBusyError(dir, lockHolder(dir));
    throw new Error(`cannot lock ${file}: ${r.error}`);
  }
  if (r) {
    // The lock's fd is read-only (a state dir remounted read-only must not be "busy" because of it);
    // the pid is written through a separate, closed write.
    fs.writeFileSync(file, `${process.pid}\n`);
    let held = true;
    return {
      file,
      release() {
        if (!held) return;
        held = false;
        // Emptied before it is unlocked: a pid left in the file would name a process that is gone.
        try {
          fs.writeFileSync(file, '');
        } catch {
          // A read-only disk keeps the pid; the lock itself is what counts, and it goes with the fd.
        }
        fs.closeSync(r.fd);
      },
    };
  }
  return pidFileLock(dir, file);
}

function pidFileLock(dir: string, file: string): StateLock {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(file, `${process.pid}\n`, { flag: 'wx' });
      let held = true;
      const release = () => {
        if (held && lockHolder(dir) === process.pid) fs.rmSync(file, { force: true });
        held = false;
      };
      process.once('exit', release);
      return { file, release };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const pid = lockHolder(dir);
      if (pid !== undefined && alive(pid)) throw new StateDirBusyError(dir, pid);
      fs.rmSync(file, { force: true });
    }
  }
  throw new StateDirBusyError(dir, lockHolder(dir));
}
