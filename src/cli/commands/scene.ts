import type { Command } from 'commander';
import { ParamRegistry } from '../../params/registry.ts';
import { ParamStore } from '../../params/store.ts';
import { defaultStateDir, StateManager } from '../../params/persistence.ts';
import { checkSceneName, SceneLibrary } from '../../params/scenes.ts';
import { sessionFrom } from '../session-option.ts';
import { oscRequest } from '../daemon-link.ts';
import { lockStateDir, StateDirBusyError } from '../../daemon/lock.ts';
import { readRuntimeFile } from '../../daemon/runtime-file.ts';
import { UsageError } from '../errors.ts';

interface SceneOpts {
  session?: string;
  stateDir?: string;
  offline?: boolean;
}

function open(opts: SceneOpts) {
  const session = sessionFrom(opts.session);
  const store = new ParamStore(ParamRegistry.fromSession(session));
  const dir = opts.stateDir ?? defaultStateDir(session);
  const state = new StateManager(store, dir, { sessionName: session.name });
  const scenes = new SceneLibrary(store, dir);
  return { session, store, state, scenes, dir };
}

/**
 * Store/recall go to the daemon running on the state dir, found through its lock and runtime file
 * (whatever ports it was given). With no daemon, they act on the saved files while holding the state
 * dir's lock, so a daemon cannot start in the middle; the daemon loads them at its next start. A
 * daemon that runs but cannot be reached is an error: its saved files are never edited behind its back.
 */
async function withDaemonOrLock(opts: SceneOpts, action: 'store' | 'recall', name: string, offline: () => void): Promise<'live' | 'offline'> {
  const { dir } = open(opts);
  let lock;
  try {
    lock = lockStateDir(dir);
  } catch (e) {
    if (!(e instanceof StateDirBusyError)) throw e;
    const rt = readRuntimeFile(dir);
    const who = `faderd${e.pid ? ` (pid ${e.pid})` : ''} is running on ${dir}`;
    if (opts.offline) throw new UsageError(`${who}: --offline would edit its saved files behind its back (it overwrites them); leave out --offline to act on it live`);
    if (!rt?.osc) throw new UsageError(`${who} with OSC off, so it cannot be asked to ${action} a scene; enable osc in its session, or stop it and run this again`);
    const reply = await oscRequest(rt.osc.host, rt.osc.port, [{ address: `/scene/${action}`, args: [{ type: 's', value: name }] }], '/scene/current', 2000);
    if (!reply) throw new UsageError(`${who} but did not answer on OSC ${rt.osc.host}:${rt.osc.port}; nothing was changed`);
    return 'live';
  }
  try {
    offline();
  } finally {
    lock.release();
  }
  return 'offline';
}

const common = (cmd: Command): SceneOpts => cmd.optsWithGlobals() as SceneOpts;

/** `faderd scene list` (options: specs.ts). */
export function sceneList(cmd: Command): void {
  const { scenes } = open(common(cmd));
  const names = scenes.list();
  if (names.length === 0) process.stderr.write(`no scenes in ${scenes.dir}\n`);
  else process.stdout.write(names.join('\n') + '\n');
}

/** `faderd scene store NAME`. */
export async function sceneStore(name: string, cmd: Command): Promise<void> {
  const opts = common(cmd);
  try {
    checkSceneName(name);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const how = await withDaemonOrLock(opts, 'store', name, () => {
    const { state, scenes } = open(opts);
    const r = state.restore();
    const file = scenes.store(name);
    // Say where the mix came from: a saved state, or (none yet) the session's own values.
    const from = r.from ? `saved state ${r.from}` : `the session's values (no saved state in ${state.dir})`;
    process.stdout.write(`stored scene ${name} from ${from}: ${file}\n`);
  });
  if (how === 'live') process.stdout.write(`stored scene ${name} (live)\n`);
}

/** `faderd scene recall NAME`. */
export async function sceneRecall(name: string, cmd: Command): Promise<void> {
  const opts = common(cmd);
  const { scenes, state } = open(opts);
  if (!scenes.list().includes(name)) throw new UsageError(`no scene named ${JSON.stringify(name)} (have: ${scenes.list().join(', ') || 'none'})`);
  const how = await withDaemonOrLock(opts, 'recall', name, () => {
    state.restore();
    const r = scenes.recall(name);
    state.flush();
    for (const w of r.warnings) process.stderr.write(`warning: ${w}\n`);
    process.stdout.write(`recalled scene ${name} into saved state (${r.applied} params): ${state.file}\n`);
  });
  if (how === 'live') process.stdout.write(`recalled scene ${name} (live)\n`);
}

/** `faderd scene rm NAME`. */
export function sceneRemove(name: string, cmd: Command): void {
  const { scenes } = open(common(cmd));
  try {
    scenes.remove(name);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  process.stdout.write(`removed scene ${name}\n`);
}
