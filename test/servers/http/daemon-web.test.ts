/**
 * The web mixer inside the daemon: on by default, off when asked, still serving with OSC turned off,
 * following a reload, and never the reason a show does not start (a taken port costs only the page).
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { parseSession } from '../../../src/params/session.ts';
import { Daemon } from '../../../src/daemon/daemon.ts';
import { startLine } from '../../../src/cli/commands/run.ts';
import { encodeMessage } from '../../../src/surfaces/osc/codec.ts';
import { freeTcpPort } from '../../web/harness.ts';
import { startDaemon } from '../../reliability/daemon-process.ts';

const engineModule = new URL('../../engine/worker/gain-engine.ts', import.meta.url).href;
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function daemonWith(yaml: string, opts: { http?: { port?: number; enabled?: boolean } } = {}): Promise<{ daemon: Daemon; info: Awaited<ReturnType<Daemon['start']>>; file: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faderd-web-daemon-'));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 's.yaml');
  fs.writeFileSync(file, yaml);
  const daemon = new Daemon({ session: parseSession(yaml, file), oscPort: 0, stateDir: path.join(dir, 'state'), engineModule, ...opts });
  cleanups.push(() => daemon.stop());
  return { daemon, info: await daemon.start(), file };
}

const status = (url: string) =>
  new Promise<number>((resolve, reject) => {
    http.get(url, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    }).on('error', reject);
  });

describe('the web mixer in the daemon', () => {
  it('serves on the port asked for and says where in the start line', async () => {
    const port = await freeTcpPort();
    const { info } = await daemonWith("channels: 2\nbuses: 0\naudio: { backend: 'null' }\n", { http: { port } });
    expect(info.http).toEqual({ host: '127.0.0.1', port });
    expect(startLine(info)).toMatch(new RegExp(`\\nweb mixer: http://127\\.0\\.0\\.1:${port}/$`));
    expect(await status(`http://127.0.0.1:${port}/`)).toBe(200);
  });

  it('runs the show without the page when its port is taken, and says why', async () => {
    const port = await freeTcpPort();
    const squatter = http.createServer();
    await new Promise<void>((r) => squatter.listen(port, '127.0.0.1', () => r()));
    cleanups.push(() => new Promise<void>((r) => squatter.close(() => r())));
    const { daemon, info } = await daemonWith("channels: 2\nbuses: 0\naudio: { backend: 'null' }\n", { http: { port } });
    expect(info.http).toEqual({ problem: expect.stringMatching(new RegExp(`web mixer: cannot listen on 127\\.0\\.0\\.1:${port}: port ${port} is in use`)) });
    expect(startLine(info)).toMatch(/\nweb mixer: cannot listen/);
    expect(info.osc?.port).toBeGreaterThan(0);
    expect(daemon.webMixer).toBeUndefined();
  });

  it('is off with --no-http (enabled: false) and with http.enabled: false', async () => {
    const a = await daemonWith("channels: 1\nbuses: 0\naudio: { backend: 'null' }\n", { http: { enabled: false } });
    expect(a.info.http).toBeUndefined();
    expect(a.daemon.webMixer).toBeUndefined();
    const b = await daemonWith("channels: 1\nbuses: 0\naudio: { backend: 'null' }\nhttp: { enabled: false }\n");
    expect(b.info.http).toBeUndefined();
  });

  it('faderd run --no-http starts without the web mixer; --http-port picks its port', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faderd-web-cli-'));
    cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    const port = await freeTcpPort();
    const off = await startDaemon({ stateDir: path.join(dir, 'a'), extraArgs: ['--no-http', '--http-port', String(port)] });
    off.child.kill('SIGTERM');
    await off.exited;
    expect(off.stderr()).toMatch(/faderd running: /);
    expect(off.stderr()).not.toMatch(/web mixer/);
    const bad = await startDaemon({ stateDir: path.join(dir, 'b'), extraArgs: ['--http-port', '0'] }).catch((e: Error) => e.message);
    expect(bad).toMatch(/--http-port must be an integer 1\.\.65535, got "0"/);
  }, 60_000);

  it('still drives the mix with OSC turned off: the page has an OSC server of its own on loopback', async () => {
    const port = await freeTcpPort();
    const { daemon, info } = await daemonWith("channels: 2\nbuses: 0\naudio: { backend: 'null' }\nosc: { enabled: false }\n", { http: { port } });
    expect(info.osc).toBeUndefined();
    const ws = new WebSocket(`ws://127.0.0.1:${port}/osc`);
    cleanups.push(() => ws.close());
    await new Promise((r, j) => ws.on('open', r).on('error', j));
    ws.send(encodeMessage('/ch/2/fader', [{ type: 'f', value: -9 }]));
    for (let k = 0; k < 100 && daemon.store.get('/ch/2/fader') !== -9; k++) await new Promise((r) => setTimeout(r, 20));
    expect(daemon.store.get('/ch/2/fader')).toBe(-9);
  });

  it('follows a reload: a new port serves, the old one closes', async () => {
    const [p1, p2] = [await freeTcpPort(), await freeTcpPort()];
    const yaml = (p: number) => `channels: 1\nbuses: 0\naudio: { backend: 'null' }\nhttp: { port: ${p} }\n`;
    const { daemon, file } = await daemonWith(yaml(p1));
    expect(await status(`http://127.0.0.1:${p1}/`)).toBe(200);
    fs.writeFileSync(file, yaml(p2));
    const r = await daemon.reload(parseSession(yaml(p2), file));
    expect(r.applied).toContain('http');
    expect(await status(`http://127.0.0.1:${p2}/`)).toBe(200);
    await expect(status(`http://127.0.0.1:${p1}/`)).rejects.toThrow(/ECONNREFUSED/);
  });
});
