/**
 * #19 items 3 and 6: a session's limiter release reaches its deliveries; a 44.1 kHz delivery never
 * exceeds its ceiling at the rate it is delivered at. Stems are
 * rendered with `faderd render --for cd:-10,cd` as a user runs it, and the written WAVs are measured
 * here by an ideal reconstruction (sinc interpolation by DFT, 16 points per sample, in segments: see
 * idealPeakLong), independent of the meter the report and the limiter use.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { readWav, writeWav } from '../../src/audio/file/wav.ts';
import { idealPeakLong } from '../engine/dsp/spectrum.ts';
import { synthMix } from '../engine/mastering/mix-signal.ts';
import { faderd } from './spawn.ts';

vi.setConfig({ testTimeout: 240_000, hookTimeout: 60_000 });

const SR = 48000;
/** By how much the ideal reconstruction may read over the ceiling: its 16× grid reads low, never high, so this is rounding only. */
const TOL_DB = 0.005;
let dir: string;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faderd-delivery-peak-'));
  fs.mkdirSync(path.join(dir, 'stems'));
  const [l, r] = synthMix(3, SR, 0.1, 5);
  // A guitar-like stem clipped hard at 0.08: its edges put energy up to the mix's Nyquist.
  const gtr = Float32Array.from({ length: 3 * SR }, (_, i) => Math.max(-0.08, Math.min(0.08, 0.2 * Math.sin((2 * Math.PI * 330 * i) / SR) * Math.sin((2 * Math.PI * 0.7 * i) / SR))));
  writeWav(path.join(dir, 'stems', 'left.wav'), [l!], SR, { bitDepth: '24' });
  writeWav(path.join(dir, 'stems', 'right.wav'), [r!], SR, { bitDepth: '24' });
  writeWav(path.join(dir, 'stems', 'gtr.wav'), [gtr], SR, { bitDepth: '24' });
  // Hi-hats: white-noise bursts, full band, the content a 44.1 kHz true peak depends on most.
  let s = 7;
  const hats = Float32Array.from({ length: 3 * SR }, (_, i) => {
    s = (s * 1103515245 + 12345) >>> 0;
    return i % 12000 < 1500 ? 0.5 * (s / 2147483648 - 1) * Math.exp(-(i % 12000) / 300) : 0;
  });
  writeWav(path.join(dir, 'stems', 'hats.wav'), [hats], SR, { bitDepth: '24' });
  fs.writeFileSync(
    path.join(dir, 'song.yaml'),
    'channels:\n  - { name: L, file: stems/left.wav }\n  - { name: R, file: stems/right.wav }\n  - { name: Gtr, file: stems/gtr.wav }\n  - { name: Hats, file: stems/hats.wav }\n',
  );
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('the session release reaches the deliveries', () => {
  it('a session with a 1000 ms limiter release needs more gain to the same target than one with 20 ms', () => {
    const channels = fs.readFileSync(path.join(dir, 'song.yaml'), 'utf8');
    const gains = [20, 1000].map((ms) => {
      fs.writeFileSync(path.join(dir, `rel${ms}.yaml`), `${channels}params:\n  /master/limiter/release: ${ms}\n`);
      const r = faderd(['render', `rel${ms}.yaml`, '--for', 'spotify', '-o', `rel${ms}/`, '--tail', '0', '--json'], { cwd: dir });
      expect(r.code, r.err).toBe(0);
      return (JSON.parse(r.out).destinations as Array<{ gainDb: number }>)[0]!.gainDb;
    });
    expect(gains[1]! - gains[0]!).toBeGreaterThan(0.1);
  });
});

describe('44.1 kHz deliveries', () => {
  it('cd:-10 (hard limiting) and cd stay under -1 dBTP by an ideal reconstruction of the written files', () => {
    const r = faderd(['render', 'song.yaml', '--for', 'cd:-10,cd', '-o', 'out/', '--tail', '0', '--json'], { cwd: dir });
    expect(r.code, r.err).toBe(0);
    const reports = JSON.parse(r.out).destinations as Array<{ destination: string; file: string; truePeakDbtp: number; gainDb: number }>;
    expect(reports.map((d) => d.destination)).toEqual(['cd:-10', 'cd']);
    // cd:-10 needs the limiter hard at work: the gain is well past the point where the peaks meet the ceiling.
    expect(reports[0]!.gainDb).toBeGreaterThan(3);
    for (const d of reports) {
      const wav = readWav(d.file);
      expect(wav.sampleRate).toBe(44100);
      const ideal = Math.max(...wav.channels.map((c) => 20 * Math.log10(idealPeakLong(c, 16))));
      expect(ideal, `${d.destination}: ideal reconstruction of the file`).toBeLessThanOrEqual(-1 + TOL_DB);
      expect(Math.abs(ideal - d.truePeakDbtp), `${d.destination}: the report's true peak against the ideal`).toBeLessThan(0.1);
      expect(d.truePeakDbtp).toBeLessThanOrEqual(-1);
    }
  });
});
