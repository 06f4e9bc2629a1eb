import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readWav } from '../../../src/audio/file/wav.ts';
import { loudnessOfFile } from '../../../src/cli/commands/loudness.ts';
import { MAX_LIMIT_DB, exportForDestinations, gainAndLimit, trimDbFor } from '../../../src/engine/mastering/export.ts';
import { measureTruePeak } from '../../../src/engine/dsp/truepeak.ts';
import { formatReportTable, measureProgramme } from '../../../src/engine/mastering/report.ts';
import { synthMix } from './mix-signal.ts';
import { idealPeak } from '../dsp/spectrum.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faderd-export-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('exportForDestinations', () => {
  it('renders one mix for three destinations, each file on target as `faderd loudness` measures it', () => {
    const mix = { sampleRate: 48000, channels: synthMix(8) };
    const before = measureProgramme(mix.channels, 48000);
    expect(before.integratedLufs).toBeLessThan(-25);
    const reports = exportForDestinations(mix, ['spotify', 'ebu-r128', 'custom:-18:-1.5:44100:16'], dir, 'song');
    expect(reports.map((r) => path.basename(r.file))).toEqual(['song.spotify.wav', 'song.ebu-r128.wav', 'song.custom_-18_-1.5_44100_16.wav']);
    const expected = [
      { lufs: -14, tp: -1, rate: 48000, bits: '24' },
      { lufs: -23, tp: -1, rate: 48000, bits: '24' },
      { lufs: -18, tp: -1.5, rate: 44100, bits: '16' },
    ];
    reports.forEach((r, i) => {
      const e = expected[i]!;
      const measured = loudnessOfFile(r.file);
      expect(Math.abs(measured.integratedLufs - e.lufs), r.destination).toBeLessThanOrEqual(0.5);
      expect(measured.truePeakDbtp, r.destination).toBeLessThanOrEqual(e.tp);
      expect(measured.sampleRate).toBe(e.rate);
      expect(measured.bitDepth).toBe(e.bits);
      expect(r.meetsTarget).toBe(true);
      expect(r.integratedLufs).toBeCloseTo(measured.integratedLufs, 6);
      expect(r.plr).toBeCloseTo(r.truePeakDbtp - r.integratedLufs, 6);
    });
    // Pushing a quiet, peaky mix to -14 needs the limiter: the gain found is more than the naive one.
    expect(reports[0]!.gainDb).toBeGreaterThan(-14 - before.integratedLufs);
    const table = formatReportTable(reports);
    expect(table).toMatch(/spotify .* -14\.\d LUFS/);
    expect(table.split('\n')[0]).toMatch(/^DESTINATION\s+FILE/);
  });

  it('cd keeps the mix loudness, resamples to 44.1 kHz and writes dithered 16-bit', () => {
    const mix = { sampleRate: 48000, channels: synthMix(4, 48000, 0.5) };
    const [r] = exportForDestinations(mix, ['cd'], dir, 'loud');
    const wav = readWav(r!.file);
    expect(wav.sampleRate).toBe(44100);
    expect(wav.bitDepth).toBe('16');
    expect(r!.gainDb).toBe(0);
    expect(r!.truePeakDbtp).toBeLessThanOrEqual(-1);
    expect(Math.abs(wav.channels[0]!.length - 4 * 44100)).toBeLessThanOrEqual(1);
  });

  it('an unreachable target is not forced: gain capped at MAX_LIMIT_DB of limiting, the target reported missed', () => {
    // A mix with its transients intact (PLR well over 10 LU), asked for -7 LUFS at -1 dBTP.
    const chans = synthMix(4, 48000, 0.05);
    const mix = { sampleRate: 48000, channels: chans };
    const tpBefore = measureTruePeak(chans, 48000);
    const [r] = exportForDestinations(mix, ['custom:-7:-1'], dir, 'clipped');
    expect(r!.gainDb).toBeLessThanOrEqual(-1 - tpBefore + MAX_LIMIT_DB + 1e-9);
    expect(r!.meetsTarget).toBe(false);
    expect(r!.integratedLufs).toBeLessThan(-7.5);
    expect(r!.missed).toMatch(/-7 LUFS needs more than 6 dB of limiting into the -1 dBTP ceiling; left at -\d+\.\d LUFS/);
    expect(formatReportTable([r!])).toMatch(/target missed: -7 LUFS needs more than 6 dB/);
    // A reachable one is reached as before, with no note.
    const [ok] = exportForDestinations({ sampleRate: 48000, channels: synthMix(4, 48000, 0.05) }, ['spotify'], dir, 'fine');
    expect(ok!.meetsTarget).toBe(true);
    expect(ok!.missed).toBeUndefined();
  });

  it('refuses a silent mix with a clear message', () => {
    const z = new Float32Array(48000);
    expect(() => exportForDestinations({ sampleRate: 48000, channels: [z, z] }, ['spotify'], dir, 'quiet')).toThrow(/silent/);
  });
});

