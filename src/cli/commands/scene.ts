import type { Command } from 'commander';
import { ParamRegistry } from '../../params/registry.ts';
import { ParamStore } from '../../params/store.ts';
import { defaultStateDir, StateManager } from '../../params/persistence.ts';
import { checkSceneName, SceneLibrary } from '../../params/scenes.ts';
import { sessionFrom } from '../session-option.ts';
import { oscRequest } from '../daemon-link.ts';
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
 * Store/recall go to the running daemon over OSC when one answers on the session's port; otherwise
 * they act on the saved state file, which the daemon loads at its next start.
 */
async function viaDaemon(opts: SceneOpts, action: 'store' | 'recall', name: string): Promise<boolean> {
  if (opts.offline) return false;
  const { session } = open(opts);
  if (!session.osc.enabled) return false;
  const host = session.osc.host === '0.0.0.0' ? '127.0.0.1' : session.osc.host === '::' ? '::1' : session.osc.host;
  const reply = await oscRequest(host, session.osc.port, [{ address: `/scene/${action}`, args: [{ type: 's', value: name }] }], '/scene/current');
  return reply !== undefined;
}

export function registerScene(program: Command): void {
  const scene = program
    .command('scene')
    .description('List, store, recall and remove scenes (named snapshots of the mix)')
    .option('-s, --session <file>', 'session file (default: the embedded default session)')
    .option('--state-dir <dir>', 'state directory (default: FADERD_STATE_DIR or ~/.local/state/faderd/<session>)')
    .option('--offline', 'act on saved files even if a daemon is running');
  const common = (cmd: Command): SceneOpts => cmd.optsWithGlobals() as SceneOpts;

  scene
    .command('list')
    .description('List stored scenes')
    .action((_o, cmd: Command) => {
      const { scenes, dir } = open(common(cmd));
      const names = scenes.list();
      if (names.length === 0) process.stderr.write(`no scenes in ${scenes.dir}\n`);
      else process.stdout.write(names.join('\n') + '\n');
      void dir;
    });

  scene
    .command('store <name>')
    .description('Store the current mix as a scene (overwrites one of the same name)')
    .action(async (name: string, _o, cmd: Command) => {
      const opts = common(cmd);
      try {
        checkSceneName(name);
      } catch (e) {
        throw new UsageError((e as Error).message);
      }
      if (await viaDaemon(opts, 'store', name)) {
        process.stdout.write(`stored scene ${name} (live)\n`);
        return;
      }
      const { state, scenes } = open(opts);
      const r = state.restore();
      const file = scenes.store(name);
      // Say where the mix came from: a saved state, or (none yet) the session's own values.
      const from = r.from ? `saved state ${r.from}` : `the session's values (no saved state in ${state.dir})`;
      process.stdout.write(`stored scene ${name} from ${from}: ${file}\n`);
    });

  scene
    .command('recall <name>')
    .description('Recall a scene: live when the daemon runs, else into the saved state')
    .action(async (name: string, _o, cmd: Command) => {
      const opts = common(cmd);
      const { scenes, state } = open(opts);
      if (!scenes.list().includes(name)) throw new UsageError(`no scene named ${JSON.stringify(name)} (have: ${scenes.list().join(', ') || 'none'})`);
      if (await viaDaemon(opts, 'recall', name)) {
        process.stdout.write(`recalled scene ${name} (live)\n`);
        return;
      }
      state.restore();
      const r = scenes.recall(name);
      state.flush();
      for (const w of r.warnings) process.stderr.write(`warning: ${w}\n`);
      process.stdout.write(`recalled scene ${name} into saved state (${r.applied} params): ${state.file}\n`);
    });

  scene
    .command('rm <name>')
    .description('Remove a scene file')
    .action((name: string, _o, cmd: Command) => {
      const { scenes } = open(common(cmd));
      try {
        scenes.remove(name);
      } catch (e) {
        throw new UsageError((e as Error).message);
      }
      process.stdout.write(`removed scene ${name}\n`);
    });
}
