/**
 * `--help` of every command, word for word as it was when every command module loaded at start
 * (test/cli/help/*.txt were written from that CLI): the commands' names, options and help now come
 * from a light module and their actions load when run (#20), and a user must not see the difference.
 * The list of commands is the CLI's own, so a command added without its help file fails here too.
 *
 *   FADERD_WRITE_HELP=1 npx vitest run test/cli/help.test.ts   # after a deliberate change to help
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/main.ts';
import { cli } from './run-main.ts';

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'help');

/** Every command's path below `faderd`, the program itself first (`[]`). */
function commandPaths(cmd: Command, prefix: string[] = []): string[][] {
  return [prefix, ...cmd.commands.flatMap((c) => commandPaths(c, [...prefix, c.name()]))];
}

const paths = commandPaths(buildProgram());
const fileOf = (p: string[]): string => path.join(dir, `${['faderd', ...p].join('-')}.txt`);

describe('faderd --help', () => {
  it('every command has its help file and every help file its command', () => {
    const files = fs.readdirSync(dir).filter((f) => f.endsWith('.txt')).sort();
    expect(files).toEqual(paths.map((p) => path.basename(fileOf(p))).sort());
  });

  it.each(paths.map((p) => [p.join(' ') || '(program)', p] as const))('%s --help is unchanged', async (_name, p) => {
    const r = await cli([...p, '--help']);
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    if (process.env.FADERD_WRITE_HELP === '1') fs.writeFileSync(fileOf(p), r.out);
    expect(r.out).toBe(fs.readFileSync(fileOf(p), 'utf8'));
  });

  it('--version and `help <command>` print as before', async () => {
    expect((await cli(['--version'])).out).toBe('0.1.0\n');
    expect((await cli(['help', 'render'])).out).toBe(fs.readFileSync(fileOf(['render']), 'utf8'));
  });
});