describe('gainAndLimit', () => {
  it('keeps timing (latency removed) and holds the ceiling', () => {
    const [l, r] = synthMix(2, 48000, 0.05);
    const out = gainAndLimit([l!, r!], 48000, 0, -1);
    for (let i = 0; i < 2000; i++) expect(out[0]![i]).toBe(l![i]);
    const loud = gainAndLimit([l!, r!], 48000, 30, -1);
    expect(measureProgramme(loud, 48000).truePeakDbtp).toBeLessThanOrEqual(-1);
  });
});

describe('trimDbFor (the check at the delivery rate before a delivery is kept)', () => {
  it('turns audio over the ceiling down to just under it by an ideal reconstruction, and leaves audio under it alone', () => {
    // fs/4 at 45°: samples at 0.707 of the crest, so a sample-peak check would pass it at +3 dB over.
    const x = Float32Array.from({ length: 4000 }, (_, i) => 0.95 * Math.sin((Math.PI * i) / 2 + Math.PI / 4) * Math.min(1, i / 400, (3999 - i) / 400));
    const trim = trimDbFor(measureTruePeak([x], 44100), -1);
    expect(trim).toBeLessThan(-0.5);
    const g = Math.pow(10, trim / 20);
    const ideal = 20 * Math.log10(idealPeak(x.map((v) => v * g), 32));
    expect(ideal).toBeLessThanOrEqual(-1);
    expect(ideal).toBeGreaterThan(-1.05);
    expect(trimDbFor(measureTruePeak([x.map((v) => v * g)], 44100), -1)).toBe(0);
  });

  it('a delivery that needed it says so in the report table', () => {
    const table = formatReportTable([{
      destination: 'cd', file: 'a.wav', sampleRate: 44100, bitDepth: '16', integratedLufs: -10, lra: 3, truePeakDbtp: -1.01,
      shortTermMaxLufs: -8, plr: 9, gainDb: 2, target: { integratedLufs: null, truePeakDbtp: -1, sampleRate: 44100, bitDepth: '16', source: '' },
      meetsTarget: true, trimDb: -0.04,
    }]);
    expect(table).toContain('cd: turned down -0.04 dB after the limiter to stay under -1 dBTP at 44100 Hz');
  });
});

describe('the delivery limiter honours the session release', () => {
  it('a slower release takes more loudness away, so the gain to the same target is higher', () => {
    const chans = synthMix(4, 48000, 0.05);
    const gains = [20, 1000].map((limiterReleaseMs) => {
      const [r] = exportForDestinations({ sampleRate: 48000, channels: chans, limiterReleaseMs }, ['custom:-14:-1'], dir, `rel${limiterReleaseMs}`);
      expect(r!.meetsTarget).toBe(true);
      return r!.gainDb;
    });
    expect(gains[1]! - gains[0]!).toBeGreaterThan(0.15);
  });
});
