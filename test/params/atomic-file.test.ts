/**
 * Saves under real faults: a short write, a full disk (injected, and a tiny tmpfs filled to the brim
 * when running as root), a truncated current file. The previous scene and state must survive intact
 * and recall completely, and the error must name the file and the reason.
 */
import { afterEach, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { AtomicWriteError, io, writeFileAtomic } from '../../src/params/atomic-file.ts';
import { StateManager, parseStateText } from '../../src/params/persistence.ts';
import { SceneLibrary, parseScene } from '../../src/params/scenes.ts';
import { makeStore } from '../helpers/store.ts';
import { tempDirs } from '../helpers/temp-dirs.ts';

const tmp = tempDirs('faderd-atomic-');
const realWrite = io.writeSync;
afterEach(() => {
  io.writeSync = realWrite;
});

/** A mix with `level` on every one of the first 8 faders. */
function mix(level: number) {
  const { store } = makeStore();
  store.batch(Array.from({ length: 8 }, (_, i) => [`/ch/${i + 1}/fader`, level] as [string, number]), 'api');
  return store;
}

/** Stores a scene twice and saves state twice with `fault` armed for the second round; checks what survives. */
function storeTwiceUnder(dir: string, arm: () => void, disarm: () => void): void {
  const a = mix(-6);
  const scenes = new SceneLibrary(a, dir);
  const state = new StateManager(a, dir);
  scenes.store('Verse');
  state.flush();
  const sceneText = fs.readFileSync(scenes.fileOf('Verse'), 'utf8');
  const stateText = fs.readFileSync(state.file, 'utf8');

  a.batch(Array.from({ length: 8 }, (_, i) => [`/ch/${i + 1}/fader`, -20] as [string, number]), 'api');
  arm();
  try {
    expect(() => scenes.store('Verse')).toThrow(AtomicWriteError);
    expect(() => scenes.store('Verse')).toThrow(/cannot save .*scenes\/Verse\.yaml: .*; the previous file is untouched/);
    expect(() => state.flush()).toThrow(/cannot save .*state\.json: .*; the previous file is untouched/);
  } finally {
    disarm();
  }
  expect(fs.readFileSync(scenes.fileOf('Verse'), 'utf8')).toBe(sceneText);
  expect(fs.readFileSync(state.file, 'utf8')).toBe(stateText);
  expect(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);

  // Recall is complete: every fader comes back from the previous scene and the previous state.
  const b = makeStore().store;
  new SceneLibrary(b, dir).recall('Verse');
  for (let i = 1; i <= 8; i++) expect(b.get(`/ch/${i}/fader`)).toBe(-6);
  const c = makeStore().store;
  expect(new StateManager(c, dir).restore().from).toBe(state.file);
  for (let i = 1; i <= 8; i++) expect(c.get(`/ch/${i}/fader`)).toBe(-6);
}

describe('writes that cannot corrupt', () => {
  it('a short write (a few bytes, then no progress) leaves the previous scene and state intact', () => {
    let budget = 0;
    storeTwiceUnder(
      tmp(),
      () => {
        io.writeSync = (fd, buf, off, len) => {
          // Each attempt gets 100 bytes through, then the disk takes no more.
          if (budget <= 0) {
            budget = 100;
            return 0;
          }
          const n = Math.min(len, budget);
          budget -= n;
          return realWrite(fd, buf, off, n);
        };
      },
      () => (io.writeSync = realWrite),
    );
  });

  it('a full disk (ENOSPC) leaves the previous scene and state intact and says so', () => {
    storeTwiceUnder(
      tmp(),
      () => {
        io.writeSync = () => {
          throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
        };
      },
      () => (io.writeSync = realWrite),
    );
    expect(() => {
      io.writeSync = () => {
        throw Object.assign(new Error('ENOSPC'), { code: 'ENOSPC' });
      };
      writeFileAtomic(path.join(tmp(), 'x.json'), '{}');
    }).toThrow(/no space left on the device \(ENOSPC\)/);
  });

  it('continues short writes that make progress, and writes the whole file', () => {
    const dir = tmp();
    io.writeSync = (fd, buf, off, len) => realWrite(fd, buf, off, Math.min(len, 7));
    const text = 'x'.repeat(10_000);
    writeFileAtomic(path.join(dir, 'f'), text);
    expect(fs.readFileSync(path.join(dir, 'f'), 'utf8')).toBe(text);
  });

  it('never rotates a truncated current file over the good .bak, and keeps a last good scene copy', () => {
    const dir = tmp();
    const store = mix(-3);
    const state = new StateManager(store, dir);
    state.flush();
    store.set('/ch/1/fader', -4, 'api');
    state.flush(); // .bak holds -3
    const bak = fs.readFileSync(`${state.file}.bak`, 'utf8');
    fs.writeFileSync(state.file, fs.readFileSync(state.file, 'utf8').slice(0, 40));
    store.set('/ch/1/fader', -5, 'api');
    state.flush();
    expect(fs.readFileSync(`${state.file}.bak`, 'utf8')).toBe(bak);
    expect(parseStateText(fs.readFileSync(state.file, 'utf8')).params['/ch/1/fader']).toBe(-5);

    const scenes = new SceneLibrary(store, dir);
    scenes.store('Chorus');
    store.set('/ch/1/fader', -9, 'api');
    scenes.store('Chorus');
    expect(parseScene(fs.readFileSync(`${scenes.fileOf('Chorus')}.bak`, 'utf8'), 'bak').params['/ch/1/fader']).toBe(-5);
    expect(scenes.list()).toEqual(['Chorus']);
    // A scene file broken by hand (or by an older faderd) recalls from its last good copy, with a warning.
    fs.writeFileSync(scenes.fileOf('Chorus'), 'version: 1\nparams: [');
    const r = scenes.recall('Chorus');
    expect(r.warnings[0]).toMatch(/Chorus\.yaml is unusable .*recalled its last good copy .*Chorus\.yaml\.bak/);
    expect(store.get('/ch/1/fader')).toBe(-5);
  });

  it('refuses data that does not parse back before touching the file', () => {
    const dir = tmp();
    const file = path.join(dir, 'state.json');
    fs.writeFileSync(file, 'good');
    expect(() => writeFileAtomic(file, '{', { keepBackup: true, validate: (t) => void JSON.parse(t) })).toThrow(/cannot save .*state\.json: .*JSON/);
    expect(fs.readFileSync(file, 'utf8')).toBe('good');
    expect(fs.existsSync(`${file}.bak`)).toBe(false);
  });
});

const root = process.getuid?.() === 0;
describe.runIf(root)('on a tmpfs filled to the brim', () => {
  it('storing a scene twice and saving state: the previous ones survive and recall completely', () => {
    const mnt = fs.mkdtempSync(path.join(os.tmpdir(), 'faderd-brim-'));
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', mnt]);
    } catch {
      fs.rmdirSync(mnt);
      return; // No mount rights in this container: the injected faults above cover the logic.
    }
    try {
      const dir = path.join(mnt, 'state');
      storeTwiceUnder(
        dir,
        () => {
          // Fill the disk: one big file, then single bytes until not even one fits.
          const fd = fs.openSync(path.join(mnt, 'filler'), 'w');
          const chunk = Buffer.alloc(4096, 1);
          try {
            for (;;) fs.writeSync(fd, chunk);
          } catch {
            // Full to the page.
          }
          try {
            for (;;) fs.writeSync(fd, chunk, 0, 1);
          } catch {
            // Full to the byte.
          }
          fs.closeSync(fd);
        },
        () => fs.rmSync(path.join(mnt, 'filler')),
      );
    } finally {
      execFileSync('umount', [mnt]);
      fs.rmdirSync(mnt);
    }
  });
});
