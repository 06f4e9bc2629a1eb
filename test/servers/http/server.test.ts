/**
 * The web mixer's server from the outside: real HTTP and WebSocket clients on loopback against a
 * WebMixerServer wired to a real native OSC server and param store.
 */
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { makeStore } from '../../helpers/store.ts';
import { NativeOscServer } from '../../../src/servers/native-osc.ts';
import { WebMixerServer, type WebMixerOptions } from '../../../src/servers/http/server.ts';
import { mixerLayout } from '../../../src/servers/http/layout.ts';
import { ENGINE_MODULES } from '../../../src/servers/http/assets.ts';
import { decodePacket, encodeMessage } from '../../../src/surfaces/osc/codec.ts';
import { parseSession } from '../../../src/params/session.ts';
import { ConfigError } from '../../../src/util/source-error.ts';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(opts: Partial<WebMixerOptions> = {}) {
  const { session, store } = makeStore();
  const osc = new NativeOscServer(store, { host: '127.0.0.1', port: 0 });
  await osc.start();
  cleanups.push(() => osc.close());
  const web = new WebMixerServer({
    host: '127.0.0.1',
    port: 0,
    osc,
    layout: () => mixerLayout(session, store.registry, 48000, []),
    scenes: () => ['Verse 1'],
    ...opts,
  });
  await web.start();
  cleanups.push(() => web.close());
  return { store, osc, web, base: `http://127.0.0.1:${web.port}` };
}

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

function get(url: string, headers: Record<string, string> = {}, opts: { method?: string; localAddress?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { headers, method: opts.method ?? 'GET', ...(opts.localAddress ? { localAddress: opts.localAddress } : {}) }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Sends a request line exactly as written (no client-side normalization of the path). */
function raw(port: number, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => s.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`));
    let out = '';
    s.on('data', (d) => (out += d.toString('latin1')));
    s.on('end', () => resolve(out));
    s.on('error', reject);
  });
}

function openWs(port: number, headers: Record<string, string> = {}, localAddress?: string): Promise<{ ws: WebSocket } | { status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/osc`, { headers, ...(localAddress ? { localAddress } : {}) });
    ws.on('open', () => resolve({ ws }));
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    ws.on('error', reject);
  });
}

