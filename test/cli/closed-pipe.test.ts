/**
 * #23 item 5: a reader that closes the pipe early (`faderd params | head -1`) ends every command
 * quietly: no EPIPE stack trace, exit code 0. `true` as the reader closes the pipe before faderd has
 * written anything, so every command below meets the closed pipe for certain.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { writeWav } from '../../src/audio/file/wav.ts';
import { faderdPiped } from './spawn.ts';

// Each test starts faderd as child processes; on a loaded machine that takes its time.
vi.setConfig({ testTimeout: 240_000, hookTimeout: 60_000 });

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faderd-pipe-'));
  const tone = new Float32Array(48000).map((_, i) => 0.3 * Math.sin((2 * Math.PI * 440 * i) / 48000));
  writeWav(path.join(dir, 'a.wav'), [tone, tone], 48000, { bitDepth: '24' });
  fs.writeFileSync(path.join(dir, 'song.yaml'), 'channels:\n  - { name: A, file: a.wav, stereo: true }\n');
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const noTrace = (err: string) => {
  expect(err).not.toMatch(/EPIPE|Unhandled|at .*\(node:/);
};

describe('a closed pipe on stdout', () => {
  it('params | head -1 prints the header and exits 0', async () => {
    const r = await faderdPiped(['params'], 'head -1', { cwd: dir });
    expect(r.out).toMatch(/^ADDRESS\s+UNIT/);
    expect(r.faderdCode).toBe(0);
    noTrace(r.err);
  });

  it.each([
    [['params', '--json']],
    [['params', '--filter', '/ch/*']],
    [['check', 'song.yaml']],
    [['loudness', 'a.wav']],
    [['loudness', '--json', 'a.wav']],
    [['render', 'song.yaml', '-o', 'mix.wav', '--json', '--tail', '0']],
    [['--help']],
    [['devices']],
  ])('faderd %j | true exits 0 quietly', async (args) => {
    const r = await faderdPiped(args, 'true', { cwd: dir });
    expect(r.faderdCode).toBe(0);
    noTrace(r.err);
  });
});
