import { describe, expect, it } from 'vitest';
import { parseSession } from '../../src/params/session.ts';
import { ConfigError, formatIssue } from '../../src/util/source-error.ts';
import { audioConfigFor } from '../../src/daemon/daemon.ts';
import { formatLatency, latencyReport, latencyStatus, primeBlocksFor } from '../../src/audio/latency.ts';

function issues(yaml: string): string[] {
  try {
    parseSession(yaml, 'show.yaml');
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).issues.map(formatIssue);
  }
  throw new Error('no error');
}

describe('the latency setting', () => {
  it('queues nothing on JACK when low, one period when safe; on PortAudio one block when low, 8 ms (at least 2) when safe', () => {
    expect([primeBlocksFor('jack', 'low', 2.67), primeBlocksFor('jack', 'safe', 2.67)]).toEqual([0, 1]);
    expect([primeBlocksFor('portaudio', 'low', 2.67), primeBlocksFor('portaudio', 'safe', 2.67)]).toEqual([1, 3]);
    expect(primeBlocksFor('portaudio', 'safe', 1.33)).toBe(7);
    expect(primeBlocksFor('portaudio', 'safe', 5.33)).toBe(2);
    // Stated outright, the number wins over the mode.
    expect(primeBlocksFor('jack', 'safe', 2.67, 4)).toBe(4);
  });

  it('is read from the session: safe by default, low, or primeBlocks outright', () => {
    expect(parseSession('name: a\n', 'a.yaml').audio).toMatchObject({ latency: 'safe', connect: true });
    expect(parseSession('name: a\n', 'a.yaml').audio.primeBlocks).toBeUndefined();
    const s = parseSession('audio: { backend: jack, latency: low, primeBlocks: 2, connect: false }\n', 'a.yaml');
    expect(s.audio).toMatchObject({ backend: 'jack', latency: 'low', primeBlocks: 2, connect: false });
    expect(audioConfigFor(s)).toMatchObject({ backend: 'jack', latency: 'low', primeBlocks: 2, connect: false });
    // A command-line override of primeBlocks wins over the session's.
    expect(audioConfigFor(s, { primeBlocks: 0 }).primeBlocks).toBe(0);
  });

  it('refuses what it cannot do, with the position', () => {
    expect(issues('audio:\n  latency: lowest\n')).toEqual(['show.yaml:2:12: audio.latency: Invalid option: expected one of "low"|"safe"']);
    expect(issues('audio:\n  primeBlocks: 17\n')[0]).toMatch(/^show\.yaml:2:\d+: /);
    expect(issues('audio:\n  primeBlocks: 1.5\n')[0]).toMatch(/^show\.yaml:2:\d+: /);
    expect(issues('audio:\n  backend: portaudio\n  primeBlocks: 0\n')).toEqual([
      expect.stringMatching(/^show\.yaml:3:16: audio\.primeBlocks: 0 needs the JACK backend/),
    ]);
    expect(issues('audio:\n  backend: alsa\n')[0]).toMatch(/^show\.yaml:2:\d+: .*jack/);
  });
});

describe('the latency report', () => {
  const jack = latencyReport({ mode: 'safe', sampleRate: 48000, blockFrames: 128, primeBlocks: 1, captureFrames: 128, playbackFrames: 256, engineFrames: 0, deviceKnown: true });

  it('adds up the round trip', () => {
    expect(jack).toMatchObject({ queueFrames: 128, roundTripFrames: 512 });
    expect(formatLatency(jack)).toBe('latency safe: round trip 512 frames = 10.7 ms (capture 128 + faderd 128 (1 x 128 queued) + engine 0 + playback 256)');
    expect(latencyStatus(jack)).toBe('safe 512 = in 128 + queue 128 + engine 0 + out 256');
  });

  it('says when the device does not report its share', () => {
    const pa = latencyReport({ mode: 'custom', sampleRate: 48000, blockFrames: 128, primeBlocks: 3, captureFrames: 0, playbackFrames: 0, engineFrames: 91, deviceKnown: false });
    expect(formatLatency(pa)).toMatch(/^latency custom: faderd's share 475 frames = 9\.9 ms .*plus the device's buffers, which PortAudio does not report$/);
    expect(latencyStatus(pa)).toBe('custom 475 = queue 384 + engine 91 + device ?');
  });

  it('fits the status text in a text param even with large numbers', () => {
    const big = latencyReport({ mode: 'custom', sampleRate: 96000, blockFrames: 4096, primeBlocks: 16, captureFrames: 99999, playbackFrames: 99999, engineFrames: 9999, deviceKnown: true });
    expect(latencyStatus(big).length).toBeLessThanOrEqual(64);
  });
});
