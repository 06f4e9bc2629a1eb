import { describe, expect, it } from 'vitest';
import { browserGuard, splitHostPort } from '../../src/util/browser-guard.ts';

const guard = browserGuard({ pagePorts: [9080], origins: ['https://desk.example:8443'], hostnames: ['Mixer.local'] });
const ok = (host: string | undefined, origin?: string) => guard({ ...(host !== undefined ? { host } : {}), ...(origin !== undefined ? { origin } : {}) }).ok;

describe('browserGuard', () => {
  it('lets a client that is not a page through on any address of this machine', () => {
    expect(ok('127.0.0.1:9000')).toBe(true);
    expect(ok('192.168.1.20:9080')).toBe(true);
    expect(ok('[::1]:9080')).toBe(true);
    expect(ok('localhost:9080')).toBe(true);
    expect(ok('mixer.local:9080')).toBe(true);
  });

  it("lets faderd's own page through, on the host it was loaded from", () => {
    expect(ok('127.0.0.1:9080', 'http://127.0.0.1:9080')).toBe(true);
    expect(ok('192.168.1.20:9080', 'http://192.168.1.20:9080')).toBe(true);
    expect(ok('[::1]:9080', 'http://[::1]:9080')).toBe(true);
    // A page on the mixer's port connecting to a WebSocket listener on another port of the same host.
    expect(ok('localhost:9001', 'http://localhost:9080')).toBe(true);
  });

  it('refuses a page from any other site (cross-site WebSocket hijacking)', () => {
    expect(ok('127.0.0.1:9080', 'https://evil.example')).toBe(false);
    expect(ok('127.0.0.1:9080', 'http://evil.example:9080')).toBe(false);
    expect(ok('127.0.0.1:9080', 'null')).toBe(false);
    // Same host, but a port where faderd serves no page (another local web app).
    expect(ok('127.0.0.1:9080', 'http://127.0.0.1:3000')).toBe(false);
    // A page on another address of the machine is another origin.
    expect(ok('127.0.0.1:9080', 'http://192.168.1.20:9080')).toBe(false);
  });

  it('refuses a rebound host name (DNS rebinding), a missing or malformed Host', () => {
    expect(ok('evil.example:9080', 'http://evil.example:9080')).toBe(false);
    expect(ok('evil.example:9080')).toBe(false);
    expect(ok(undefined)).toBe(false);
    expect(ok('')).toBe(false);
    expect(ok('127.0.0.1:99999')).toBe(false);
    expect(ok('127.0.0.1:90x0')).toBe(false);
    expect(ok('[::1')).toBe(false);
    expect(ok('x'.repeat(10_000))).toBe(false);
  });

  it('allows the origins the session lists, exactly', () => {
    expect(ok('127.0.0.1:9080', 'https://desk.example:8443')).toBe(true);
    expect(ok('127.0.0.1:9080', 'https://desk.example:8443/')).toBe(false);
    expect(ok('127.0.0.1:9080', 'https://desk.example')).toBe(false);
  });

  it('names what it refused', () => {
    const v = guard({ host: '127.0.0.1:9080', origin: 'https://evil.example' });
    expect(v.ok).toBe(false);
    if (!v.ok) expect(v.reason).toContain('https://evil.example');
  });
});

describe('splitHostPort', () => {
  it('splits names, IPv4 and bracketed IPv6, with and without a port', () => {
    expect(splitHostPort('Localhost')).toEqual({ host: 'localhost', port: undefined });
    expect(splitHostPort('10.0.0.1:80')).toEqual({ host: '10.0.0.1', port: 80 });
    expect(splitHostPort('[fe80::1]:9080')).toEqual({ host: 'fe80::1', port: 9080 });
    expect(splitHostPort('[not-v6]:9080')).toBeUndefined();
    expect(splitHostPort('a:0')).toBeUndefined();
  });
});
