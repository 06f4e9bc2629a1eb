/**
 * The `faderd` command. The entry file owns exit codes; commands return or throw, never exit.
 *
 * Exit codes: 0 ok, 1 runtime failure, 2 usage error, 3 invalid input file (session, mapping, WAV).
 */
import { Command, CommanderError } from 'commander';
import { ConfigError, formatIssue } from '../util/source-error.ts';
import { ParamError, SceneError } from '../params/errors.ts';
import { UsageError } from './errors.ts';
// Names, options and help only: each command's module loads when it runs (see specs.ts).
import { registerCommands } from './commands/specs.ts';

export const EXIT = { ok: 0, failure: 1, usage: 2, invalid: 3 } as const;

export function buildProgram(): Command {
  const program = new Command('faderd')
    .description('Mixing and mastering daemon with bidirectional control-surface mappings')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerCommands(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return EXIT.ok;
      return EXIT.usage;
    }
    if (e instanceof ConfigError) {
      for (const i of e.issues) process.stderr.write(formatIssue(i) + '\n');
      return EXIT.invalid;
    }
    if (e instanceof UsageError || e instanceof ParamError || e instanceof SceneError) {
      process.stderr.write(`faderd: ${e.message}\n`);
      return EXIT.usage;
    }
    process.stderr.write(`faderd: ${(e as Error).message ?? String(e)}\n`);
    if (process.env.FADERD_DEBUG) process.stderr.write(`${(e as Error).stack}\n`);
    return EXIT.failure;
  }
}

/**
 * A reader that closed the pipe (`faderd params | head -1`) wants no more output: the command ends
 * quietly with the exit code it has so far, instead of an unhandled EPIPE stack trace. The live
 * daemon only stops writing there: a closed log pipe is no reason to stop a show.
 */
export function quietOnClosedPipe(streams: NodeJS.WriteStream[], keepRunning: boolean): void {
  for (const s of streams)
    s.on('error', (e: NodeJS.ErrnoException) => {
      // Writes after the pipe closed fail as a destroyed stream: the same closed pipe.
      if (e.code !== 'EPIPE' && e.code !== 'ERR_STREAM_DESTROYED') throw e;
      if (!keepRunning) process.exit(typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok);
    });
}

const isEntry = import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('src/cli/main.ts');
if (isEntry) {
  quietOnClosedPipe([process.stdout, process.stderr], process.argv[2] === 'run');
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      process.stderr.write(`faderd: ${String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
