import { afterAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { checkFile, detectKind } from '../../../src/cli/commands/check.ts';
import { formatIssue } from '../../../src/util/source-error.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faderd-check-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const write = (name: string, text: string): string => {
  const f = path.join(dir, name);
  fs.writeFileSync(f, text);
  return f;
};

const BAD_MAPPING = `version: 1
surface: { transport: midi, input: X-Touch }
bindings:
  - source: { pitchbend: true, chanel: 1 }
    target: /ch/1/fader
  - source: { cc: 7 }
    glue: { out: [0, 1.5] }
    target: /ch/1/fader
  - source: { note: 0x10 }
    target: /ch/1/mutte
`;

describe('faderd check', () => {
  it('tells sessions from mappings', () => {
    expect(detectKind('channels: 8\n')).toBe('session');
    expect(detectKind('version: 1\nsurface: { transport: memory }\nbindings: []\n')).toBe('mapping');
  });

  it('reports three located errors for a mapping with a typo, a bad range and an unknown address', () => {
    const f = write('bad-mapping.yaml', BAD_MAPPING);
    const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(root, 'src/cli/main.ts'), 'check', f], { encoding: 'utf8', cwd: root });
    expect(r.status).toBe(3);
    const lines = r.stderr.split('\n').filter((l) => l.startsWith(f));
    expect(lines).toHaveLength(4);
    expect(lines[0]).toBe(`${f}:4:32: unknown key 'chanel' (did you mean 'channel'?)`);
    expect(lines[1]).toMatch(new RegExp(`^${f}:7:22: bindings\\.1\\.glue\\.out\\.1: `));
    expect(lines[2]).toMatch(new RegExp(`^${f}:10:13: .*unknown param address /ch/1/mutte`));
    expect(lines[3]).toBe(`${f}: 3 problems (mapping)`);
  });

  it('checks a session deeply: params, surfaces and their options, shipped mapping names', () => {
    const f = write(
      'show.yaml',
      [
        'channels: 16',
        'params:',
        '  /ch/1/fadr: -6',
        '  /ch/2/pan: 3',
        'surfaces:',
        '  - mackie-control.yaml',
        '  - { mapping: mackie-control.yaml, id: xt, options: { deviceId: 0x15, stripOffset: 8 } }',
        '  - { mapping: mackie-control.yaml, id: bad, options: { strpOffset: 8 } }',
        '  - nothere.yaml',
        '',
      ].join('\n'),
    );
    const out = checkFile(f).issues.map(formatIssue);
    expect(out).toEqual([
      `${f}:3:3: unknown param address /ch/1/fadr (did you mean /ch/1/fader?)`,
      `${f}:4:3: /ch/2/pan must be within -1..1 pan, got 3`,
      expect.stringMatching(new RegExp(`^${f}:8:5: surface bad: .*mackie-control\\.yaml:\\d+:\\d+: option override 'strpOffset': unknown option; did you mean 'stripOffset'\\?`)),
      expect.stringMatching(new RegExp(`^${f}:9:5: mapping file not found: nothere\\.yaml`)),
    ]);
  });

  it('passes every shipped mapping and names an unreadable file', () => {
    for (const m of fs.readdirSync(path.join(root, 'mappings')).filter((x) => x.endsWith('.yaml'))) {
      expect(checkFile(path.join(root, 'mappings', m)), m).toEqual({ kind: 'mapping', issues: [] });
    }
    expect(checkFile(path.join(dir, 'missing.yaml')).issues[0]!.message).toMatch(/^cannot read: no such file or directory$/);
  });
});
