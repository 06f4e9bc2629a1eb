/**
 * #23 item 12, as a user lives it: `faderd run` with a tablet mapping; the mapping is saved broken
 * (refused, the old one keeps running, a warning says so), then corrected: a line says the corrected
 * file is loaded, at the level the refusal was shown, so it shows by default.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { root } from './spawn.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faderd-mapping-reload-'));
let child: ChildProcess | undefined;
afterAll(() => {
  child?.kill('SIGKILL');
  fs.rmSync(dir, { recursive: true, force: true });
});

const mapping = (target: string) => `version: 1\nsurface: { transport: osc, port: 9100 }\nbindings:\n  - source: { osc: /1/fader1, args: f }\n    target: ${target}\n`;

describe('faderd run and a mapping fixed while it runs', () => {
  it('says the corrected mapping is loaded', async () => {
    const port = 20000 + Math.floor(Math.random() * 20000);
    fs.writeFileSync(path.join(dir, 'tablet.yaml'), mapping('/ch/1/fader'));
    fs.writeFileSync(
      path.join(dir, 'show.yaml'),
      `name: show\nchannels: 2\nbuses: 0\nosc: { enabled: false }\nx32: { enabled: false }\nhttp: { enabled: false }\naudio: { backend: 'null' }\nautoSurfaces: false\nsurfaces:\n  - { mapping: tablet.yaml, id: tab, device: { port: ${port} } }\n`,
    );
    // The default log level, as a user has it.
    const env: NodeJS.ProcessEnv = { ...process.env, FADERD_DEBUG: '' };
    delete env.FADERD_LOG;
    const tsx = pathToFileURL(path.join(root, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
    child = spawn(process.execPath, ['--import', tsx, path.join(root, 'src', 'cli', 'main.ts'), 'run', '-s', 'show.yaml', '--audio', 'null', '--no-http', '--state-dir', 'state'], {
      cwd: dir,
      env,
    });
    let all = '';
    child.stdout!.on('data', (d) => (all += d));
    child.stderr!.on('data', (d) => (all += d));
    let exited = false;
    child.on('exit', () => (exited = true));
    const waitFor = async (re: RegExp, from = 0): Promise<void> => {
      for (let i = 0; i < 1200 && !exited && !re.test(all.slice(from)); i++) await new Promise((r) => setTimeout(r, 100));
      expect(all.slice(from)).toMatch(re);
    };
    await waitFor(/faderd running/);
    const atBroken = all.length;
    fs.writeFileSync(path.join(dir, 'tablet.yaml'), mapping('/ch/1/mutte'));
    await waitFor(/mapping refused; the previous one keeps running/, atBroken);
    const atFixed = all.length;
    fs.writeFileSync(path.join(dir, 'tablet.yaml'), mapping('/ch/2/fader'));
    await waitFor(/mapping corrected: the new file is loaded and running/, atFixed);
    expect(all.slice(atFixed)).toContain('tablet.yaml');
    child.kill('SIGTERM');
    await new Promise((r) => child!.once('exit', r));
  }, 400_000);
});
