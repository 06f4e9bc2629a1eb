/**
 * `faderd run` and `faderd devices` as a user runs them, on a machine with no sound card: a process,
 * its start line, signals and exit codes, and no native chatter on the terminal.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const main = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
/** The installed command's entry: it sizes libuv's pool before anything loads (see bin/faderd.js). */
const bin = fileURLToPath(new URL('../../bin/faderd.js', import.meta.url));
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faderd-run-'));
const env = { ...process.env, HOME: path.join(dir, 'home'), FADERD_STATE_DIR: path.join(dir, 'state'), FADERD_LOG: 'warn', FADERD_LOG_FORMAT: 'pretty' };
delete (env as Record<string, string | undefined>).FADERD_STDIO_FILTERED;
fs.mkdirSync(env.HOME);
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const NOISE = /^(ALSA lib|PortAudio V|Finishing (output|input)|Cannot connect to server|jack server is not running)/m;

describe('faderd run', () => {
  it('comes up on the null clock, says so in one line, and saves state and exits 0 on SIGTERM', async () => {
    const port = 20000 + Math.floor(Math.random() * 20000);
    const child = spawn(process.execPath, [bin, 'run', '--osc-port', String(port)], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    for (let i = 0; i < 1200 && !err.includes('faderd running'); i++) await new Promise((r) => setTimeout(r, 50));
    expect(err).toMatch(new RegExp(`^faderd running: session Default, audio null @ 48000/128, OSC 127\\.0\\.0\\.1:${port}, pid ${child.pid}$`, 'm'));
    await new Promise((r) => setTimeout(r, 500));
    // How fast it stops depends on the machine; that it saves and exits 0 does not.
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(fs.existsSync(path.join(env.FADERD_STATE_DIR, 'state.json'))).toBe(true);
    expect(out + err).not.toMatch(NOISE);
  });

  it('refuses a bad block size as a usage error', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', main, 'run', '--block', '4096'], { env, encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--block must be an integer 64\.\.1024, got "4096"/);
  });
});

describe('faderd devices', () => {
  it('lists audio, MIDI and serial as JSON, without native chatter', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', main, 'devices', '--json'], { env, encoding: 'utf8', timeout: 30_000 });
    expect(r.status).toBe(0);
    const j = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(Object.keys(j)).toEqual(['audio', 'midi', 'serial']);
    expect(Array.isArray(j.audio) || typeof (j.audio as { unavailable?: string }).unavailable === 'string').toBe(true);
    expect(r.stdout + r.stderr).not.toMatch(NOISE);
  });
});
