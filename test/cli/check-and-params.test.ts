/**
 * #23 items 7 and 9, as a user types them: `check` on a WAV says it is not a YAML file; `check` lists
 * schema errors and param errors of one session in one run; `params -s` refuses what `check` refuses,
 * with the same exit code; `params --json` gives numbers as numbers.
 *
 * Most commands run through the CLI's main() in this process, from the test's folder (what the entry
 * runs, without a second of child start-up per command); the first test's runs as a child process, so
 * the words and exit code a user sees come through a real process too.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { writeWav } from '../../src/audio/file/wav.ts';
import { faderd } from './spawn.ts';
import { cli } from './run-main.ts';

// A child process on a loaded machine takes its time.
vi.setConfig({ testTimeout: 240_000, hookTimeout: 60_000 });

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faderd-check-cli-'));
  fs.mkdirSync(path.join(dir, 'stems'));
  writeWav(path.join(dir, 'stems', 'kick.wav'), [new Float32Array(4800).map((_, i) => Math.sin(i / 10) * 0.5)], 48000, { bitDepth: '24' });
  fs.writeFileSync(path.join(dir, 'notes.txt'), 'Remember to bring the snare mic.\n');
  fs.writeFileSync(path.join(dir, 'bad.yaml'), 'channels: 4\nosc: { port: 99999 }\nparams:\n  /ch/9/fader: -3\n  /ch/1/fader: loud\n');
  fs.writeFileSync(path.join(dir, 'typo.yaml'), 'chanels: 4\nparams:\n  /ch/1/mutte: true\n');
  fs.writeFileSync(path.join(dir, 'good.yaml'), 'channels: 2\nparams:\n  /ch/1/fader: -6\n');
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('faderd check', () => {
  it('says a WAV file is not a YAML session or mapping file, in one line', () => {
    const r = faderd(['check', 'stems/kick.wav'], { cwd: dir });
    expect(r.code).toBe(3);
    const lines = r.err.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^stems\/kick\.wav:1:1: not a YAML session or mapping file/);
    expect(lines[1]).toBe('stems/kick.wav: 1 problem (session)');
  });

  it('says so for plain text too', async () => {
    const r = await cli(['check', 'notes.txt'], { cwd: dir });
    expect(r.code).toBe(3);
    expect(r.err).toMatch(/^notes\.txt:1:1: not a YAML session or mapping file/);
  });

  it('lists schema errors and param errors together', async () => {
    const r = await cli(['check', 'bad.yaml'], { cwd: dir });
    expect(r.code).toBe(3);
    expect(r.err.trim().split('\n')).toEqual([
      'bad.yaml:2:14: osc.port: Too big: expected number to be <=65535',
      'bad.yaml:4:3: unknown param address /ch/9/fader (did you mean /ch/1/fader?)',
      'bad.yaml:5:3: /ch/1/fader takes a number in dB, got "loud"',
      'bad.yaml: 3 problems (session)',
    ]);
  });

  it('lists the schema, template and address errors of a mapping together', async () => {
    fs.writeFileSync(
      path.join(dir, 'tablet.yaml'),
      'version: 1\nsurface: { transport: osc, port: 99999 }\nbindings:\n  - source: { osc: "/1/fader{nope}", args: f }\n    target: /ch/1/fader\n  - source: { osc: /1/x, args: f }\n    target: /ch/1/mutte\n',
    );
    const r = await cli(['check', 'tablet.yaml'], { cwd: dir });
    expect(r.code).toBe(3);
    expect(r.err.trim().split('\n')).toEqual([
      'tablet.yaml:2:34: surface.port: Too big: expected number to be <=65535',
      "tablet.yaml:4:20: bindings.0.source.osc: unknown name 'nope' in template '/1/fader{nope}'",
      'tablet.yaml:7:13: bindings.1.target: unknown param address /ch/1/mutte (did you mean /ch/<n>/mute?)',
      'tablet.yaml: 3 problems (mapping)',
    ]);
  });

  it('an unknown top-level key does not hide a param error', async () => {
    const r = await cli(['check', 'typo.yaml'], { cwd: dir });
    expect(r.code).toBe(3);
    expect(r.err).toMatch(/typo\.yaml:1:1: unknown key 'chanels' \(did you mean 'channels'\?\)/);
    expect(r.err).toMatch(/typo\.yaml:3:3: unknown param address \/ch\/1\/mutte/);
  });
});

describe('faderd params', () => {
  it('-s refuses what check refuses, with the same exit code and messages', async () => {
    for (const f of ['bad.yaml', 'typo.yaml', 'stems/kick.wav']) {
      const c = await cli(['check', f], { cwd: dir });
      const p = await cli(['params', '-s', f], { cwd: dir });
      expect(p.code).toBe(3);
      expect(p.code).toBe(c.code);
      expect(p.out).toBe('');
      // check adds its count line; the problems themselves are the same.
      expect(p.err.trim().split('\n')).toEqual(c.err.trim().split('\n').slice(0, -1));
    }
  });

  it('-s takes a valid session', async () => {
    const r = await cli(['params', '-s', 'good.yaml', '-f', '/ch/*/fader'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^\/ch\/2\/fader/m);
    expect(r.out).toMatch(/^2 params$/m);
  });

  it('--json gives numbers as numbers, -inf as "-inf"', async () => {
    const r = await cli(['params', '--json', '-f', '/ch/1/*'], { cwd: dir });
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.out) as Array<Record<string, unknown>>;
    const fader = rows.find((x) => x.address === '/ch/1/fader')!;
    expect(fader).toMatchObject({ min: '-inf', max: 10, default: 0, step: 0.1 });
    const trim = rows.find((x) => x.address === '/ch/1/trim')!;
    expect(typeof trim.min).toBe('number');
    expect(typeof trim.max).toBe('number');
    for (const row of rows)
      for (const k of ['min', 'max', 'default'])
        if (row.type === 'number' && k in row) expect(typeof row[k] === 'number' || row[k] === '-inf', `${String(row.address)} ${k}`).toBe(true);
  });
});
