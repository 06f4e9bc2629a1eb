/**
 * The latency setting on the PortAudio backend, through an ALSA file PCM (unpaced, so the device
 * adds the same pipeline every run): the output starts exactly as many blocks later as faderd queues
 * ahead, and the status reports that queue as faderd's share.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ParamRegistry } from '../../../src/params/registry.ts';
import { ParamStore } from '../../../src/params/store.ts';
import { parseSession } from '../../../src/params/session.ts';
import { EngineHost } from '../../../src/engine/worker/host.ts';
import type { AudioConfig } from '../../../src/audio/index.ts';
import { makeAlsaHome, type AlsaHome } from './alsa-home.ts';

const BLOCK = 128;
const engineModule = new URL('../jack/ramp-engine.ts', import.meta.url).href;

let alsa: AlsaHome;
let savedHome: string | undefined;

beforeAll(() => {
  alsa = makeAlsaHome('faderd-priming-');
  savedHome = process.env.HOME;
  process.env.HOME = alsa.home;
  // Two channels of a counter that never repeats within the file: 1, 2, 3 ... as int16.
  const frames = 48000 * 4;
  const input = new Int16Array(frames * 2);
  for (let i = 0; i < frames; i++) input[2 * i] = input[2 * i + 1] = (i % 30000) + 1;
  fs.writeFileSync(alsa.inRaw, Buffer.from(input.buffer));
});
afterAll(() => {
  process.env.HOME = savedHome;
  fs.rmSync(alsa.dir, { recursive: true, force: true });
});

/** Plays the counter through faderd; returns the frame where it starts in the output and the status. */
async function offsetWith(audio: Partial<AudioConfig>): Promise<{ offset: number; primeFrames: number | undefined; latency: string }> {
  fs.rmSync(alsa.outRaw, { force: true });
  const session = parseSession('name: priming\nchannels: 2\nbuses: 0\n', 'priming.yaml');
  const store = new ParamStore(ParamRegistry.fromSession(session));
  const host = new EngineHost(store, session, { engineModule, audio: { backend: 'portaudio', device: 'filedev', sampleRate: 48000, blockFrames: BLOCK, demo: false, format: 'int16', ...audio } });
  const status = await host.start();
  const deadline = Date.now() + 10_000;
  while ((fs.existsSync(alsa.outRaw) ? fs.statSync(alsa.outRaw).size : 0) < 48000 * 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  const latency = String(store.get('/status/audio/latency'));
  await host.stop();
  const played = fs.readFileSync(alsa.outRaw);
  const out = new Int16Array(played.buffer, played.byteOffset, Math.floor(played.length / 2));
  let offset = -1;
  for (let f = 0; f < out.length / 2 && offset < 0; f++) if (out[2 * f] === 1 && out[2 * f + 2] === 2) offset = f;
  return { offset, primeFrames: status.primeFrames, latency };
}

describe('PortAudio priming follows the latency setting', () => {
  it('low queues one block, safe 8 ms (3 blocks at 128), primeBlocks what it says: the output starts that many blocks later', async () => {
    const low = await offsetWith({ latency: 'low' });
    const safe = await offsetWith({ latency: 'safe' });
    const five = await offsetWith({ primeBlocks: 5 });
    expect([low.primeFrames, safe.primeFrames, five.primeFrames]).toEqual([BLOCK, 3 * BLOCK, 5 * BLOCK]);
    expect(low.offset).toBeGreaterThanOrEqual(BLOCK);
    expect(safe.offset - low.offset).toBe(2 * BLOCK);
    expect(five.offset - low.offset).toBe(4 * BLOCK);
    expect(low.latency).toBe('low 128 = queue 128 + engine 0 + device ?');
    expect(five.latency).toBe('custom 640 = queue 640 + engine 0 + device ?');
  }, 60_000);
});
