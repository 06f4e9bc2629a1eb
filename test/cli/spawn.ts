import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The repository root, where `src/cli/main.ts` lives. */
export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const main = path.join(root, 'src', 'cli', 'main.ts');
/** tsx by its full URL: the commands run in temporary folders, where `--import tsx` would not resolve. */
const tsx = pathToFileURL(path.join(root, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;

export interface Ran {
  code: number | null;
  out: string;
  err: string;
}

/** Runs `faderd ARGS...` as a user types it: a child process through tsx, in `cwd`. */
export function faderd(args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}): Ran {
  const r = spawnSync(process.execPath, ['--import', tsx, main, ...args], {
    cwd: opts.cwd ?? root,
    encoding: 'utf8',
    env: { ...process.env, FADERD_DEBUG: '', ...opts.env },
    timeout: 200_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/**
 * Runs `faderd ARGS... | READER` through bash, so the pipe closes as it does in a terminal; `faderdCode`
 * is faderd's own exit code (bash's PIPESTATUS), not the reader's.
 */
export function faderdPiped(args: string[], reader: string, opts: { cwd?: string } = {}): Promise<Ran & { faderdCode: number | null }> {
  const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const line = `${[process.execPath, '--import', tsx, main, ...args].map(quote).join(' ')} | ${reader}; echo "faderd-exit:\${PIPESTATUS[0]}" >&2`;
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', line], { cwd: opts.cwd ?? root, env: { ...process.env, FADERD_DEBUG: '' } });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const m = /faderd-exit:(\d+)\n?/.exec(err);
      resolve({ code, out, err: err.replace(/faderd-exit:\d+\n?/, ''), faderdCode: m ? Number(m[1]) : null });
    });
  });
}

/**
 * Runs `faderd ARGS...` on a pseudo-terminal (util-linux `script`), as in an interactive shell:
 * stdout and stderr both arrive in `out`, with the terminal's CR LF line ends.
 */
export function faderdOnTerminal(args: string[], opts: { cwd?: string } = {}): Ran {
  const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const line = [process.execPath, '--import', tsx, main, ...args].map(quote).join(' ');
  const r = spawnSync('script', ['-qec', line, '/dev/null'], { cwd: opts.cwd ?? root, encoding: 'utf8', env: { ...process.env, FADERD_DEBUG: '' }, timeout: 200_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}
