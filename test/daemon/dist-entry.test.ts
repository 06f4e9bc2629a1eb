/**
 * The built entry (scripts/build-dist.mjs, run at install): `bin/faderd.js run` runs dist/ with no
 * TypeScript loader in any thread, and runs src/ through tsx again as soon as a source file is newer
 * than the build. The check is on processes: tsx's loader runs esbuild as a child process, in
 * whichever thread loads TypeScript, so a daemon from dist/ has no child at all.
 *
 * It works on a copy of the project (sources copied, packages and data linked), so building and
 * touching sources here cannot disturb other tests running bin/faderd.js from the worktree.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { freeUdpPort, queryOsc, ROOT } from '../reliability/daemon-process.ts';
import { ENGINE_MODULES } from '../../src/servers/http/assets.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faderd-dist-'));
const copy = path.join(dir, 'faderd');
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  fs.rmSync(dir, { recursive: true, force: true });
});

fs.mkdirSync(path.join(copy, 'scripts'), { recursive: true });
fs.cpSync(path.join(ROOT, 'src'), path.join(copy, 'src'), { recursive: true });
fs.cpSync(path.join(ROOT, 'bin'), path.join(copy, 'bin'), { recursive: true });
fs.copyFileSync(path.join(ROOT, 'scripts', 'build-dist.mjs'), path.join(copy, 'scripts', 'build-dist.mjs'));
fs.copyFileSync(path.join(ROOT, 'package.json'), path.join(copy, 'package.json'));
for (const d of ['node_modules', 'mappings', 'web', 'native']) fs.symlinkSync(path.join(ROOT, d), path.join(copy, d));
const session = path.join(dir, 'session.yaml');
fs.writeFileSync(session, 'name: dist\nx32: { enabled: false }\n');

/** The processes whose parent is `pid`: their command lines. */
function childrenOf(pid: number): string[] {
  const r = spawnSync('ps', ['-o', 'args=', '--ppid', String(pid)], { encoding: 'utf8' });
  return r.stdout.split('\n').filter((l) => l.trim() !== '');
}

/** `faderd run` from the copy, until it answers with blocks rendered; returns its children then. */
async function runOnce(name: string): Promise<{ children: string[]; out: string }> {
  const port = await freeUdpPort();
  const child = spawn(process.execPath, [path.join(copy, 'bin', 'faderd.js'), 'run', '-a', 'null', '-s', session, '--osc-port', String(port), '--state-dir', path.join(dir, name), '--no-http'], {
    cwd: dir,
    env: { ...process.env, FADERD_LOG: 'warn', FADERD_LOG_FORMAT: 'pretty', FADERD_FROM_SOURCE: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise((r) => child.on('exit', r));
  try {
    const until = Date.now() + 60_000;
    while (!/faderd running: /.test(out)) {
      if (child.exitCode !== null || Date.now() > until) throw new Error(`no start line in:\n${out}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    // The engine worker is up and rendering (its blocks reach the status params).
    let blocks = 0;
    while (blocks === 0 && Date.now() < until) blocks = Number((await queryOsc(port, ['/status/blocks'], 5000)).get('/status/blocks') ?? 0);
    expect(blocks).toBeGreaterThan(0);
    return { children: childrenOf(child.pid!), out };
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

describe('bin/faderd.js and dist/', () => {
  it('the build writes every module and the web mixer engine modules', async () => {
    const r = spawnSync(process.execPath, [path.join(copy, 'scripts', 'build-dist.mjs')], { cwd: copy, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(fs.existsSync(path.join(copy, 'dist', 'cli', 'main.js'))).toBe(true);
    expect(fs.existsSync(path.join(copy, 'dist', 'engine', 'worker', 'engine-worker.js'))).toBe(true);
    // Workers and lazily imported modules are named by URL: they must name the built files.
    expect(fs.readFileSync(path.join(copy, 'dist', 'engine', 'worker', 'host.js'), 'utf8')).toContain('new URL("./engine-worker.js", import.meta.url)');
    const { WEB_LIB } = (await import(pathToFileURL(path.join(ROOT, 'scripts', 'build-dist.mjs')).href)) as { WEB_LIB: string[] };
    expect(WEB_LIB).toEqual(ENGINE_MODULES);
    for (const rel of ENGINE_MODULES) expect(fs.existsSync(path.join(copy, 'dist', 'web-lib', rel))).toBe(true);
    expect(spawnSync(process.execPath, [path.join(copy, 'scripts', 'build-dist.mjs'), '--check']).status).toBe(0);
  }, 60_000);

  it('runs dist/ without a TypeScript loader in any thread, and src/ through tsx once a source is newer', async () => {
    const built = await runOnce('built');
    expect(built.children).toEqual([]);
    // A source edited after the build: the daemon must not run the stale dist/.
    const later = new Date(Date.now() + 5000);
    fs.utimesSync(path.join(copy, 'src', 'engine', 'worker', 'runner.ts'), later, later);
    expect(spawnSync(process.execPath, [path.join(copy, 'scripts', 'build-dist.mjs'), '--check']).status).toBe(1);
    const source = await runOnce('source');
    expect(source.children.some((c) => /esbuild --service/.test(c))).toBe(true);
  }, 150_000);
});
