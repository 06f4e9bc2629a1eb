import { vi } from 'vitest';
import { main } from '../../src/cli/main.ts';

/**
 * Runs the CLI in this process, capturing what it writes to stdout and stderr: what the `faderd`
 * entry runs, without a child process's second of start-up (tsx compiling the CLI again) per command.
 * `cwd` runs it from that folder, so relative paths are typed and reported as a user types them
 * (the forks pool gives each test file a process of its own to change directory in). The exit code a
 * command leaves in process.exitCode is taken as its result and cleared, so it never leaks into the
 * next command or the test process.
 */
export async function cli(args: string[], opts: { cwd?: string } = {}): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
  const home = process.cwd();
  process.exitCode = undefined;
  try {
    if (opts.cwd) process.chdir(opts.cwd);
    return { code: await main(args), out, err };
  } finally {
    process.chdir(home);
    process.exitCode = undefined;
    o.mockRestore();
    e.mockRestore();
  }
}
