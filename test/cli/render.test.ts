/**
 * #23 items 2, 3 and 8, as a user types them: `render` never writes over what it reads, `-o` for
 * several deliveries is a directory only when it is one or ends with `/`, file-system errors name the
 * path typed and the reason; each delivery shows its progress on a terminal and nowhere else; a scene
 * from another session has its unknown addresses skipped with one summary warning.
 *
 * The commands run through the CLI's main() in this process, from the test's folder (what the entry
 * runs, without a second of child start-up per command); a real child process where the process is
 * the point: the exit code and words a user sees, and whether stderr is a terminal.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { readWav, writeWav } from '../../src/audio/file/wav.ts';
import { faderd, faderdOnTerminal } from './spawn.ts';
import { cli } from './run-main.ts';

// Some tests start faderd as child processes; on a loaded machine that takes its time.
vi.setConfig({ testTimeout: 240_000, hookTimeout: 60_000 });

/** `faderd ARGS...` typed in the test's folder, run in this process. */
const render = (args: string[]) => cli(['render', ...args], { cwd: dir });

const SR = 48000;
let dir: string;
const tone = (seconds: number, amp: number, hz: number) => {
  const n = Math.round(SR * seconds);
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = amp * Math.sin((2 * Math.PI * hz * i) / SR);
  return x;
};
const bytes = (f: string) => fs.readFileSync(path.join(dir, f));
let kickBefore: Buffer;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faderd-render-out-'));
  fs.mkdirSync(path.join(dir, 'stems'));
  writeWav(path.join(dir, 'stems', 'kick.wav'), [tone(1, 0.3, 60)], SR, { bitDepth: '24' });
  writeWav(path.join(dir, 'stems', 'snare.wav'), [tone(1, 0.2, 200)], SR, { bitDepth: '24' });
  fs.writeFileSync(path.join(dir, 'song.yaml'), 'channels:\n  - { name: Kick, file: stems/kick.wav }\n  - { name: Snare, file: stems/snare.wav }\n');
  kickBefore = bytes('stems/kick.wav');
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('render output paths', () => {
  it('refuses to write the mix over an input stem', () => {
    const r = faderd(['render', 'song.yaml', '-o', 'stems/kick.wav', '--tail', '0'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.err).toBe('faderd: refusing to write stems/kick.wav: it is the stem of channel "Kick", which this render reads; choose another -o\n');
    expect(bytes('stems/kick.wav').equals(kickBefore)).toBe(true);
  });

  it('sees through another spelling of the path and through a hard link', async () => {
    fs.linkSync(path.join(dir, 'stems', 'snare.wav'), path.join(dir, 'snare-link.wav'));
    for (const o of ['./stems/../stems/snare.wav', 'snare-link.wav']) {
      const r = await render(['song.yaml', '-o', o, '--tail', '0']);
      expect(r.code).toBe(2);
      expect(r.err).toContain(`refusing to write ${o}: it is the stem of channel "Snare"`);
    }
    const scene = path.join(dir, 'scene.yaml');
    fs.writeFileSync(scene, 'version: 1\nname: s\nparams: {}\n');
    expect((await render(['song.yaml', '--scene', 'scene.yaml', '-o', 'scene.yaml'])).err).toContain('it is the scene file');
    expect((await render(['song.yaml', '-o', 'song.yaml'])).err).toContain('it is the session file');
  });

  it('refuses a delivery that would land on an input', async () => {
    // A single delivery to -o FILE writes that file.
    const r = await render(['song.yaml', '--for', 'spotify', '-o', 'stems/snare.wav', '--tail', '0']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('refusing to write stems/snare.wav');
  });

  it('several deliveries with -o naming a file are a usage error, and no directory is made', async () => {
    const r = await render(['song.yaml', '--for', 'spotify,cd', '-o', 'spot.wav', '--tail', '0']);
    expect(r.code).toBe(2);
    expect(r.err).toBe(
      'faderd: --for spotify,cd writes 2 files, so -o names a directory, and "spot.wav" is not one: give an existing directory, or end the name with / to have it made (e.g. -o spot/)\n',
    );
    expect(fs.existsSync(path.join(dir, 'spot.wav'))).toBe(false);
  });

  it('one delivery with -o FILE writes that file', async () => {
    const r = await render(['song.yaml', '--for', 'spotify', '-o', 'spot.wav', '--tail', '0', '--json']);
    expect(r.code).toBe(0);
    expect(fs.statSync(path.join(dir, 'spot.wav')).isFile()).toBe(true);
    expect(JSON.parse(r.out).destinations[0].file).toBe(path.join(dir, 'spot.wav'));
    expect(readWav(path.join(dir, 'spot.wav')).channels).toHaveLength(2);
    // Nothing left beside it: the delivery was made in a folder of its own and moved.
    expect(fs.readdirSync(dir).filter((f) => f.startsWith('.') || f.includes('spotify'))).toEqual([]);
  });

  it('-o ending with / makes the directory; an existing directory is used as it is', async () => {
    const r = await render(['song.yaml', '--for', 'spotify,cd', '-o', 'deliveries/', '--tail', '0', '--json']);
    expect(r.code).toBe(0);
    expect(fs.readdirSync(path.join(dir, 'deliveries')).sort()).toEqual(['song.cd.wav', 'song.spotify.wav']);
    const again = await render(['song.yaml', '--for', 'spotify,cd', '-o', 'deliveries', '--tail', '0', '--json']);
    expect(again.code).toBe(0);
    // A mix into an existing directory takes the session's name.
    const mix = await render(['song.yaml', '-o', 'deliveries', '--tail', '0', '--json']);
    expect(mix.code).toBe(0);
    expect(JSON.parse(mix.out).output).toBe(path.join(dir, 'deliveries', 'song.wav'));
  });

  it('a missing directory is named as typed, with no ENOENT and no temporary file name', async () => {
    const r = await render(['song.yaml', '-o', 'missing/dir/x.wav', '--tail', '0']);
    expect(r.code).toBe(1);
    expect(r.err).toBe('faderd: cannot write missing/dir/x.wav: the directory missing/dir does not exist\n');
  });

  it('a missing scene or state file is worded for the user', async () => {
    const r = await render(['song.yaml', '--scene', 'gone.yaml', '-o', 'g.wav']);
    expect(r.code).toBe(3);
    expect(r.err).toBe('gone.yaml:1:1: cannot read scene: no such file or directory\n');
    const s = await render(['song.yaml', '--state', 'stems', '-o', 'g.wav']);
    expect(s.code).toBe(3);
    expect(s.err).toBe('stems:1:1: cannot read state file: it is a directory\n');
  });

  it('a path through a file is worded for the user too', async () => {
    const r = await render(['song.yaml', '--for', 'cd', '-o', 'song.yaml/out/', '--tail', '0']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^faderd: cannot write song\.yaml\/out\/song\.\*\.wav: a part of the path is a file, not a directory\n$/);
    expect(r.err).not.toMatch(/ENOTDIR|tmp/);
  });
});

describe('delivery progress', () => {
  it('shows each delivery on a terminal', () => {
    const r = faderdOnTerminal(['render', 'song.yaml', '--for', 'spotify,cd', '-o', 'tty/', '--tail', '0'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/rendering \[#+\] 100%/);
    expect(r.out).toMatch(/delivering spotify \(1\/2\)\.\.\. done in \d+\.\d s\r?\n/);
    expect(r.out).toMatch(/delivering cd \(2\/2\)\.\.\. done in \d+\.\d s\r?\n/);
    expect(r.out.indexOf('delivering cd')).toBeGreaterThan(r.out.indexOf('delivering spotify'));
    expect(r.out.indexOf('DESTINATION')).toBeGreaterThan(r.out.indexOf('delivering cd'));
  });

  it('shows nothing when stderr is not a terminal', () => {
    const r = faderd(['render', 'song.yaml', '--for', 'spotify,cd', '-o', 'pipe/', '--tail', '0'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    expect(r.out).toMatch(/^DESTINATION/);
  });
});

describe('render --scene from another session', () => {
  it('skips the addresses this session does not have, with one summary warning', async () => {
    const params = ['/ch/1/fader: -6', ...Array.from({ length: 30 }, (_, i) => `/ch/${i + 3}/fader: -4`), '/bus/9/fader: 0', '/ch/1/meter/peak: 0'];
    fs.writeFileSync(path.join(dir, 'other.yaml'), `# faderd scene\nversion: 1\nname: other\nparams:\n${params.map((p) => `  ${p}`).join('\n')}\n`);
    const r = await render(['song.yaml', '--scene', 'other.yaml', '-o', 'other.wav', '--tail', '0']);
    expect(r.code).toBe(0);
    const lines = r.err.trim().split('\n');
    expect(lines).toEqual([
      'faderd: scene other.yaml: skipped 31 addresses this session does not have (/ch/3/fader, /ch/4/fader, /ch/5/fader, ...) and 1 read-only (/ch/1/meter/peak), as recall does',
      expect.stringMatching(/^wrote .*other\.wav: /),
    ]);
    const j = await render(['song.yaml', '--scene', 'other.yaml', '-o', 'other.wav', '--tail', '0', '--json']);
    expect(JSON.parse(j.out).warnings).toHaveLength(1);
  });

  it('the known addresses still apply, and a wrong value is an error at its line', async () => {
    fs.writeFileSync(path.join(dir, 'mute.yaml'), 'version: 1\nname: m\nparams:\n  /ch/9/fader: -3\n  /ch/1/mute: true\n  /ch/2/mute: true\n');
    const r = await render(['song.yaml', '--scene', 'mute.yaml', '-o', 'muted.wav', '--tail', '0']);
    expect(r.code).toBe(0);
    const peak = readWav(path.join(dir, 'muted.wav')).channels[0]!.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    expect(peak).toBe(0);
    fs.writeFileSync(path.join(dir, 'wrong.yaml'), 'version: 1\nname: w\nparams:\n  /ch/12/fader: -3\n  /ch/1/fader: loud\n');
    const w = await render(['song.yaml', '--scene', 'wrong.yaml', '-o', 'w.wav', '--tail', '0']);
    expect(w.code).toBe(3);
    expect(w.err).toBe('wrong.yaml:5:16: /ch/1/fader takes a number in dB, got "loud"\n');
  });
});

describe('delivery figures a short mix cannot have', () => {
  it('are "-" with a note in the table and null with the same reason in JSON', async () => {
    const t = tone(0.2, 0.5, 1000);
    writeWav(path.join(dir, 'stems', 'blip.wav'), [t, t], SR, { bitDepth: '24' });
    fs.writeFileSync(path.join(dir, 'blip.yaml'), 'channels:\n  - { name: Blip, file: stems/blip.wav, stereo: true }\n');
    const r = await render(['blip.yaml', '--for', 'cd', '-o', 'blip/', '--tail', '0']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^cd\s+\S+blip\.cd\.wav\s+44100\s+16\s+- LUFS/m);
    expect(r.out).toContain('cd: integrated not measured: the file (0.20 s) is shorter than one 400 ms block');
    const j = await render(['blip.yaml', '--for', 'cd', '-o', 'blip/', '--tail', '0', '--json']);
    const [cd] = JSON.parse(j.out).destinations;
    expect(cd.integratedLufs).toBeNull();
    expect(cd.missing.integratedLufs).toBe('the file (0.20 s) is shorter than one 400 ms block');
    expect(cd.truePeakDbtp).toBeCloseTo(-6, 0);
  });
});
