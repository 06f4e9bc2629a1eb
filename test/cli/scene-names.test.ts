/**
 * #23 item 10, as a user types it: any printable Unicode scene name is stored, listed, recalled and
 * removed under the name typed, while its file name stays ASCII and inside the scenes folder.
 *
 * Most commands run through the CLI's main() in this process (what the entry runs, without a second
 * of child start-up per command); a real child process where the process is the point: names passed
 * as argv bytes and listed on stdout, and a refusal's exit code.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { checkSceneName, sceneFileStem, sceneNameOfFile } from '../../src/params/scenes.ts';
import { faderd } from './spawn.ts';
import { cli } from './run-main.ts';

// Each test starts faderd as child processes; on a loaded machine that takes its time.
vi.setConfig({ testTimeout: 240_000, hookTimeout: 60_000 });

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faderd-scene-names-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const SCENE = ['scene', '--offline', '--state-dir', 'state'];
/** `faderd scene ARGS...` typed in the test's folder, in this process. */
const scene = (...args: string[]) => cli([...SCENE, ...args], { cwd: dir });
/** The same as a child process: argv and stdout through the operating system. */
const sceneChild = (...args: string[]) => faderd([...SCENE, ...args], { cwd: dir });
const NAMES = ['Chorus é', 'Refrain — 2', 'サビ', '../../etc/passwd', '.hidden', 'Intro 🎸', 'a%20b', 'Verse 1'];

describe('Unicode scene names', () => {
  it('store, list, recall and rm round-trip every name', async () => {
    for (const n of NAMES) {
      // One name (a 4-byte character) goes in through a child's argv; the list comes out on a child's stdout.
      const r = n === 'Intro 🎸' ? sceneChild('store', n) : await scene('store', n);
      expect(r.err).toBe('');
      expect(r.code, n).toBe(0);
      expect(r.out).toContain(`stored scene ${n}`);
    }
    const list = sceneChild('list');
    expect(list.code).toBe(0);
    expect(list.out.trim().split('\n').sort()).toEqual([...NAMES].sort());
    // Every file is a plain ASCII name inside the scenes folder; nothing escaped it.
    const files = fs.readdirSync(path.join(dir, 'state', 'scenes'));
    expect(files).toHaveLength(NAMES.length);
    for (const f of files) expect(f).toMatch(/^[A-Za-z0-9 _+%-][A-Za-z0-9 _+.%-]*\.yaml$/);
    expect(files).toContain('Chorus %C3%A9.yaml');
    expect(files).toContain('Verse 1.yaml');
    expect(fs.readdirSync(dir).sort()).toEqual(['state']);
    const rec = await scene('recall', 'Chorus é');
    expect(rec.code).toBe(0);
    expect(rec.out).toContain('recalled scene Chorus é');
    expect((await scene('rm', 'サビ')).code).toBe(0);
    expect((await scene('list')).out).not.toContain('サビ');
  });

  it('refuses control characters and over-long names, as a usage error', async () => {
    for (const bad of ['tab\there', 'line\nbreak', '', '   ', 'x'.repeat(65)]) {
      const r = bad === 'tab\there' ? sceneChild('store', bad) : await scene('store', bad);
      expect(r.code, JSON.stringify(bad)).toBe(2);
      expect(r.err).toMatch(/^faderd: invalid scene name /);
    }
    const long = await scene('store', '🎸'.repeat(25));
    expect(long.code).toBe(2);
    expect(long.err).toContain('too long for a file name');
  });

  it('names and file names map one to one', () => {
    for (const n of NAMES) expect(sceneNameOfFile(sceneFileStem(checkSceneName(n)))).toBe(n);
    // The same letter typed precomposed or decomposed is one scene.
    expect(checkSceneName('Chorus e\u0301')).toBe('Chorus é');
  });
});
