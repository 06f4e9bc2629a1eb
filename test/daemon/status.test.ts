import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { ParamRegistry } from '../../src/params/registry.ts';
import { ParamStore } from '../../src/params/store.ts';
import { defaultSession } from '../../src/params/session.ts';
import { StatusReporter } from '../../src/daemon/status.ts';
import { isNativeNoise } from '../../src/daemon/stdio-filter.ts';

describe('StatusReporter', () => {
  it('logs a line when something changed: warnings for late blocks, nothing when only blocks advance', () => {
    const store = new ParamStore(ParamRegistry.fromSession(defaultSession()));
    const lines: Array<{ level: number; msg: string }> = [];
    const log = pino({ level: 'info' }, { write: (s: string) => lines.push(JSON.parse(s)) });
    const r = new StatusReporter(store, log, 60_000);
    const set = (e: Record<string, unknown>) => store.batch(Object.entries(e), 'engine', { internal: true });
    set({ '/status/audio/state': 'running', '/status/audio/device': 'null', '/status/blocks': 100, '/status/load/mean': 3, '/status/load/max': 9 });
    expect(r.report()).toBe('audio running on null, load 3.0% mean / 9.0% max, 100 blocks, 0 late, 0 dropped');
    set({ '/status/blocks': 2000 });
    expect(r.report()).toBeUndefined();
    set({ '/status/blocks': 4000, '/status/late': 2 });
    expect(r.report()).toMatch(/2 late/);
    expect(lines.map((l) => l.level)).toEqual([30, 40]);
  });

  it('says when the engine thread could not get real-time scheduling', () => {
    const store = new ParamStore(ParamRegistry.fromSession(defaultSession()));
    const r = new StatusReporter(store, pino({ level: 'silent' }), 60_000);
    store.batch(Object.entries({ '/status/audio/state': 'running', '/status/audio/device': 'hw:1', '/status/audio/scheduling': 'nice' }), 'engine', { internal: true });
    expect(r.report()).toMatch(/^audio running on hw:1 \(nice priority\), load/);
  });
});

describe('StatusReporter and the param queue', () => {
  it('shows param changes that waited for a full engine queue, in the line (a warning) and under /status/params/overflowed', () => {
    const store = new ParamStore(ParamRegistry.fromSession(defaultSession()));
    const lines: Array<{ level: number; msg: string; overflowed?: number }> = [];
    const log = pino({ level: 'info' }, { write: (s: string) => lines.push(JSON.parse(s)) });
    let overflowed = 0;
    const r = new StatusReporter(store, log, 60_000, () => overflowed);
    store.batch(Object.entries({ '/status/audio/state': 'running', '/status/audio/device': 'null' }), 'engine', { internal: true });
    expect(r.report()).not.toMatch(/param changes/);
    expect(store.get('/status/params/overflowed')).toBe(0);
    overflowed = 37;
    expect(r.report()).toMatch(/, 37 param changes waited for a full queue$/);
    expect(store.get('/status/params/overflowed')).toBe(37);
    expect(lines.at(-1)).toMatchObject({ level: 40, overflowed: 37 });
    // No new overflow, nothing else changed: no line.
    expect(r.report()).toBeUndefined();
  });
});

describe('native output filter', () => {
  it("hides naudiodon's and ALSA's lines and nothing else", () => {
    for (const l of [
      'PortAudio V19.6.0-devel, revision unknown',
      'Input audio options: device 5, sample rate 48000, channels 2',
      'Output device name is jackdev',
      'Finishing output - 512 bytes not available to fill the last buffer',
      "ALSA lib confmisc.c:855:(parse_card) cannot find card '0'",
      'jack server is not running or cannot be started',
      'JackSocketClientChannel read fail',
      "Expression 'alsa_snd_pcm_hw_params_set_period_size_near( pcm, hwParams, &alsaPeriodFrames, &dir )' failed in 'src/hostapi/alsa/pa_linux_alsa.c', line: 923",
    ])
      expect(isNativeNoise(l)).toBe(true);
    for (const l of ['faderd running: session Default, audio null @ 48000/128, OSC 127.0.0.1:9000', '{"level":40,"msg":"Input 3 clipped"}', 'Input gain is high'])
      expect(isNativeNoise(l)).toBe(false);
  });
});
