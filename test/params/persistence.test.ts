import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { StateManager, parseStateText, defaultStateDir } from '../../src/params/persistence.ts';
import { parseSession } from '../../src/params/session.ts';
import { makeStore } from '../helpers/store.ts';
import { tempDirs } from '../helpers/temp-dirs.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const tmp = tempDirs('faderd-state-');

describe('state persistence', () => {
  it('saves and restores the mix, -inf included', () => {
    const dir = tmp();
    const a = makeStore().store;
    a.batch([['/ch/1/fader', -Infinity], ['/ch/2/pan', 0.25], ['/ch/3/name', 'Bass DI'], ['/ch/1/eq/2/type', 'notch']], 'api');
    new StateManager(a, dir).flush();
    const b = makeStore().store;
    const r = new StateManager(b, dir).restore();
    expect(r.warnings).toEqual([]);
    expect(b.get('/ch/1/fader')).toBe(-Infinity);
    expect(b.get('/ch/2/pan')).toBe(0.25);
    expect(b.get('/ch/3/name')).toBe('Bass DI');
    expect(b.get('/ch/1/eq/2/type')).toBe('notch');
  });

  it('autosaves at most autosaveMs after a change, and flushes pending changes on stop', async () => {
    const dir = tmp();
    const { store } = makeStore();
    const sm = new StateManager(store, dir, { autosaveMs: 50 });
    sm.start();
    store.set('/ch/1/fader', -12, 'api');
    store.set('/ch/1/meter/peak', -3, 'engine', { internal: true });
    expect(fs.existsSync(sm.file)).toBe(false);
    await new Promise((r) => setTimeout(r, 150));
    expect(sm.saves).toBe(1);
    expect(parseStateText(fs.readFileSync(sm.file, 'utf8')).params['/ch/1/fader']).toBe(-12);
    store.set('/ch/1/fader', -13, 'api');
    sm.stop();
    expect(parseStateText(fs.readFileSync(sm.file, 'utf8')).params['/ch/1/fader']).toBe(-13);
  });

  it('does not save for meter-only changes', async () => {
    const dir = tmp();
    const { store } = makeStore();
    const sm = new StateManager(store, dir, { autosaveMs: 20 });
    sm.start();
    store.set('/ch/1/meter/peak', -3, 'engine', { internal: true });
    await new Promise((r) => setTimeout(r, 60));
    sm.stop();
    expect(sm.saves).toBe(0);
  });

  it('sets a truncated state file aside and uses the last good copy', () => {
    const dir = tmp();
    const { store } = makeStore();
    const sm = new StateManager(store, dir);
    store.set('/ch/1/fader', -20, 'api');
    sm.flush();
    store.set('/ch/1/fader', -30, 'api');
    sm.flush(); // .bak now holds -20
    const text = fs.readFileSync(sm.file, 'utf8');
    fs.writeFileSync(sm.file, text.slice(0, text.length / 2));
    const b = makeStore().store;
    const r = new StateManager(b, dir).restore();
    expect(r.from).toBe(`${sm.file}.bak`);
    expect(r.warnings[0]).toMatch(/state\.json is unusable \(not valid JSON .*\); moved it to .*state\.json\.corrupt-/);
    expect(r.warnings[1]).toMatch(/restored the last good copy .*state\.json\.bak \(saved \d{4}-/);
    expect(b.get('/ch/1/fader')).toBe(-20);
    expect(fs.readdirSync(dir).some((f) => f.startsWith('state.json.corrupt-'))).toBe(true);
  });

  it('brings /scene/current back after a restart', () => {
    const dir = tmp();
    const { store } = makeStore();
    store.set('/scene/current', 'Verse', 'scene', { internal: true });
    new StateManager(store, dir).flush();
    const b = makeStore().store;
    new StateManager(b, dir).restore();
    expect(b.get('/scene/current')).toBe('Verse');
  });

  it('skips hand-edited entries that are wrong, keeping the rest', () => {
    const dir = tmp();
    fs.writeFileSync(
      path.join(dir, 'state.json'),
      JSON.stringify({ format: 'faderd-state', version: 1, params: { '/ch/1/fader': 'loud', '/ch/99/fader': 0, '/ch/2/fader': -7, '/ch/1/meter/peak': 0 } }),
    );
    const { store } = makeStore();
    const r = new StateManager(store, dir).restore();
    expect(store.get('/ch/2/fader')).toBe(-7);
    expect(store.get('/ch/1/fader')).toBe(0);
    expect(r.warnings).toHaveLength(3);
    expect(r.warnings.join('\n')).toMatch(/skipped \/ch\/1\/fader: \/ch\/1\/fader takes a number in dB, got "loud"/);
    expect(r.warnings.join('\n')).toMatch(/skipped unknown param \/ch\/99\/fader/);
  });

  it('refuses a state file from a newer faderd and starts from defaults', () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, 'state.json'), JSON.stringify({ format: 'faderd-state', version: 9, params: {} }));
    const { store } = makeStore();
    const r = new StateManager(store, dir).restore();
    expect(r.restored).toBe(0);
    expect(r.warnings[0]).toMatch(/version 9 is newer than this faderd understands/);
  });

  it('picks a state dir from FADERD_STATE_DIR, the session, or XDG', () => {
    const s = parseSession('name: My Show\nstate: { dir: st }\n', '/x/show.yaml');
    const old = process.env.FADERD_STATE_DIR;
    delete process.env.FADERD_STATE_DIR;
    expect(defaultStateDir(s)).toBe('/x/st');
    const s2 = parseSession('name: My Show\n', '/x/show.yaml');
    expect(defaultStateDir(s2)).toMatch(/faderd\/my-show$/);
    process.env.FADERD_STATE_DIR = '/tmp/zz';
    expect(defaultStateDir(s2)).toBe('/tmp/zz');
    if (old === undefined) delete process.env.FADERD_STATE_DIR;
    else process.env.FADERD_STATE_DIR = old;
  });

  it('always leaves a parseable state on disk when killed with SIGKILL mid-save', async () => {
    for (let round = 0; round < 4; round++) {
      const dir = tmp();
      const child = spawn(process.execPath, ['--import', 'tsx', path.join(here, 'fixtures', 'save-loop.ts'), dir], { stdio: ['ignore', 'pipe', 'inherit'] });
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
        child.on('exit', (c) => reject(new Error(`save loop exited early (${c})`)));
      });
      await new Promise((r) => setTimeout(r, 20 + Math.random() * 200));
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      const { store } = makeStore();
      const r = new StateManager(store, dir).restore();
      expect(r.warnings.filter((w) => w.includes('unusable'))).toEqual([]);
      expect(r.restored).toBeGreaterThan(600);
      expect(String(store.get('/ch/1/name'))).toMatch(/^take \d+$/);
    }
  });
});
