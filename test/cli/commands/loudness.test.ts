import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeWav } from '../../../src/audio/file/wav.ts';
import { cli } from '../run-main.ts';
import { toneSegments } from '../../engine/dsp/ebu-signals.ts';

let dir: string;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faderd-loudness-cli-'));
  const x = toneSegments([[5, -23]]);
  writeWav(path.join(dir, 'ebu1.wav'), [x, x], 48000, { bitDepth: '24' });
  const y = toneSegments([[6, -20], [6, -30]]);
  writeWav(path.join(dir, 'lra10.wav'), [y, y], 48000, { bitDepth: '32f' });
  const z = new Float32Array(4800);
  writeWav(path.join(dir, 'silence.wav'), [z, z], 48000, { bitDepth: '16' });
  fs.writeFileSync(path.join(dir, 'broken.wav'), 'RIFF....WAVEnot really');
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('faderd loudness', () => {
  it('prints a table with the figures of each file', async () => {
    const r = await cli(['loudness', path.join(dir, 'ebu1.wav'), path.join(dir, 'lra10.wav')]);
    expect(r.code).toBe(0);
    const lines = r.out.trim().split('\n');
    expect(lines[0]).toMatch(/^FILE\s+RATE\s+CH\s+SECONDS\s+INTEGRATED\s+LRA\s+TRUE PEAK\s+ST MAX\s+M MAX\s+PLR$/);
    expect(lines[1]).toMatch(/ebu1\.wav\s+48000\s+2\s+5\.0\s+-23\.0 LUFS\s+0\.0 LU\s+-23\.0 dBTP/);
    expect(lines[2]).toMatch(/lra10\.wav .* 10\.0 LU/);
  });

  it('--json gives numbers, and null for what silence cannot have', async () => {
    const r = await cli(['loudness', '--json', path.join(dir, 'ebu1.wav'), path.join(dir, 'silence.wav')]);
    expect(r.code).toBe(0);
    const [a, b] = JSON.parse(r.out) as Array<Record<string, number | null>>;
    expect(a!.integratedLufs).toBeCloseTo(-23, 1);
    expect(a!.truePeakDbtp).toBeCloseTo(-23, 1);
    expect(a!.plr).toBeCloseTo(0, 1);
    expect(a!.sampleRate).toBe(48000);
    expect(b!.integratedLufs).toBeNull();
    expect(b!.truePeakDbtp).toBeNull();
  });

  it('an invalid or missing WAV exits 3 naming the file', async () => {
    const broken = path.join(dir, 'broken.wav');
    const r = await cli(['loudness', broken]);
    expect(r.code).toBe(3);
    expect(r.err).toContain(`${broken}:1:1: not a readable WAV file`);
    const missing = path.join(dir, 'nope.wav');
    const m = await cli(['loudness', missing]);
    expect(m.code).toBe(3);
    expect(m.err).toContain(`${missing}:1:1: cannot read`);
  });

  it('no file is a usage error', async () => {
    expect((await cli(['loudness'])).code).toBe(2);
  });
});
