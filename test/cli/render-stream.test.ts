/**
 * A streamed render that fails midway (a NaN found 1.5 s into a stem, after the output was opened and
 * a second and a half of mix written) leaves no partial output: an existing mix or delivery is as it
 * was, a directory made for deliveries is gone again, and no temp file or spool stays behind.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from './run-main.ts';
import { writeWav } from '../../src/audio/file/wav.ts';

const SR = 48000;
let dir: string;

const tone = (frames: number, hz: number): Float32Array => Float32Array.from({ length: frames }, (_, i) => 0.3 * Math.sin((2 * Math.PI * hz * i) / SR));
const hidden = (d: string): string[] => fs.readdirSync(d).filter((f) => f.startsWith('.'));

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faderd-render-stream-'));
  const bad = tone(2 * SR, 440);
  bad[72_000] = NaN;
  writeWav(path.join(dir, 'bad.wav'), [bad], SR, { bitDepth: '32f' });
  writeWav(path.join(dir, 'good.wav'), [tone(2 * SR, 220)], SR, { bitDepth: '24' });
  fs.writeFileSync(path.join(dir, 'song.yaml'), 'channels:\n  - { name: Good, file: good.wav }\n  - { name: Bad, file: bad.wav }\n');
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('a render that fails midway', () => {
  const session = (): string => path.join(dir, 'song.yaml');

  it('leaves the existing mix untouched and no temp file', async () => {
    const out = path.join(dir, 'mix.wav');
    fs.writeFileSync(out, 'the previous mix');
    const r = await cli(['render', session(), '-o', out, '--tail', '0']);
    expect(r.code).toBe(3);
    expect(r.err).toMatch(/song\.yaml:\d+:\d+: channel 2 \(Bad\): .*bad\.wav: NaN sample at frame 72000 \(1\.500 s\), channel 1 of 1/);
    expect(fs.readFileSync(out, 'utf8')).toBe('the previous mix');
    expect(hidden(dir)).toEqual([]);
  });

  it('leaves existing deliveries untouched, removes a directory it made, and no spool', async () => {
    const outDir = path.join(dir, 'deliveries');
    fs.mkdirSync(outDir);
    fs.writeFileSync(path.join(outDir, 'song.spotify.wav'), 'the previous delivery');
    const r = await cli(['render', session(), '--for', 'spotify,cd', '-o', outDir, '--tail', '0']);
    expect(r.code).toBe(3);
    expect(fs.readdirSync(outDir)).toEqual(['song.spotify.wav']);
    expect(fs.readFileSync(path.join(outDir, 'song.spotify.wav'), 'utf8')).toBe('the previous delivery');
    const made = path.join(dir, 'new', 'deeper');
    const s = await cli(['render', session(), '--for', 'spotify', '-o', `${made}/`, '--tail', '0']);
    expect(s.code).toBe(3);
    expect(fs.existsSync(path.join(dir, 'new'))).toBe(false);
    const one = path.join(dir, 'one.wav');
    const t = await cli(['render', session(), '--for', 'cd', '-o', one, '--tail', '0']);
    expect(t.code).toBe(3);
    expect(fs.existsSync(one)).toBe(false);
    expect(hidden(dir)).toEqual([]);
  });

  it('with --replace-non-finite renders through, warns, and cleans up the same', async () => {
    const outDir = path.join(dir, 'replaced');
    const r = await cli(['render', session(), '--for', 'spotify', '-o', `${outDir}/`, '--tail', '0', '--replace-non-finite', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).mix.warnings.join('\n')).toMatch(/1 NaN\/Inf sample\(s\) replaced with silence \(first at frame 72000, channel 1\)/);
    expect(fs.readdirSync(outDir)).toEqual(['song.spotify.wav']);
  });
});
