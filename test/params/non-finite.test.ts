/** Non-finite and absurd numbers from files (issue #14): state, scenes and session params refuse them. */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ParamRegistry } from '../../src/params/registry.ts';
import { ParamStore } from '../../src/params/store.ts';
import { defaultSession } from '../../src/params/session.ts';
import { applyValues, parseStateText } from '../../src/params/persistence.ts';
import { SceneLibrary } from '../../src/params/scenes.ts';
import { tempDirs } from '../helpers/temp-dirs.ts';

const tempDir = tempDirs('faderd-nonfinite-');

const makeStore = () => new ParamStore(ParamRegistry.fromSession(defaultSession()));

describe('numbers from files', () => {
  it('a state file with 1e308 or 1e999 leaves the fader where it is, with a warning naming it', () => {
    const store = makeStore();
    const { params } = parseStateText('{"format":"faderd-state","version":1,"params":{"/master/fader":1e308,"/ch/1/fader":1e999,"/ch/2/fader":-6,"/ch/3/fader":"-inf"}}');
    const r = applyValues(store, params, 'state', 'state.json');
    expect(store.get('/master/fader')).toBe(0);
    expect(store.get('/ch/1/fader')).toBe(0);
    expect(store.get('/ch/2/fader')).toBe(-6);
    expect(store.get('/ch/3/fader')).toBe(-Infinity);
    expect(r.warnings.join('\n')).toMatch(/state\.json: skipped \/master\/fader: .*must be within/);
    expect(r.warnings.join('\n')).toMatch(/state\.json: skipped \/ch\/1\/fader: .*finite number/);
  });

  it('a scene with .inf and .nan is recalled without them', () => {
    const store = makeStore();
    const dir = tempDir();
    const lib = new SceneLibrary(store, dir);
    fs.mkdirSync(lib.dir, { recursive: true });
    fs.writeFileSync(path.join(lib.dir, 'evil.yaml'), 'version: 1\nname: evil\nparams:\n  /master/fader: .inf\n  /ch/1/pan: .nan\n  /ch/1/fader: -3\n');
    const { warnings } = lib.recall('evil');
    expect(store.get('/master/fader')).toBe(0);
    expect(store.get('/ch/1/pan')).toBe(0);
    expect(store.get('/ch/1/fader')).toBe(-3);
    expect(warnings).toHaveLength(2);
  });
});
