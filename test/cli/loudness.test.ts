/**
 * #23 items 6 and 11, as a user types them: `faderd loudness a.wav missing.wav b.wav` measures the
 * files it can, reports each failure and exits 3 at the end; a figure a file cannot have is "-" in the
 * table and null in JSON, with the same reason in both.
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

const SR = 48000;
let dir: string;
const tone = (seconds: number, amp: number) => {
  const n = Math.round(SR * seconds);
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = amp * Math.sin((2 * Math.PI * 1000 * i) / SR);
  return x;
};
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faderd-loudness-cli-'));
  for (const [name, seconds, amp] of [['a.wav', 4, 0.5], ['b.wav', 5, 0.25], ['short.wav', 0.2, 0.5], ['two.wav', 2, 0.5], ['silence.wav', 4, 0]] as const) {
    const t = tone(seconds, amp);
    writeWav(path.join(dir, name), [t, t], SR, { bitDepth: '24' });
  }
  fs.writeFileSync(path.join(dir, 'notes.wav'), 'not audio at all\n');
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('faderd loudness with files that cannot be read', () => {
  it('measures every good file, reports each bad one, and exits 3 at the end', () => {
    const r = faderd(['loudness', 'a.wav', 'missing.wav', 'b.wav', 'notes.wav'], { cwd: dir });
    expect(r.code).toBe(3);
    const rows = r.out.trim().split('\n');
    expect(rows[0]).toMatch(/^FILE\s+RATE/);
    expect(rows[1]).toMatch(/^a\.wav\s+48000\s+2\s+4\.0\s+-6\.0 LUFS/);
    expect(rows[2]).toMatch(/^b\.wav\s+48000\s+2\s+5\.0\s+-12\.0 LUFS/);
    expect(rows).toHaveLength(3);
    expect(r.err.trim().split('\n')).toEqual([
      'missing.wav:1:1: cannot read: no such file or directory',
      expect.stringMatching(/^notes\.wav:1:1: not a readable WAV file/),
      'faderd: measured 2 of 4 files; 2 could not be measured',
    ]);
    expect(r.err).not.toMatch(/ENOENT/);
  });

  it('--json carries the measured files; failures go to stderr', async () => {
    const r = await cli(['loudness', '--json', 'missing.wav', 'a.wav'], { cwd: dir });
    expect(r.code).toBe(3);
    const rows = JSON.parse(r.out) as Array<{ file: string; integratedLufs: number }>;
    expect(rows.map((x) => x.file)).toEqual(['a.wav']);
    expect(rows[0]!.integratedLufs).toBeCloseTo(-6, 0);
    expect(r.err).toMatch(/^missing\.wav:1:1: cannot read/);
  });

  it('a directory or a missing file is worded for the user, never as an errno code', async () => {
    fs.mkdirSync(path.join(dir, 'takes'), { recursive: true });
    const r = await cli(['loudness', 'takes', 'gone.wav'], { cwd: dir });
    expect(r.code).toBe(3);
    expect(r.out).toBe('');
    expect(r.err).toBe('takes:1:1: cannot read: it is a directory, not a regular file\ngone.wav:1:1: cannot read: no such file or directory\nfaderd: measured 0 of 2 files; 2 could not be measured\n');
  });

  it('all good files exit 0', async () => {
    expect((await cli(['loudness', 'a.wav', 'b.wav'], { cwd: dir })).code).toBe(0);
  });
});

describe('figures a file cannot have', () => {
  it('a 0.2 s tone: integrated, momentary, short-term, LRA and PLR are missing, with reasons in the table notes', async () => {
    const r = await cli(['loudness', 'short.wav'], { cwd: dir });
    expect(r.code).toBe(0);
    const [, row, ...notes] = r.out.trim().split('\n');
    expect(row).toMatch(/^short\.wav\s+48000\s+2\s+0\.2\s+- LUFS\s+- LU\s+-6\.0 dBTP\s+- LUFS\s+- LUFS\s+- LU$/);
    expect(notes).toEqual([
      'short.wav: integrated, M max not measured: the file (0.20 s) is shorter than one 400 ms block',
      'short.wav: LRA, ST max not measured: the file (0.20 s) is shorter than the 3 s short-term window',
      'short.wav: PLR not measured: there is no integrated loudness to compare the true peak with',
    ]);
  });

  it('the same figures are null in JSON, with the same reasons under missing', async () => {
    const r = await cli(['loudness', '--json', 'short.wav', 'two.wav', 'silence.wav', 'a.wav'], { cwd: dir });
    expect(r.code).toBe(0);
    const [short, two, silence, a] = JSON.parse(r.out) as Array<Record<string, unknown> & { missing: Record<string, string> }>;
    expect(short).toMatchObject({ integratedLufs: null, momentaryMaxLufs: null, shortTermMaxLufs: null, lra: null, plr: null });
    expect(short!.truePeakDbtp).toBeCloseTo(-6, 0);
    expect(short!.missing).toEqual({
      integratedLufs: 'the file (0.20 s) is shorter than one 400 ms block',
      momentaryMaxLufs: 'the file (0.20 s) is shorter than one 400 ms block',
      shortTermMaxLufs: 'the file (0.20 s) is shorter than the 3 s short-term window',
      lra: 'the file (0.20 s) is shorter than the 3 s short-term window',
      plr: 'there is no integrated loudness to compare the true peak with',
    });
    expect(two).toMatchObject({ shortTermMaxLufs: null, lra: null });
    expect(two!.integratedLufs).toBeCloseTo(-6, 0);
    expect(Object.keys(two!.missing).sort()).toEqual(['lra', 'shortTermMaxLufs']);
    for (const k of ['integratedLufs', 'lra', 'truePeakDbtp', 'shortTermMaxLufs', 'momentaryMaxLufs', 'plr']) {
      expect(silence![k]).toBeNull();
      expect(silence!.missing[k]).toBe('the file is digital silence');
    }
    expect(a!.missing).toEqual({});
    // Every null figure has a reason, and every reason a null figure.
    for (const row of [short!, two!, silence!, a!])
      for (const k of ['integratedLufs', 'lra', 'truePeakDbtp', 'shortTermMaxLufs', 'momentaryMaxLufs', 'plr']) expect(row[k] === null).toBe(k in row.missing);
  });

  it('text and JSON agree on which figures are missing', async () => {
    const text = await cli(['loudness', 'two.wav'], { cwd: dir });
    expect(text.out).toContain('two.wav: LRA, ST max not measured: the file (2.00 s) is shorter than the 3 s short-term window');
    expect(text.out.trim().split('\n')).toHaveLength(3);
  });
});
