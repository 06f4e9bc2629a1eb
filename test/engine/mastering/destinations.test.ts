import { describe, expect, it } from 'vitest';
import { DestinationError, destinationFileTag, parseDestination, parseDestinations, PRESETS } from '../../../src/engine/mastering/destinations.ts';

describe('destinations', () => {
  it('presets carry the documented figures and their source', () => {
    expect(parseDestination('spotify')).toMatchObject({ integratedLufs: -14, truePeakDbtp: -1 });
    expect(parseDestination('streaming')).toMatchObject({ integratedLufs: -14, name: 'streaming' });
    expect(parseDestination('apple-music').integratedLufs).toBe(-16);
    expect(parseDestination('youtube').integratedLufs).toBe(-14);
    expect(parseDestination('ebu-r128')).toMatchObject({ integratedLufs: -23, truePeakDbtp: -1, sampleRate: 48000 });
    expect(parseDestination('podcast').integratedLufs).toBe(-16);
    expect(parseDestination('cd')).toMatchObject({ integratedLufs: null, sampleRate: 44100, bitDepth: '16', dither: true });
    for (const p of Object.values(PRESETS)) expect(p.source.length).toBeGreaterThan(20);
  });

  it('parses custom specs and preset overrides', () => {
    expect(parseDestination('custom:-18:-1.5')).toMatchObject({ integratedLufs: -18, truePeakDbtp: -1.5, sampleRate: null, bitDepth: '24' });
    expect(parseDestination('custom:-16:-1:44100:16')).toMatchObject({ sampleRate: 44100, bitDepth: '16', dither: true });
    expect(parseDestination('custom:-16:-1:96000:32f')).toMatchObject({ bitDepth: '32f', dither: false });
    expect(parseDestination('cd:-10')).toMatchObject({ integratedLufs: -10, truePeakDbtp: -1, sampleRate: 44100 });
    expect(parseDestination('Spotify:-13:-2')).toMatchObject({ integratedLufs: -13, truePeakDbtp: -2 });
    expect(parseDestinations('spotify, cd ,ebu-r128').map((d) => d.name)).toEqual(['spotify', 'cd', 'ebu-r128']);
    expect(destinationFileTag(parseDestination('custom:-18:-1.5'))).toBe('custom_-18_-1.5');
  });

  it('refuses bad specs with a message that lists the valid names', () => {
    expect(() => parseDestination('spotfy')).toThrow(DestinationError);
    expect(() => parseDestination('spotfy')).toThrow(/unknown destination "spotfy"; valid: spotify, apple-music, youtube, ebu-r128, podcast, cd, streaming, custom/);
    expect(() => parseDestination('custom:-18')).toThrow(/custom:LUFS:dBTP/);
    expect(() => parseDestination('custom:loud:-1')).toThrow(/loudness target \(LUFS\) must be a number from -40 to -5, got "loud"/);
    expect(() => parseDestination('custom:-18:3')).toThrow(/true-peak ceiling/);
    expect(() => parseDestination('custom:-18:-1:44100:8')).toThrow(/BITS must be 16, 24 or 32f/);
    expect(() => parseDestinations(' , ')).toThrow(/no destination given/);
  });
});
