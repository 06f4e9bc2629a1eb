/**
 * Every command as the user sees it: name, arguments, options and help, registered at start from
 * this light module. Each action loads its command's module only when that command runs (#20):
 * `faderd --version`, `loudness` or `render` never load the daemon, servers, surfaces, native
 * addons or web bundler that `run` needs, which a Node process would otherwise carry for its whole
 * life (tens of MB of peak RSS on a render or a measurement).
 *
 * The imports are `import()` of relative paths, so the build (scripts/build-dist.mjs, one output file
 * per source file) keeps them as separate modules loaded on demand. test/cli/help.test.ts holds every
 * command's --help word for word; test/cli/lazy-commands.test.ts checks what each command loads.
 */
import type { Command } from 'commander';

/** `faderd params`: the whole address space, the reference mapping authors read. */
function registerParams(program: Command): void {
  program
    .command('params')
    .description('List every param address with its unit, range, default and taper')
    .option('-s, --session <file>', 'session file (default: the embedded default session)')
    .option('-f, --filter <pattern>', 'only addresses matching an OSC pattern, e.g. "/ch/1/*" or "/ch/*/fader"')
    .option('--json', 'print JSON instead of a table (numbers as numbers; -inf as the string "-inf")')
    .action(async (opts) => (await import('./params.ts')).params(opts));
}

function registerScene(program: Command): void {
  const scene = program
    .command('scene')
    .description('List, store, recall and remove scenes (named snapshots of the mix)')
    .option('-s, --session <file>', 'session file (default: the embedded default session)')
    .option('--state-dir <dir>', 'state directory (default: FADERD_STATE_DIR or ~/.local/state/faderd/<session>)')
    .option('--offline', 'act on the saved files only (refused while a daemon runs on the state dir)');

  scene
    .command('list')
    .description('List stored scenes')
    .action(async (_o, cmd: Command) => (await import('./scene.ts')).sceneList(cmd));
  scene
    .command('store <name>')
    .description('Store the current mix as a scene (overwrites one of the same name)')
    .action(async (name: string, _o, cmd: Command) => (await import('./scene.ts')).sceneStore(name, cmd));
  scene
    .command('recall <name>')
    .description('Recall a scene: live when the daemon runs, else into the saved state')
    .action(async (name: string, _o, cmd: Command) => (await import('./scene.ts')).sceneRecall(name, cmd));
  scene
    .command('rm <name>')
    .description('Remove a scene file')
    .action(async (name: string, _o, cmd: Command) => (await import('./scene.ts')).sceneRemove(name, cmd));
}

/** `faderd check FILE...`: validate sessions and mappings, every error in one run (exit 3 if any). */
function registerCheck(program: Command): void {
  program
    .command('check')
    .description('Validate session and mapping files; prints every problem as file:line:col: message')
    .argument('<files...>', 'session or mapping YAML files (the kind is detected; force it with --session/--mapping)')
    .option('--session', 'treat every file as a session')
    .option('--mapping', 'treat every file as a mapping')
    .option('--stems', 'also check that the WAV stems a session names exist')
    .action(async (files: string[], opts) => (await import('./check.ts')).check(files, opts));
}

function registerRender(program: Command): void {
  program
    .command('render')
    .description("Render a session's WAV stems through the engine to a stereo mix")
    .argument('<session>', 'session file whose channels name their stems (file: …)')
    .option('-o, --output <file>', 'output WAV (default: <session name>.wav in the current directory)')
    .option('--json', 'print a JSON summary (peak, duration, time taken) on stdout')
    .option('--bits <depth>', 'output sample format: 16, 24, 32 (integer) or 32f (float); destinations set their own', '24')
    .option('--state <file>', 'a faderd state file whose values apply after the session params')
    .option('--scene <file>', 'a scene file whose values apply after the session params (and state)')
    .option('--tail <ms>', 'cap on the reverb/delay tail after the stems end; the render ends when every tail is below -90 dBFS (default 30000)')
    .option('--block <frames>', 'engine block size (default: the session audio.blockSize)')
    .option(
      '--for <destinations>',
      'deliver for destinations (e.g. spotify,cd,ebu-r128 or custom:-18:-1.5); -o names a directory (an existing one, or a name ending in /), or the file of a single destination',
    )
    .option('--replace-non-finite', 'replace NaN/Inf stem samples with silence (and warn) instead of refusing the stem')
    .action(async (sessionFile: string, opts) => (await import('./render.ts')).render(sessionFile, opts));
}

function registerRun(program: Command): void {
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
    .action(async (opts) => (await import('./run.ts')).run(opts));
}

/** `faderd devices`: audio interfaces, MIDI ports and serial ports, as a user would pick them. */
function registerDevices(program: Command): void {
  program
    .command('devices')
    .description('List audio devices, MIDI ports and serial ports')
    .option('--json', 'print JSON')
    .action(async (opts) => (await import('./devices.ts')).devices(opts));
}

function registerLoudness(program: Command): void {
  program
    .command('loudness')
    .description('Measure WAV files per ITU-R BS.1770 / EBU R 128: integrated, LRA, true peak, short-term max, PLR')
    .argument('<files...>', 'WAV files')
    .option('--json', 'print JSON instead of a table (a figure the file cannot have is null, with the reason under "missing")')
    .action(async (files: string[], opts) => (await import('./loudness.ts')).loudness(files, opts));
}

/** Registers every command, in the order `faderd --help` lists them. */
export function registerCommands(program: Command): void {
  registerParams(program);
  registerScene(program);
  registerCheck(program);
  registerRender(program);
  registerRun(program);
  registerDevices(program);
  registerLoudness(program);
}
