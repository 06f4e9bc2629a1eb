import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defaultSession, loadSession, parseSession } from '../../src/params/session.ts';
import { ConfigError, formatIssue } from '../../src/util/source-error.ts';

function issuesOf(text: string): string[] {
  try {
    parseSession(text, 'show.yaml');
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).issues.map(formatIssue);
  }
  throw new Error('expected the session to be refused');
}

describe('sessions', () => {
  it('has an embedded default: 8 channels, 2 aux buses, 2 fx, master, loopback OSC on 9000', () => {
    const s = defaultSession();
    expect(s.channels).toHaveLength(8);
    expect(s.channels[0]).toMatchObject({ name: 'Kick', input: 1, stereo: false });
    expect(s.buses).toHaveLength(2);
    expect(s.fx.map((f) => f.type)).toEqual(['reverb', 'delay']);
    expect(s.osc).toMatchObject({ host: '127.0.0.1', port: 9000, enabled: true });
    expect(s.audio).toMatchObject({ sampleRate: 48000, blockSize: 128, backend: 'auto', demo: false });
  });

  it('reads channels, buses, fx, audio, listeners, surfaces and params', () => {
    const s = parseSession(
      [
        'name: Friday',
        'channels:',
        '  - { name: Kick, input: 1, file: stems/kick.wav }',
        '  - { name: Keys, input: [3, 4] }',
        'buses: [{ name: Wedge, output: 3, stereo: false }]',
        'fx: [{ type: reverb, name: Plate }]',
        'audio: { device: "/Focusrite/", blockSize: 256, sampleRate: 44100 }',
        'osc: { port: 9100 }',
        'surfaces: [mappings/mackie-control.yaml, { mapping: mappings/diy.yaml, id: board, device: { path: /dev/ttyACM0 } }]',
        'params: { /ch/1/fader: -6 }',
      ].join('\n'),
      '/show/friday.yaml',
    );
    expect(s.channels[1]).toMatchObject({ name: 'Keys', stereo: true, input: [3, 4] });
    expect(s.channels[0]!.file).toBe('stems/kick.wav');
    expect(s.dir).toBe('/show');
    expect(s.buses[0]).toMatchObject({ name: 'Wedge', stereo: false, output: 3, master: false });
    expect(s.audio).toMatchObject({ device: '/Focusrite/', blockSize: 256, sampleRate: 44100 });
    expect(s.osc.port).toBe(9100);
    expect(s.surfaces).toEqual([{ mapping: 'mappings/mackie-control.yaml' }, { mapping: 'mappings/diy.yaml', id: 'board', device: { path: '/dev/ttyACM0' } }]);
    expect(s.params['/ch/1/fader']).toBe(-6);
  });

  it('accepts counts as shorthand', () => {
    const s = parseSession('channels: 32\nbuses: 4\n', 'x.yaml');
    expect(s.channels).toHaveLength(32);
    expect(s.channels[31]).toMatchObject({ name: 'Ch 32', input: 32 });
    expect(s.buses).toHaveLength(4);
  });

  it('names file:line:col for a misspelt key, with a suggestion', () => {
    expect(issuesOf('channels: 8\naudio:\n  blocksize: 128\n')).toEqual(["show.yaml:3:3: unknown key 'blocksize' (did you mean 'blockSize'?)"]);
  });

  it('names file:line:col for wrong types and ranges, all in one run', () => {
    const out = issuesOf('channels:\n  - { name: A, input: 0 }\naudio:\n  blockSize: 4096\n  sampleRate: 12345\nfx: [{ type: chorus }]\n');
    expect(out).toHaveLength(4);
    expect(out[0]).toMatch(/^show\.yaml:2:23: channels\.0\.input: /);
    expect(out[1]).toMatch(/^show\.yaml:4:14: audio\.blockSize: .*1024/);
    expect(out[2]).toMatch(/^show\.yaml:5:15: audio\.sampleRate: /);
    expect(out[3]).toMatch(/^show\.yaml:6:14: fx\.0\.type: .*reverb.*delay/);
  });

  it('reports YAML syntax errors with a position', () => {
    const out = issuesOf('channels: [1, 2\nbuses: 2\n');
    expect(out[0]).toMatch(/^show\.yaml:\d+:\d+: /);
  });

  it('refuses a pair of inputs on a mono channel', () => {
    expect(issuesOf('channels:\n  - { input: [1, 2], stereo: false }\n')[0]).toMatch(/^show\.yaml:2:\d+: channels\.0: a pair of inputs needs 'stereo: true'/);
  });

  it('names a missing file', () => {
    const f = path.join(os.tmpdir(), 'faderd-no-such-session.yaml');
    expect(() => loadSession(f)).toThrow(/cannot read session/);
    const ok = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'faderd-s-')), 's.yaml');
    fs.writeFileSync(ok, 'channels: 2\n');
    expect(loadSession(ok).channels).toHaveLength(2);
  });
});