async function until(pred: () => boolean, what: string, ms = 10_000): Promise<void> {
  const t0 = Date.now();
  while (!pred()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('web mixer HTTP', () => {
  it('serves the page and its assets with their types; the page revalidates, versioned assets are cached for good', async () => {
    const { base } = await setup();
    const page = await get(`${base}/`);
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['cache-control']).toBe('no-cache');
    expect(page.headers['x-frame-options']).toBe('DENY');
    expect(page.headers['content-security-policy']).toMatch(/frame-ancestors 'none'/);
    const html = page.body.toString();
    const prefix = /src="(\/v\/[0-9a-f]{12})\/app\/main\.js"/.exec(html)?.[1];
    expect(prefix).toBeDefined();
    expect((await get(`${base}/`, { 'If-None-Match': page.headers.etag! })).status).toBe(304);

    const types: Record<string, string> = {
      'app/main.js': 'text/javascript; charset=utf-8',
      'app/style.css': 'text/css; charset=utf-8',
      'app/icon.svg': 'image/svg+xml',
      'vendor/preact-htm.js': 'text/javascript; charset=utf-8',
      'vendor/osc.js': 'text/javascript; charset=utf-8',
      'lib/engine/dsp/biquad.ts': 'text/javascript; charset=utf-8',
    };
    for (const [file, type] of Object.entries(types)) {
      const r = await get(`${base}${prefix}/${file}`);
      expect(r.status, file).toBe(200);
      expect(r.headers['content-type'], file).toBe(type);
      expect(r.headers['cache-control'], file).toBe('public, max-age=31536000, immutable');
      expect(r.headers['x-content-type-options']).toBe('nosniff');
    }
    // The engine's module reaches the browser as JavaScript: the same function, its types gone.
    const biquad = (await get(`${base}${prefix}/lib/engine/dsp/biquad.ts`)).body.toString();
    expect(biquad).toMatch(/function designBiquad\(out, sampleRate, type, freqHz, q, gainDb\)/);
    expect(biquad).toMatch(/export \{[^}]*designBiquad/);
    expect(biquad).toMatch(/from "\.\/util\.ts"/);

    const gz = await get(`${base}${prefix}/app/style.css`, { 'Accept-Encoding': 'gzip' });
    expect(gz.headers['content-encoding']).toBe('gzip');
    const head = await get(`${base}${prefix}/app/main.js`, {}, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
    expect(Number(head.headers['content-length'])).toBeGreaterThan(100);
  });

  it('every engine module the page imports brings its own imports: each relative import it serves is served too', async () => {
    const { base } = await setup();
    const prefix = /src="(\/v\/[0-9a-f]{12})\//.exec((await get(`${base}/`)).body.toString())![1]!;
    const seen = new Set<string>();
    const todo = [...ENGINE_MODULES];
    while (todo.length) {
      const rel = todo.pop()!;
      if (seen.has(rel)) continue;
      seen.add(rel);
      const r = await get(`${base}${prefix}/lib/${rel}`);
      expect(r.status, `lib/${rel}`).toBe(200);
      for (const m of r.body.toString().matchAll(/from "(\.{1,2}\/[^"]+)"/g)) {
        todo.push(path.posix.normalize(path.posix.join(path.posix.dirname(rel), m[1]!)));
      }
    }
    expect(seen.size).toBeGreaterThan(ENGINE_MODULES.length - 1);
  });

  it('serves only its own table: traversal, encoded dots and source paths are 404, other methods 405', async () => {
    const { web, base } = await setup();
    const prefix = /src="(\/v\/[0-9a-f]{12})\//.exec((await get(`${base}/`)).body.toString())![1]!;
    for (const p of [
      '/../package.json',
      `${prefix}/../../package.json`,
      `${prefix}/app/../../../package.json`,
      '/%2e%2e/%2e%2e/package.json',
      `${prefix}/app/..%2f..%2fpackage.json`,
      `${prefix}/lib/cli/main.ts`,
      '/web/app/main.js',
      '/src/params/taper.ts',
      '/node_modules/osc/package.json',
      '//etc/passwd',
      `${prefix}/app/main.js%00`,
    ]) {
      const r = await raw(web.port, p);
      expect(r.split('\r\n')[0], p).toBe('HTTP/1.1 404 Not Found');
      expect(r, p).not.toMatch(/"name": "faderd"|root:x:0/);
    }
    const post = await get(`${base}/api/layout`, {}, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD');
    expect(web.stats().notFound).toBe(11);
  });

  it('answers the layout (param ranges, -inf as null) and the scene list as JSON, never cached', async () => {
    const { base } = await setup();
    const r = await get(`${base}/api/layout`);
    expect(r.headers['cache-control']).toBe('no-store');
    const layout = JSON.parse(r.body.toString()) as { channels: Array<{ name: string }>; sampleRate: number; readOnly: boolean; params: Array<{ a: string; min: number | null; taper: string }> };
    expect(layout.channels[0]!.name).toBe('Kick');
    expect(layout.sampleRate).toBe(48000);
    expect(layout.readOnly).toBe(false);
    expect(layout.params.find((p) => p.a === '/ch/1/fader')).toMatchObject({ min: null, max: 10, taper: 'fader' });
    expect(JSON.parse((await get(`${base}/api/scenes`)).body.toString())).toEqual({ scenes: ['Verse 1'] });
  });

  it('refuses with 403, and counts, a request whose Host is another name (DNS rebinding) or whose Origin is another site', async () => {
    const { web, base } = await setup();
    const rebound = await get(`${base}/api/layout`, { Host: `attacker.example:${web.port}` });
    expect(rebound.status).toBe(403);
    expect(rebound.body.toString()).toMatch(/not an address of this machine/);
    const foreign = await get(`${base}/api/layout`, { Origin: 'http://attacker.example' });
    expect(foreign.status).toBe(403);
    expect(web.stats().refused).toBe(2);
    expect((await get(`${base}/api/layout`, { Origin: `http://127.0.0.1:${web.port}` })).status).toBe(200);
    expect((await get(`${base}/api/layout`, { Host: `localhost:${web.port}` })).status).toBe(200);
  });

  it('marks the clients its readOnly list names, and only those (127.0.0.2 listed: 127.0.0.1 keeps control)', async () => {
    const { store, base, web } = await setup({ readOnly: ['127.0.0.2'] });
    const layoutFrom = async (localAddress: string) => (JSON.parse((await get(`${base}/api/layout`, {}, { localAddress })).body.toString()) as { readOnly: boolean }).readOnly;
    expect(await layoutFrom('127.0.0.2')).toBe(true);
    expect(await layoutFrom('127.0.0.1')).toBe(false);
    expect(await layoutFrom('127.0.0.3')).toBe(false);

    const ro = await openWs(web.port, {}, '127.0.0.2');
    if (!('ws' in ro)) throw new Error(`upgrade refused: ${ro.status}`);
    cleanups.push(async () => ro.ws.close());
    const replies: string[] = [];
    ro.ws.on('message', (d: Buffer) => {
      for (const g of decodePacket(d)) for (const m of g.messages) replies.push(`${m.address} ${String(m.args[0]?.value)}`);
    });
    ro.ws.send(encodeMessage('/ch/1/fader', [{ type: 'f', value: -20 }]));
    ro.ws.send(encodeMessage('/ch/1/fader', []));
    await until(() => replies.length > 0, 'the query reply');
    expect(replies).toEqual(['/ch/1/fader 0']);
    expect(store.get('/ch/1/fader')).toBe(0);
  });

  it('speaks the native namespace over /osc: sets, queries and feedback, one packet per binary frame', async () => {
    const { store, web, osc } = await setup();
    const c = await openWs(web.port, { Origin: `http://127.0.0.1:${web.port}` });
    if (!('ws' in c)) throw new Error(`upgrade refused: ${c.status} ${c.body}`);
    cleanups.push(async () => c.ws.close());
    const got: string[] = [];
    c.ws.on('message', (d: Buffer) => {
      for (const g of decodePacket(d)) for (const m of g.messages) got.push(`${m.address} ${String(m.args[0]?.value)}`);
    });
    c.ws.send(encodeMessage('/ch/1/fader', [{ type: 'f', value: -6 }]));
    await until(() => store.get('/ch/1/fader') === -6, '/ch/1/fader to be -6');
    // The page sends a fader's -inf as text: the store takes it as off.
    c.ws.send(encodeMessage('/ch/2/fader', [{ type: 's', value: '-inf' }]));
    await until(() => store.get('/ch/2/fader') === -Infinity, '/ch/2/fader to be -inf');
    c.ws.send(encodeMessage('/subscribe', []));
    c.ws.send(encodeMessage('/ch/*/mute', []));
    await until(() => got.filter((g) => g.endsWith('/mute 0')).length === 8, 'eight mute replies');
    store.set('/ch/3/mute', true, 'api');
    await until(() => got.includes('/ch/3/mute 1'), 'feedback of /ch/3/mute');
    c.ws.send('/ch/1/fader -1');
    await until(() => osc.stats().malformed === 1, 'the text frame to be counted');
    expect(store.get('/ch/1/fader')).toBe(-6);
    expect(web.stats()).toMatchObject({ upgrades: 1, sockets: 1 });
  });

  it('refuses an /osc upgrade from another site\'s page or a rebound host name with 403, and counts it', async () => {
    const { web } = await setup();
    const foreign = await openWs(web.port, { Origin: 'http://127.0.0.1:8000' });
    expect(foreign).toMatchObject({ status: 403 });
    const rebound = await openWs(web.port, { Host: `evil.example:${web.port}` });
    expect(rebound).toMatchObject({ status: 403 });
    expect(web.stats()).toMatchObject({ refused: 2, upgrades: 0, sockets: 0 });
  });

  it('caps simultaneous WebSockets and upgrades nowhere but /osc', async () => {
    const { web } = await setup({ maxSockets: 2 });
    const a = await openWs(web.port);
    const b = await openWs(web.port);
    cleanups.push(async () => {
      if ('ws' in a) a.ws.close();
      if ('ws' in b) b.ws.close();
    });
    expect(await openWs(web.port)).toMatchObject({ status: 503 });
    const other = await new Promise<number>((resolve) => {
      const ws = new WebSocket(`ws://127.0.0.1:${web.port}/other`);
      ws.on('unexpected-response', (_q, res) => resolve(res.statusCode ?? 0));
      ws.on('error', () => resolve(-1));
    });
    expect(other).toBe(404);
  });
});

describe('web mixer session settings', () => {
  it('defaults to loopback port 9080 and refuses a LAN address without an allow list, as run and check both read sessions', () => {
    const s = parseSession('version: 1\n', 's.yaml');
    expect(s.http).toMatchObject({ enabled: true, host: '127.0.0.1', port: 9080, allow: [] });
    expect(() => parseSession('http: { host: 0.0.0.0 }\n', 's.yaml')).toThrow(ConfigError);
    try {
      parseSession('http:\n  host: 0.0.0.0\n', 's.yaml');
    } catch (e) {
      expect((e as ConfigError).issues[0]).toMatchObject({ line: 2, message: expect.stringMatching(/needs an allow list/) });
    }
    expect(() => parseSession('http: { host: mixer.local }\n', 's.yaml')).toThrow(/must be an IP address/);
    expect(() => parseSession('http: { allow: [192.168.1.0/33] }\n', 's.yaml')).toThrow(/http\.allow/);
    expect(parseSession('http: { host: 0.0.0.0, allow: [192.168.1.0/24] }\n', 's.yaml').http.allow).toEqual(['192.168.1.0/24']);
  });
});
