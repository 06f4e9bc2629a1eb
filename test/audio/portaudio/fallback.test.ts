/**
 * A device that is missing at start: the engine runs on the null clock (meters stay alive), and the
 * retry picks the device up once it appears, without a restart.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ParamRegistry } from '../../../src/params/registry.ts';
import { ParamStore } from '../../../src/params/store.ts';
import { parseSession } from '../../../src/params/session.ts';
import { EngineHost } from '../../../src/engine/worker/host.ts';
import type { FromWorker } from '../../../src/engine/worker/protocol.ts';
import { makeAlsaHome, type AlsaHome } from './alsa-home.ts';

const engineModule = new URL('../../engine/worker/gain-engine.ts', import.meta.url).href;
let alsa: AlsaHome;
let savedHome: string | undefined;
let asoundrc: string;

beforeAll(() => {
  alsa = makeAlsaHome('faderd-fallback-');
  savedHome = process.env.HOME;
  process.env.HOME = alsa.home;
  const file = path.join(alsa.home, '.asoundrc');
  asoundrc = fs.readFileSync(file, 'utf8');
  // Start with only the null PCM: the "interface" is not plugged in yet.
  fs.writeFileSync(file, 'pcm.mixnull { type null }\n');
});
afterAll(() => {
  process.env.HOME = savedHome;
  fs.rmSync(alsa.dir, { recursive: true, force: true });
});

describe('device fallback and retry', () => {
  it('runs on the null clock while the device is missing and switches to it when it appears', async () => {
    fs.writeFileSync(alsa.inRaw, Buffer.alloc(48000 * 4 * 2 * 20));
    const session = parseSession('name: t\nchannels: 2\nbuses: 0\n', 't.yaml');
    const store = new ParamStore(ParamRegistry.fromSession(session));
    const events: FromWorker[] = [];
    const host = new EngineHost(store, session, {
      engineModule,
      audio: { backend: 'portaudio', device: 'filedev', sampleRate: 48000, blockFrames: 128, demo: false, format: 'int16', retryMs: 300 },
      onEvent: (e) => events.push(e),
    });
    try {
      const first = await host.start();
      expect(first.state).toBe('fallback');
      expect(first.reason).toMatch(/filedev/);
      await new Promise((r) => setTimeout(r, 400));
      host.poll();
      expect(store.get('/status/blocks') as number).toBeGreaterThan(50);
      expect(store.get('/status/audio/state')).toBe('fallback');

      fs.writeFileSync(path.join(alsa.home, '.asoundrc'), asoundrc);
      for (let i = 0; i < 100 && store.get('/status/audio/state') !== 'running'; i++) await new Promise((r) => setTimeout(r, 50));
      expect(store.get('/status/audio/state')).toBe('running');
      expect(store.get('/status/audio/device')).toBe('filedev');
      expect(events.some((e) => e.type === 'log' && /audio device back: filedev/.test(e.msg))).toBe(true);
      for (let i = 0; i < 100 && !(fs.existsSync(alsa.outRaw) && fs.statSync(alsa.outRaw).size > 0); i++) await new Promise((r) => setTimeout(r, 20));
      expect(fs.statSync(alsa.outRaw).size).toBeGreaterThan(0);
    } finally {
      await host.stop();
    }
  });
});
