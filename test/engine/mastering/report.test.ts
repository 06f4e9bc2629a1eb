import { describe, expect, it } from 'vitest';
import { formatLoudnessTable, formatReportTable, jsonFigures, measureProgramme, type DestinationReport } from '../../../src/engine/mastering/report.ts';
import { toneSegments } from '../dsp/ebu-signals.ts';

describe('measureProgramme', () => {
  it('gives integrated, LRA, true peak, maxima and PLR of one pass', () => {
    const x = toneSegments([[6, -20], [6, -30]]);
    const m = measureProgramme([x, x], 48000);
    // Power mean of equal halves at -20 and -30: -20 + 10·log10(1.1 / 2) = -22.6 (both pass the gates).
    expect(m.integratedLufs).toBeCloseTo(-22.6, 1);
    expect(m.lra).toBeCloseTo(10, 0);
    expect(m.truePeakDbtp).toBeCloseTo(-20, 1);
    expect(m.shortTermMaxLufs).toBeCloseTo(-20, 1);
    expect(m.momentaryMaxLufs).toBeCloseTo(-20, 1);
    expect(m.plr).toBeCloseTo(m.truePeakDbtp - m.integratedLufs, 9);
    expect(m.seconds).toBe(12);
  });

  it('silence has no loudness and no PLR', () => {
    const z = new Float32Array(48000);
    const m = measureProgramme([z], 48000);
    expect(m.integratedLufs).toBe(-Infinity);
    expect(Number.isNaN(m.plr)).toBe(true);
    expect(jsonFigures(m)).toMatchObject({ integratedLufs: null, plr: null, lra: 0 });
  });
});

describe('tables', () => {
  const report: DestinationReport = {
    destination: 'spotify', file: 'out/song.spotify.wav', sampleRate: 48000, bitDepth: '24',
    integratedLufs: -14.04, lra: 6.2, truePeakDbtp: -1.02, shortTermMaxLufs: -11.3, plr: 13.02, gainDb: 15.5,
    target: { integratedLufs: -14, truePeakDbtp: -1, sampleRate: 48000, bitDepth: '24', source: 'x' },
    meetsTarget: true,
  };

  it('formats destination reports as aligned columns', () => {
    const t = formatReportTable([report, { ...report, destination: 'cd', meetsTarget: false, target: { ...report.target, integratedLufs: null } }]);
    const lines = t.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[1]).toMatch(/^spotify\s+out\/song\.spotify\.wav\s+48000\s+24\s+-14\.0 LUFS\s+-14\.0 LUFS\s+6\.2 LU\s+-1\.0 dBTP\s+-1\.0 dBTP\s+-11\.3 LUFS\s+13\.0 LU\s+\+15\.5 dB\s+yes$/);
    expect(lines[2]).toMatch(/\(mix\).* NO$/);
    expect(lines[0]!.indexOf('FILE')).toBe(lines[1]!.indexOf('out/'));
  });

  it('formats file reports, showing -inf for silence', () => {
    const t = formatLoudnessTable([{ file: 'a.wav', sampleRate: 44100, channels: 2, bitDepth: '16', integratedLufs: -Infinity, lra: 0, truePeakDbtp: -Infinity, shortTermMaxLufs: -Infinity, momentaryMaxLufs: -Infinity, plr: NaN, seconds: 1 }]);
    expect(t).toMatch(/a\.wav\s+44100\s+2\s+1\.0\s+-inf LUFS\s+0\.0 LU\s+-inf dBTP/);
  });
});
