/**
 * The X32 server in `faderd run`: the session's `x32` key, the daemon starting, reloading and
 * stopping it, and what happens when the console's port is taken.
 */
import dgram from 'node:dgram';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Logger } from 'pino';
import { Daemon } from '../../../src/daemon/daemon.ts';
import { defaultSession, parseSession } from '../../../src/params/session.ts';
import { ConfigError } from '../../../src/util/source-error.ts';
import { startX32Server } from '../../../src/servers/x32/start.ts';
import { sessionStore, x32Client } from './client.ts';

const engineModule = new URL('../../engine/worker/gain-engine.ts', import.meta.url).href;
const cleanups: Array<() => Promise<unknown> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('session x32 key', () => {
  it('is on by default on 127.0.0.1:10023 with no allow list; every field can be set', () => {
    expect(defaultSession().x32).toEqual({ enabled: true, host: '127.0.0.1', port: 10023, allow: [], readOnly: [] });
    const s = parseSession('x32: { host: 0.0.0.0, port: 10033, allow: [192.168.1.0/24], readOnly: [192.168.1.50] }\n', 's.yaml');
    expect(s.x32).toEqual({ enabled: true, host: '0.0.0.0', port: 10033, allow: ['192.168.1.0/24'], readOnly: ['192.168.1.50'] });
    expect(parseSession('x32: { enabled: false }\n', 's.yaml').x32.enabled).toBe(false);
  });

  it('refuses a misspelt key with its position and a hint', () => {
    try {
      parseSession('name: t\nx32: { readonly: [10.0.0.2] }\n', 's.yaml');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      expect((e as ConfigError).message).toMatch(/s\.yaml:2:\d+: .*'readonly'.*did you mean 'readOnly'/);
    }
  });
});

describe('X32 server in the daemon', () => {
  it('starts with the daemon on the chosen port, follows a reload, stops with it', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faderd-x32-'));
    cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    const file = path.join(dir, 's.yaml');
    const yaml = 'name: t\nchannels: [{ name: Kick }, { name: Snare }]\nbuses: 0\naudio: { backend: "null" }\nosc: { enabled: false }\n';
    const daemon = new Daemon({ session: parseSession(yaml, file), x32Port: 0, stateDir: path.join(dir, 'state'), engineModule });
    cleanups.push(() => daemon.stop());
    const info = await daemon.start();
    expect(info.x32).toMatchObject({ host: '127.0.0.1' });
    const c = await x32Client('127.0.0.1', info.x32!.port);
    cleanups.push(() => c.close());
    c.send('/ch/02/config/name');
    expect((await c.waitFor((m) => m.address === '/ch/02/config/name', 'the name')).args[0]!.value).toBe('Snare');

    const r = await daemon.reload(parseSession(yaml + 'x32: { enabled: false }\n', file));
    expect(r.applied).toEqual(['x32']);
    expect(daemon.x32Server).toBeUndefined();
    const r2 = await daemon.reload(parseSession(yaml, file));
    expect(r2.applied).toEqual(['x32']);
    expect(daemon.x32Server?.port).toBeGreaterThan(0);
    await daemon.stop();
    expect(daemon.x32Server).toBeUndefined();
  });

  it('with the default settings, a taken port 10023 is a warning; a port the user chose is an error', async () => {
    // Hold 127.0.0.1:10023 (if something else already holds it, it is taken all the same).
    const holder = dgram.createSocket('udp4');
    await new Promise<void>((r) => {
      holder.once('error', () => r());
      holder.bind(10023, '127.0.0.1', () => r());
    });
    cleanups.push(() => new Promise<void>((r) => holder.close(() => r())));
    const warnings: string[] = [];
    const log = { warn: (m: string) => warnings.push(m), info: () => undefined } as unknown as Logger;
    const store = sessionStore();
    expect(await startX32Server(store, defaultSession(), log)).toBeUndefined();
    expect(warnings).toEqual([expect.stringMatching(/X32 server: cannot listen on UDP 127\.0\.0\.1:10023.*X32 apps cannot connect/)]);
    await expect(startX32Server(store, defaultSession(), log, 10023)).rejects.toThrow(/cannot listen on UDP 127\.0\.0\.1:10023/);
    // The session refuses these as it loads, for run and check alike (the server would too).
    expect(() => parseSession('x32: { host: 0.0.0.0 }\n', 's.yaml')).toThrow(/x32: listening on 0\.0\.0\.0 .*needs an allow list/);
    expect(() => parseSession('x32: { readOnly: [the-tablet] }\n', 's.yaml')).toThrow(/x32\.readOnly: "the-tablet" is not an IP address/);
  });
});
