/**
 * Scheduling for the audio threads. The engine's thread and the device's threads run under the
 * real-time FIFO policy when the system allows it (root, CAP_SYS_NICE, or an `rtprio` limit such as
 * the `audio` group's), as JACK and every serious audio host do: an ordinary process, a burst of
 * control traffic or the main thread's garbage collection then cannot push a block late. Where the
 * policy is refused they get a raised nice value instead, and failing that, normal priority.
 *
 * Linux schedules threads, not processes: each call names the thread ids it applies to. The main
 * thread is never raised (control work must not compete with audio).
 */
import fs from 'node:fs';
import os from 'node:os';
import { execFile } from 'node:child_process';

/** Device threads (PortAudio's callback, a JACK client's process thread) sit above the engine, as in JACK. */
export const DEVICE_RT_PRIORITY = 70;
export const ENGINE_RT_PRIORITY = 60;
const NICE = -11;

export type Scheduling = 'realtime' | 'nice' | 'normal';

/** The process's thread ids (Linux); empty elsewhere. */
export function threadIds(): number[] {
  try {
    return fs.readdirSync('/proc/self/task').map(Number);
  } catch {
    return [];
  }
}

/** The calling thread's id (a worker_thread's own kernel thread), or undefined off Linux. */
export function ownThreadId(): number | undefined {
  try {
    return Number(fs.readlinkSync('/proc/thread-self').split('/').pop());
  } catch {
    return undefined;
  }
}

/** Raises the nice value of the given threads; returns how many it raised. */
export function raiseNice(tids: Iterable<number>, nice = NICE): number {
  let raised = 0;
  for (const tid of tids) {
    if (tid === process.pid) continue;
    try {
      if (os.getPriority(tid) > nice) os.setPriority(tid, nice);
      raised++;
    } catch {
      // Not permitted, or the thread is gone.
    }
  }
  return raised;
}

/** Current policy of a thread: true when it runs under SCHED_FIFO or SCHED_RR. */
export function isRealtime(tid: number): boolean {
  try {
    // Field 41 of /proc/.../stat is the policy (1 = FIFO, 2 = RR); the command name may hold spaces.
    const stat = fs.readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const policy = Number(fields[41 - 3]);
    return policy === 1 || policy === 2;
  } catch {
    return false;
  }
}

/**
 * Puts the given threads under SCHED_FIFO at `priority` (util-linux's `chrt`; Node has no call for it),
 * without blocking the caller; threads that cannot be made real-time get a raised nice value.
 * Resolves with what was achieved for the first thread.
 */
export async function makeRealtime(tids: readonly number[], priority: number): Promise<Scheduling> {
  const targets = tids.filter((t) => t !== process.pid);
  if (targets.length === 0) return 'normal';
  const results = await Promise.all(
    targets.map(
      (tid) =>
        new Promise<boolean>((resolve) => {
          if (isRealtime(tid)) return resolve(true);
          execFile('chrt', ['-f', '-p', String(priority), String(tid)], { timeout: 2000 }, (err) => resolve(!err && isRealtime(tid)));
        }),
    ),
  );
  const refused = targets.filter((_, i) => !results[i]);
  raiseNice(refused);
  if (results[0]) return 'realtime';
  try {
    return os.getPriority(targets[0]!) <= NICE ? 'nice' : 'normal';
  } catch {
    return 'normal';
  }
}
