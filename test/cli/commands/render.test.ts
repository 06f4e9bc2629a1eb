import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../run-main.ts';
import { progressBar } from '../../../src/cli/commands/render.ts';
import { readWav, writeWav } from '../../../src/audio/file/wav.ts';

const SR = 48000;
let dir: string;
let session: string;

function tone(freqHz: number, amp: number, frames: number): Float32Array {
  const out = new Float32Array(frames);
  for (let i = 0; i < frames; i++) out[i] = amp * Math.sin((2 * Math.PI * freqHz * i) / SR);
  return out;
}
const peak = (x: Float32Array): number => x.reduce((m, v) => Math.max(m, Math.abs(v)), 0);

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faderd-render-cli-'));
  writeWav(path.join(dir, 'a.wav'), [tone(440, 0.2, SR / 2)], SR, { bitDepth: '24' });
  writeWav(path.join(dir, 'b.wav'), [tone(880, 0.2, SR / 2), tone(880, 0.2, SR / 2)], SR, { bitDepth: '16' });
  session = path.join(dir, 'song.yaml');
  fs.writeFileSync(session, 'channels:\n  - { name: A, file: a.wav }\n  - { name: B, file: b.wav, stereo: true }\nparams:\n  /ch/2/mute: true\n');
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('faderd render', () => {
  it('writes the mix and a JSON summary', async () => {
    const out = path.join(dir, 'out.wav');
    const r = await cli(['render', session, '-o', out, '--json', '--bits', '16', '--tail', '0']);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.out);
    expect(s).toMatchObject({ output: out, sampleRate: SR, bits: '16', stems: 2, frames: SR / 2, durationS: 0.5 });
    expect(typeof s.timeMs).toBe('number');
    expect(s.peakDbfs).toBeCloseTo(20 * Math.log10(0.2 * Math.SQRT1_2), 0);
    const wav = readWav(out);
    expect(wav.bitDepth).toBe('16');
    expect(wav.channels).toHaveLength(2);
    expect(peak(wav.channels[0]!)).toBeCloseTo(0.2 * Math.SQRT1_2, 2);
    expect(r.err).toBe('');
  });

  it('applies a state file and a scene file after the session params', async () => {
    const state = path.join(dir, 'state.json');
    fs.writeFileSync(state, JSON.stringify({ format: 'faderd-state', version: 1, params: { '/ch/1/fader': -12 } }));
    const scene = path.join(dir, 'scene.yaml');
    fs.writeFileSync(scene, 'version: 1\nname: loud\nparams:\n  /ch/1/pan: -1\n  /master/monobass: false\n');
    const out = path.join(dir, 'state.wav');
    const r = await cli(['render', session, '-o', out, '--json', '--state', state, '--scene', scene, '--tail', '0']);
    expect(r.code).toBe(0);
    const wav = readWav(out);
    expect(peak(wav.channels[0]!)).toBeCloseTo(0.2 * 10 ** (-12 / 20), 3);
    expect(peak(wav.channels[1]!.subarray(SR / 10))).toBeLessThan(1e-4);
  });

  it('exits 3 naming the file for a missing stem, and 2 for a bad option', async () => {
    const bad = path.join(dir, 'bad.yaml');
    fs.writeFileSync(bad, 'channels:\n  - { name: A, file: gone.wav }\n');
    const r = await cli(['render', bad, '-o', path.join(dir, 'x.wav')]);
    expect(r.code).toBe(3);
    expect(r.err).toContain(`${bad}:2:`);
    expect(r.err).toMatch(/gone\.wav/);
    const u = await cli(['render', session, '--bits', '12']);
    expect(u.code).toBe(2);
    expect(u.err).toMatch(/--bits/);
  });
});

describe('faderd render --for', () => {
  it('delivers one file per destination at its target, from the unlimited mix', async () => {
    const out = path.join(dir, 'deliver');
    const r = await cli(['render', session, '--for', 'spotify,ebu-r128', '-o', out + '/', '--json', '--tail', '0']);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.out);
    expect(s.mix.sampleRate).toBe(SR);
    expect(s.destinations).toHaveLength(2);
    const [spotify, ebu] = s.destinations;
    expect(spotify.integratedLufs).toBeGreaterThan(-14.5);
    expect(spotify.integratedLufs).toBeLessThan(-13.5);
    expect(ebu.integratedLufs).toBeGreaterThan(-23.5);
    expect(ebu.integratedLufs).toBeLessThan(-22.5);
    for (const d of s.destinations) {
      expect(d.truePeakDbtp).toBeLessThanOrEqual(-0.99);
      expect(fs.existsSync(d.file)).toBe(true);
    }
  });

  it('refuses an unknown destination before rendering (exit 2)', async () => {
    const r = await cli(['render', session, '--for', 'spotfy', '-o', path.join(dir, 'x')]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/spotfy/);
  });
});

describe('render progress bar', () => {
  it('draws in place on a terminal and ends the line at 100 %', () => {
    let text = '';
    const bar = progressBar({ isTTY: true, write: (s: string) => (text += s) })!;
    bar(0.5);
    bar(1);
    expect(text).toBe(`\rrendering [${'#'.repeat(15)}${' '.repeat(15)}]  50%\rrendering [${'#'.repeat(30)}] 100%\n`);
  });

  it('is silent when stderr is not a terminal', () => {
    expect(progressBar({ isTTY: false, write: () => expect.unreachable() })).toBeUndefined();
  });
});
