/**
 * Files the daemon reads (issue #14, item 8): a FIFO must not block the main thread, a symlink to
 * /dev/zero must not eat memory, an oversized file is refused with its name and size.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FILE_LIMITS, readRegularText } from '../../src/util/read-file.ts';
import { loadSession } from '../../src/params/session.ts';
import { loadMapping } from '../../src/mapping/file/load.ts';
import { readWav, WavReader } from '../../src/audio/file/wav.ts';
import { checkFile } from '../../src/cli/commands/check.ts';
import { ParamRegistry } from '../../src/params/registry.ts';
import { ParamStore } from '../../src/params/store.ts';
import { defaultSession } from '../../src/params/session.ts';
import { StateManager } from '../../src/params/persistence.ts';
import { SceneLibrary } from '../../src/params/scenes.ts';
import { tempDirs } from '../helpers/temp-dirs.ts';

const tempDir = tempDirs('faderd-read-file-');

/** Three hostile files: a FIFO nobody writes to, a symlink to /dev/zero, a file past the session limit. */
function hostile(dir: string, name: string): { fifo: string; zero: string; big: string } {
  const fifo = path.join(dir, `fifo-${name}`);
  execFileSync('mkfifo', [fifo]);
  const zero = path.join(dir, `zero-${name}`);
  fs.symlinkSync('/dev/zero', zero);
  const big = path.join(dir, `big-${name}`);
  fs.writeFileSync(big, '# ' + 'x'.repeat(FILE_LIMITS.session) + '\n');
  return { fifo, zero, big };
}

describe('reading only regular files, within a size cap', () => {
  it('refuses a FIFO, a device and an oversized file at once, naming them', () => {
    const { fifo, zero, big } = hostile(tempDir(), 'a.yaml');
    expect(() => readRegularText(fifo, 'session')).toThrow(/is a FIFO, not a regular file/);
    expect(() => readRegularText(zero, 'session')).toThrow(/is a character device, not a regular file/);
    expect(() => readRegularText(big, 'session')).toThrow(new RegExp(`big-a\\.yaml is ${FILE_LIMITS.session + 3} bytes, more than the ${FILE_LIMITS.session} a session may be`));
    expect(() => readRegularText(path.dirname(big), 'session')).toThrow(/is a directory|EISDIR/);
  });

  it('every reader refuses them: sessions, mappings, check, WAV inputs, state and scenes', () => {
    const dir = tempDir();
    const { fifo, zero, big } = hostile(dir, 'x');
    for (const f of [fifo, zero, big]) {
      expect(() => loadSession(f)).toThrow(/cannot read session/);
      expect(() => loadMapping(f)).toThrow(/cannot read mapping/);
      expect(checkFile(f).issues[0]!.message).toMatch(/^cannot read: .*(not a regular file|more than)/);
    }
    for (const f of [fifo, zero]) {
      expect(() => readWav(f)).toThrow(/not a regular file/);
      expect(() => new WavReader(f)).toThrow(/not a regular file/);
    }
    const store = new ParamStore(ParamRegistry.fromSession(defaultSession()));
    const stateDir = path.join(dir, 'state');
    fs.mkdirSync(path.join(stateDir, 'scenes'), { recursive: true });
    fs.symlinkSync('/dev/zero', path.join(stateDir, 'state.json'));
    const r = new StateManager(store, stateDir).restore();
    expect(r.restored).toBe(0);
    expect(r.warnings.join('\n')).toMatch(/character device, not a regular file/);
    execFileSync('mkfifo', [path.join(stateDir, 'scenes', 'stuck.yaml')]);
    expect(() => new SceneLibrary(store, stateDir).recall('stuck')).toThrow(/is a FIFO, not a regular file/);
  });
});
