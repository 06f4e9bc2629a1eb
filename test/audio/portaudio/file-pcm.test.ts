/**
 * The engine worker through naudiodon on an ALSA file PCM: a known 4-track input goes in through the
 * interface's capture side, and what the interface played equals an offline render of the same input
 * and session (engine.process block by block, in-process), at 16-bit tolerance.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ParamRegistry } from '../../../src/params/registry.ts';
import { ParamStore } from '../../../src/params/store.ts';
import { parseSession } from '../../../src/params/session.ts';
import { createEngine, applyStoreToEngine } from '../../../src/engine/index.ts';
import { EngineHost } from '../../../src/engine/worker/host.ts';
import { makeAlsaHome, type AlsaHome } from './alsa-home.ts';

const RATE = 48000;
const BLOCK = 128;
const CH_IN = 4;
const FRAMES = RATE; // one second compared
const SESSION = `
name: filepcm
channels:
  - { name: A, input: 1 }
  - { name: B, input: 2 }
  - { name: C, input: 3 }
  - { name: D, input: 4 }
buses: 0
audio: { backend: portaudio, sampleRate: 48000, blockSize: 128 }
params:
  /ch/1/fader: -6
  /ch/2/pan: -0.5
  /ch/3/eq/2/gain: 6
  /ch/4/comp/on: true
`;

let alsa: AlsaHome;
let savedHome: string | undefined;

/** Four tracks, interleaved S16LE: tones and a noise burst at moderate levels, then silence. */
function inputSignal(frames: number): Int16Array {
  const out = new Int16Array(frames * CH_IN);
  let seed = 12345;
  for (let i = 0; i < FRAMES; i++) {
    const t = i / RATE;
    seed = (Math.imul(seed, 1103515245) + 12345) | 0;
    const tracks = [
      0.3 * Math.sin(2 * Math.PI * 110 * t),
      0.2 * Math.sin(2 * Math.PI * 440 * t + 1),
      0.25 * Math.sin(2 * Math.PI * 1250 * t) * (i % 9600 < 4800 ? 1 : 0.1),
      (0.4 * seed) / 2147483648,
    ];
    for (let c = 0; c < CH_IN; c++) out[i * CH_IN + c] = Math.round(tracks[c]! * 32767);
  }
  return out;
}

beforeAll(() => {
  alsa = makeAlsaHome();
  savedHome = process.env.HOME;
  process.env.HOME = alsa.home;
});
afterAll(() => {
  process.env.HOME = savedHome;
  fs.rmSync(alsa.dir, { recursive: true, force: true });
});

describe('PortAudio backend on an ALSA file PCM', () => {
  it('plays what an offline render of the same input and session produces', async () => {
    // Captured data past the end of in.raw is stale garbage, so the file runs well past what is compared.
    const input = inputSignal(FRAMES * 4);
    fs.writeFileSync(alsa.inRaw, Buffer.from(input.buffer));
    const session = parseSession(SESSION, 'filepcm.yaml');
    const registry = ParamRegistry.fromSession(session);
    const store = new ParamStore(registry);
    store.batch(Object.entries(session.params), 'state');

    const host = new EngineHost(store, session, { audio: { backend: 'portaudio', device: 'filedev', sampleRate: RATE, blockFrames: BLOCK, demo: false, format: 'int16' } });
    const audio = await host.start();
    expect(audio).toMatchObject({ state: 'running', device: 'filedev', format: 'int16' });
    // The file PCM runs unpaced (~200x real time): wait until a second and a half has been played.
    const deadline = Date.now() + 10_000;
    while ((fs.existsSync(alsa.outRaw) ? fs.statSync(alsa.outRaw).size : 0) < RATE * 1.5 * 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await host.stop();
    const played = fs.readFileSync(alsa.outRaw);
    const out = new Int16Array(played.buffer, played.byteOffset, Math.floor(played.length / 2));

    // Offline: the same engine, session and params, block by block, quantized like the device.
    const engine = createEngine(session, registry, { maxBlock: BLOCK, sampleRate: RATE });
    applyStoreToEngine(store, engine);
    const ins = Array.from({ length: engine.inputChannels }, () => new Float32Array(BLOCK));
    const outs = Array.from({ length: engine.outputChannels }, () => new Float32Array(BLOCK));
    const expected = new Int16Array(FRAMES * 2);
    for (let b = 0; b < FRAMES / BLOCK; b++) {
      for (let i = 0; i < BLOCK; i++) for (let c = 0; c < CH_IN; c++) ins[c]![i] = input[(b * BLOCK + i) * CH_IN + c]! / 32768;
      engine.process(ins, outs, BLOCK);
      for (let i = 0; i < BLOCK; i++)
        for (let c = 0; c < 2; c++) expected[(b * BLOCK + i) * 2 + c] = Math.max(-32768, Math.min(32767, Math.round(Math.max(-1, Math.min(1, outs[c]![i]!)) * 32768)));
    }
    expect(expected.some((s) => Math.abs(s) > 3000)).toBe(true);

    // The output starts after the primed silence and the device pipeline: find that whole-block offset.
    let offset = -1;
    for (let blocks = 0; blocks <= 32 && offset < 0; blocks++) {
      const o = blocks * BLOCK * 2;
      let ok = o + expected.length <= out.length;
      for (let k = 0; ok && k < 4096; k++) if (Math.abs(out[o + k]! - expected[k]!) > 1) ok = false;
      if (ok) offset = o;
    }
    expect(offset, 'output never lines up with the offline render').toBeGreaterThanOrEqual(0);
    expect(out.subarray(0, offset).every((s) => s === 0)).toBe(true);
    let maxDiff = 0;
    for (let k = 0; k < expected.length; k++) maxDiff = Math.max(maxDiff, Math.abs(out[offset + k]! - expected[k]!));
    expect(maxDiff).toBeLessThanOrEqual(1);
  });
});
