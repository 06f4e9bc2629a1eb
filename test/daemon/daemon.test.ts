import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import dgram from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { parseSession } from '../../src/params/session.ts';
import { Daemon } from '../../src/daemon/daemon.ts';

const engineModule = new URL('../engine/worker/gain-engine.ts', import.meta.url).href;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function oscFloat(address: string, value: number): Buffer {
  const pad = (s: string) => {
    const b = Buffer.from(s + '\0');
    return Buffer.concat([b, Buffer.alloc((4 - (b.length % 4)) % 4)]);
  };
  const f = Buffer.alloc(4);
  f.writeFloatBE(value);
  return Buffer.concat([pad(address), pad(',f'), f]);
}

describe('Daemon', () => {
  it('starts on the null clock, answers OSC, reloads live settings and saves state on stop', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faderd-daemon-'));
    dirs.push(dir);
    const file = path.join(dir, 's.yaml');
    const yaml = (gain: number) => `name: t\nchannels: 2\nbuses: 0\naudio: { backend: 'null' }\nparams: { /ch/2/fader: ${gain} }\n`;
    fs.writeFileSync(file, yaml(-3));
    const daemon = new Daemon({ session: parseSession(yaml(-3), file), oscPort: 0, stateDir: path.join(dir, 'state'), engineModule });
    try {
      const info = await daemon.start();
      expect(info.audio).toMatchObject({ state: 'running', device: 'null' });
      expect(daemon.store.get('/ch/2/fader')).toBe(-3);
      const sock = dgram.createSocket('udp4');
      sock.send(oscFloat('/ch/1/fader', -12), daemon.oscServer!.port, '127.0.0.1');
      for (let i = 0; i < 50 && daemon.store.get('/ch/1/fader') !== -12; i++) await sleep(20);
      sock.close();
      expect(daemon.store.get('/ch/1/fader')).toBe(-12);
      await sleep(300);
      expect(daemon.store.get('/status/blocks') as number).toBeGreaterThan(50);

      const r = await daemon.reload(parseSession(yaml(-9), file));
      expect(r).toEqual({ applied: ['params'], needsRestart: [] });
      expect(daemon.store.get('/ch/2/fader')).toBe(-9);
      const r2 = await daemon.reload(parseSession(yaml(-9).replace('channels: 2', 'channels: 3'), file));
      expect(r2.needsRestart).toEqual(['mixer layout']);
    } finally {
      await daemon.stop();
    }
    const saved = JSON.parse(fs.readFileSync(path.join(dir, 'state', 'state.json'), 'utf8')) as { params: Record<string, unknown> };
    expect(saved.params['/ch/1/fader']).toBe(-12);
    expect(daemon.store.get('/status/audio/state')).toBe('stopped');
  });

  it('falls back to the null clock when the chosen device does not exist, and says why', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faderd-daemon-'));
    dirs.push(dir);
    const session = parseSession('name: t\nchannels: 2\nbuses: 0\nosc: { enabled: false }\naudio: { backend: portaudio, device: no-such-interface }\n', path.join(dir, 's.yaml'));
    const daemon = new Daemon({ session, stateDir: path.join(dir, 'state'), engineModule });
    try {
      const info = await daemon.start();
      expect(info.audio.state).toBe('fallback');
      expect(info.audio.reason).toMatch(/no-such-interface/);
      await sleep(300);
      // Meters and status stay alive on the null clock.
      expect(daemon.store.get('/status/blocks') as number).toBeGreaterThan(50);
    } finally {
      await daemon.stop();
    }
  });

  it('opens the session surfaces through their mappings, shows them connected and closes them on stop', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faderd-daemon-'));
    dirs.push(dir);
    const surfacePort = 30000 + Math.floor(Math.random() * 20000);
    fs.writeFileSync(path.join(dir, 'tablet.yaml'), 'version: 1\nsurface: { transport: osc, port: 9100 }\nbindings:\n  - source: { osc: /1/fader1, args: f }\n    target: /ch/1/fader\n');
    const yaml = `name: t\nchannels: 2\nbuses: 0\nosc: { enabled: false }\naudio: { backend: 'null' }\nsurfaces:\n  - { mapping: tablet.yaml, id: tab, device: { port: ${surfacePort} } }\n  - { mapping: missing.yaml }\n`;
    const daemon = new Daemon({ session: parseSession(yaml, path.join(dir, 's.yaml')), stateDir: path.join(dir, 'state'), engineModule });
    try {
      const info = await daemon.start();
      expect(info.surfaces).toEqual(['tab']);
      expect(info.surfaceProblems).toHaveLength(1);
      expect(info.surfaceProblems[0]).toMatch(/missing\.yaml/);
      expect(daemon.store.get('/surface/tab/connected')).toBe(false);
      const sock = dgram.createSocket('udp4');
      // The surface may still be binding its port: send until the store moves.
      for (let i = 0; i < 50 && daemon.store.get('/ch/1/fader') !== -Infinity; i++) {
        sock.send(oscFloat('/1/fader1', 0), surfacePort, '127.0.0.1');
        await sleep(20);
      }
      sock.close();
      expect(daemon.store.get('/ch/1/fader')).toBe(-Infinity);
      // An OSC surface counts as connected once a client talks to it (it then gets feedback).
      expect(daemon.store.get('/surface/tab/connected')).toBe(true);
    } finally {
      await daemon.stop();
    }
    // The surface's port is free again.
    const again = dgram.createSocket('udp4');
    await new Promise<void>((res, rej) => {
      again.once('error', rej);
      again.bind(surfacePort, '127.0.0.1', () => res());
    });
    again.close();
  });
});
