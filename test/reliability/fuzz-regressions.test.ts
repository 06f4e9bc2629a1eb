/**
 * Regressions for contract breaks the fuzzers found (test/fuzz/known-issues.ts): YAML aliases that do
 * not resolve, and control characters in names. Each was a crash path (a ReferenceError out of the
 * mapping file watcher ends the daemon) or dirty text on a scribble strip.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MappingHost } from '../../src/mapping/host.ts';
import { MemorySurface } from '../../src/surfaces/memory.ts';
import { fuzzStore } from '../fuzz/invariants.ts';
import { parseSession } from '../../src/params/session.ts';
import { parseMapping } from '../../src/mapping/file/load.ts';
import { ConfigError } from '../../src/util/source-error.ts';

describe('fuzz findings, fixed', () => {
  it('a session with an unresolved YAML alias is refused with a located ConfigError', () => {
    expect(() => parseSession('channels: *missing\n', 'alias.yaml')).toThrow(ConfigError);
  });

  it('a mapping with an unresolved YAML alias is refused with a located ConfigError, so hot reload keeps running', () => {
    expect(() => parseMapping('version: 1\nsurface: { transport: memory }\nbindings: *nope\n', 'alias-map.yaml')).toThrow(ConfigError);
  });

  it('hot reload of a mapping saved with an unresolved alias is refused, not thrown (a throw in the file watcher ends the daemon)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faderd-known-'));
    const file = path.join(dir, 'm.yaml');
    try {
      fs.writeFileSync(file, 'version: 1\nsurface: { transport: memory }\nbindings:\n  - source: { cc: 7 }\n    target: /ch/1/fader\n');
      const host = new MappingHost(file, fuzzStore('channels: 2\n'), new MemorySurface('m'), { id: 'm' });
      host.start();
      fs.writeFileSync(file, 'version: 1\nsurface: { transport: memory }\nbindings: *oops\n');
      expect(host.reload().ok).toBe(false);
      expect(host.compiled).toBeDefined();
      host.dispose();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('control characters in a channel name are refused', () => {
    let name: string;
    try {
      name = parseSession('channels:\n  - { name: "Vox\\u0000 1" }\n', 'ctl.yaml').channels[0]!.name;
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      return;
    }
    expect(name).toBe('Vox 1');
  });
});
