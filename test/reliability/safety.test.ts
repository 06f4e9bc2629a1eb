/**
 * The safety ceiling (session `safety.maxGainDb`) caps the master and bus faders whichever way a
 * value arrives: API, normalized form, native OSC (units, /norm, patterns, bundles), a mapped
 * surface, the session's params, a hand-edited state file, a hand-edited scene. Raising it is a
 * deliberate act: editing the session (the schema allows at most +10 dB) and restarting.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualTimeScheduler } from 'rxjs';
import { parseSession } from '../../src/params/session.ts';
import { ParamRegistry } from '../../src/params/registry.ts';
import { ParamStore } from '../../src/params/store.ts';
import { ParamRangeError } from '../../src/params/errors.ts';
import { applyValues, StateManager } from '../../src/params/persistence.ts';
import { SceneLibrary } from '../../src/params/scenes.ts';
import { NativeOscServer } from '../../src/servers/native-osc.ts';
import { compileMapping } from '../../src/mapping/binding/compile.ts';
import { parseMapping } from '../../src/mapping/file/load.ts';
import { MemorySurface } from '../../src/surfaces/memory.ts';
import { ConfigError } from '../../src/util/source-error.ts';
import { oscClient, f, sleep } from '../surfaces/osc/client.ts';
import { MCU_YAML } from '../fuzz/targets/midi.ts';

const CEILING = -3;
const SESSION = `channels: 8\nbuses: 2\nsafety: { maxGainDb: ${CEILING} }\nparams: { /master/fader: 10, /bus/2/fader: 6, /ch/1/fader: 6 }\n`;
const capped = ['/master/fader', '/bus/1/fader', '/bus/2/fader'];

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function store(): ParamStore {
  return new ParamStore(ParamRegistry.fromSession(parseSession(SESSION, 'safe.yaml')));
}

function tmpDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'faderd-safety-'));
  cleanups.push(() => fs.rmSync(d, { recursive: true, force: true }));
  return d;
}

describe('safety ceiling on master and bus gain', () => {
  it('caps direct and normalized writes; strict writes are refused; channel faders keep +10 dB', () => {
    const s = store();
    for (const a of capped) {
      // Faders start at the ceiling when it is below their 0 dB default.
      expect(s.get(a)).toBeLessThanOrEqual(CEILING);
      s.set(a, -20, 'api');
      expect(s.set(a, 10, 'api')?.clamped).toBe(true);
      expect(s.get(a)).toBe(CEILING);
      s.set(a, -20, 'api');
      s.setNormalized(a, 1, 'api');
      expect(s.get(a)).toBe(CEILING);
      // An infinity is no value at all: refused, the ceiling stays.
      expect(() => s.batch([[a, 'Infinity']], 'api')).toThrow();
      expect(s.get(a)).toBe(CEILING);
      expect(() => s.set(a, 0, 'api', { strict: true })).toThrow(ParamRangeError);
      expect(s.registry.get(a)!.max).toBe(CEILING);
    }
    s.set('/ch/1/fader', 10, 'api');
    expect(s.get('/ch/1/fader')).toBe(10);
  });

  it('caps the session\'s own params, a hand-edited state file and a hand-edited scene', () => {
    const session = parseSession(SESSION, 'safe.yaml');
    const s = new ParamStore(ParamRegistry.fromSession(session));
    applyValues(s, session.params, 'session', 'safe.yaml');
    expect(s.get('/master/fader')).toBe(CEILING);
    expect(s.get('/bus/2/fader')).toBe(CEILING);

    const dir = tmpDir();
    fs.writeFileSync(path.join(dir, 'state.json'), JSON.stringify({ format: 'faderd-state', version: 1, params: { '/master/fader': 12, '/bus/1/fader': 1e9 } }));
    const fresh = store();
    new StateManager(fresh, dir).restore();
    expect(fresh.get('/master/fader')).toBe(CEILING);
    expect(fresh.get('/bus/1/fader')).toBe(CEILING);

    fs.mkdirSync(path.join(dir, 'scenes'));
    fs.writeFileSync(path.join(dir, 'scenes', 'Loud.yaml'), 'version: 1\nname: Loud\nparams:\n  /master/fader: 10\n  /bus/2/fader: 9.5\n');
    const s2 = store();
    new SceneLibrary(s2, dir).recall('Loud');
    expect(s2.get('/master/fader')).toBe(CEILING);
    expect(s2.get('/bus/2/fader')).toBe(CEILING);
  });

  it('caps native OSC in units, normalized, by pattern and in bundles', async () => {
    const s = store();
    const srv = new NativeOscServer(s, { host: '127.0.0.1', port: 0 });
    await srv.start();
    cleanups.push(() => srv.close());
    const c = await oscClient(srv.port);
    cleanups.push(() => c.close());
    const settle = async (n: number) => {
      const t0 = Date.now();
      while (srv.stats().received < n && Date.now() - t0 < 10_000) await sleep(5);
    };
    c.send('/master/fader', f(10));
    c.send('/norm/bus/1/fader', f(1));
    c.send('/bus/*/fader', f(8));
    await settle(3);
    for (const a of capped) expect(s.get(a)).toBe(CEILING);
    for (const a of capped) s.set(a, -30, 'api');
    c.bundle([{ address: '/master/fader', args: [f(40)] }, { address: '/norm/bus/*/fader', args: [f(2)] }]);
    await settle(5);
    for (const a of capped) expect(s.get(a)).toBe(CEILING);
  });

  it('caps a mapped surface: an MCU master fader pushed to the top', () => {
    const s = store();
    const surface = new MemorySurface('mcu');
    const compiled = compileMapping(parseMapping(MCU_YAML, 'mcu.yaml'), s, surface, { id: 'mcu', scheduler: new VirtualTimeScheduler() });
    cleanups.push(() => compiled.dispose());
    surface.midi(0xe8, 0x7f, 0x7f);
    expect(s.get('/master/fader')).toBe(CEILING);
  });

  it('the ceiling itself cannot be raised past +10 dB: such a session is refused with its location', () => {
    let err: unknown;
    try {
      parseSession('channels: 2\nsafety:\n  maxGainDb: 20\n', 'loud.yaml');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).issues[0]).toMatchObject({ file: 'loud.yaml', line: 3 });
  });
});
