import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import { SceneLibrary, parseScene, SceneError } from '../../src/params/scenes.ts';
import type { ParamChange } from '../../src/params/store.ts';
import { ConfigError } from '../../src/util/source-error.ts';
import { makeStore } from '../helpers/store.ts';
import { tempDirs } from '../helpers/temp-dirs.ts';

const tmp = tempDirs('faderd-scenes-');

describe('scenes', () => {
  it('stores a readable file and recalls it as a single batch', () => {
    const dir = tmp();
    const { store } = makeStore();
    const lib = new SceneLibrary(store, dir);
    store.batch([['/ch/1/fader', -5], ['/ch/2/mute', true], ['/ch/3/pan', -0.5]], 'api');
    const file = lib.store('Verse 1');
    expect(fs.readFileSync(file, 'utf8')).toMatch(/^ {2}\/ch\/1\/fader: -5$/m);
    store.batch([['/ch/1/fader', 0], ['/ch/2/mute', false], ['/ch/3/pan', 0], ['/ch/4/fader', -Infinity]], 'api');
    const batches: ParamChange[][] = [];
    store.changes$.subscribe((b) => batches.push([...b]));
    lib.recall('Verse 1');
    const recall = batches.filter((b) => b[0]!.origin === 'scene' && b[0]!.address !== '/scene/current');
    expect(recall).toHaveLength(1);
    expect(recall[0]!.map((c) => c.address).sort()).toEqual(['/ch/1/fader', '/ch/2/mute', '/ch/3/pan', '/ch/4/fader']);
    expect(store.get('/ch/4/fader')).toBe(0);
    expect(store.get('/scene/current')).toBe('Verse 1');
    expect(lib.list()).toEqual(['Verse 1']);
  });

  it('recalls -inf faders from YAML', () => {
    const dir = tmp();
    const { store } = makeStore();
    const lib = new SceneLibrary(store, dir);
    store.set('/ch/1/fader', -Infinity, 'api');
    lib.store('off');
    store.set('/ch/1/fader', 0, 'api');
    lib.recall('off');
    expect(store.get('/ch/1/fader')).toBe(-Infinity);
  });

  it('refuses bad names and missing scenes, and removes scenes', () => {
    const dir = tmp();
    const { store } = makeStore();
    const lib = new SceneLibrary(store, dir);
    expect(() => lib.store('bad\nname')).toThrow(SceneError);
    // Any printable name is allowed; its file stays inside the scenes folder.
    expect(lib.fileOf('../etc/passwd').startsWith(lib.dir + '/')).toBe(true);
    expect(lib.fileOf('../etc/passwd').slice(lib.dir.length + 1)).not.toContain('/');
    expect(() => lib.recall('none')).toThrow(/no scene named "none"/);
    lib.store('a');
    lib.remove('a');
    expect(lib.list()).toEqual([]);
  });

  it('reports a broken scene file with its position', () => {
    expect(() => parseScene('version: 1\nparams: [1, 2]\n', 's.yaml')).toThrow(ConfigError);
    try {
      parseScene('version: 1\nparams: [1, 2]\n', 's.yaml');
    } catch (e) {
      expect((e as ConfigError).issues[0]).toMatchObject({ file: 's.yaml', line: 2, col: 9 });
    }
  });

  it('stores and recalls through the /scene/store and /scene/recall action params', async () => {
    const dir = tmp();
    const { store } = makeStore();
    const lib = new SceneLibrary(store, dir);
    lib.bindActions();
    store.set('/ch/5/fader', -9, 'surface:x');
    store.set('/scene/store', 'chorus', 'surface:x');
    await Promise.resolve();
    expect(lib.list()).toEqual(['chorus']);
    store.set('/ch/5/fader', 3, 'api');
    store.set('/scene/recall', 'chorus', 'surface:x');
    await Promise.resolve();
    expect(store.get('/ch/5/fader')).toBe(-9);
    lib.dispose();
  });
});
