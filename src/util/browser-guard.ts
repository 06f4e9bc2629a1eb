/**
 * What a web browser may ask of faderd. A page from any site the operator opens can make the browser
 * connect to 127.0.0.1 or a LAN address (cross-site WebSocket hijacking), and a site can re-point its
 * own host name at a local address (DNS rebinding). Neither is stopped by an IP allow-list: the
 * connection really comes from the operator's machine. Two headers tell them apart:
 *
 * - `Host` must name this machine the way a user types it: an IP address, `localhost`, or a host name
 *   the session lists. A rebinding site's requests carry the site's own name and are refused.
 * - `Origin` (sent by every browser on a WebSocket upgrade and on cross-origin requests) must be one of
 *   faderd's own pages (same host, on a port where faderd serves pages) or an origin the session
 *   allows. A request without `Origin` is not from a page (an app, a script, osc.js on Node) and passes.
 *
 *   const guard = browserGuard({ pagePorts: [9080], origins: ['https://desk.example'] });
 *   const verdict = guard(req.headers);
 *   if (!verdict.ok) { res.writeHead(403); res.end(verdict.reason); }
 *
 * Each check is a few string operations on two short headers: bounded time whatever a client sends.
 */
import net from 'node:net';
import type { IncomingHttpHeaders } from 'node:http';

export interface BrowserGuardOptions {
  /** Ports on which faderd serves its own pages: `http://<host>:<port>` is one of its origins. */
  readonly pagePorts: readonly number[];
  /** Further origins allowed, exactly as a browser sends them: `scheme://host[:port]`. */
  readonly origins?: readonly string[];
  /** Host names (besides IP addresses and `localhost`) this machine answers to, e.g. `mixer.local`. */
  readonly hostnames?: readonly string[];
}

export type GuardVerdict = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/** Longest Host or Origin header examined; anything longer is refused unread. */
const MAX_HEADER = 300;

/** Splits `host[:port]` or `[v6][:port]`; undefined when it is not of that form. */
export function splitHostPort(value: string): { host: string; port: number | undefined } | undefined {
  let host: string;
  let rest: string;
  if (value.startsWith('[')) {
    const end = value.indexOf(']');
    if (end < 0) return undefined;
    host = value.slice(1, end);
    rest = value.slice(end + 1);
    if (!net.isIPv6(host)) return undefined;
  } else {
    const colon = value.indexOf(':');
    host = colon < 0 ? value : value.slice(0, colon);
    rest = colon < 0 ? '' : value.slice(colon);
  }
  if (rest === '') return { host: host.toLowerCase(), port: undefined };
  if (!rest.startsWith(':') || rest.length < 2 || rest.length > 6) return undefined;
  const digits = rest.slice(1);
  for (let i = 0; i < digits.length; i++) {
    const c = digits.charCodeAt(i);
    if (c < 48 || c > 57) return undefined;
  }
  const port = Number(digits);
  return port >= 1 && port <= 65535 ? { host: host.toLowerCase(), port } : undefined;
}

function header(headers: IncomingHttpHeaders, name: 'host' | 'origin'): string | undefined {
  const v = headers[name];
  return typeof v === 'string' ? v.trim() : undefined;
}

/** Builds the check for one listener's configuration. */
export function browserGuard(opts: BrowserGuardOptions): (headers: IncomingHttpHeaders) => GuardVerdict {
  const names = new Set(['localhost', ...(opts.hostnames ?? []).map((h) => h.toLowerCase())]);
  const origins = new Set((opts.origins ?? []).map((o) => o.toLowerCase().replace(/\/$/, '')));
  const pagePorts = new Set(opts.pagePorts);
  const isOurHost = (host: string): boolean => net.isIP(host) !== 0 || names.has(host);

  return (headers) => {
    const hostHeader = header(headers, 'host');
    if (hostHeader === undefined || hostHeader === '') return { ok: false, reason: 'no Host header' };
    if (hostHeader.length > MAX_HEADER) return { ok: false, reason: 'Host header too long' };
    const host = splitHostPort(hostHeader);
    if (!host) return { ok: false, reason: `malformed Host header ${JSON.stringify(hostHeader)}` };
    if (!isOurHost(host.host)) {
      return { ok: false, reason: `Host ${JSON.stringify(hostHeader)} is not an address of this machine (add it to the session's hostnames to allow it)` };
    }
    const origin = header(headers, 'origin');
    if (origin === undefined) return { ok: true };
    if (origin.length > MAX_HEADER) return { ok: false, reason: 'Origin header too long' };
    const o = origin.toLowerCase();
    if (origins.has(o)) return { ok: true };
    const scheme = o.startsWith('http://') ? 'http://' : o.startsWith('https://') ? 'https://' : undefined;
    const from = scheme ? splitHostPort(o.slice(scheme.length)) : undefined;
    if (from && from.host === host.host && isOurHost(from.host) && pagePorts.has(from.port ?? (scheme === 'https://' ? 443 : 80))) return { ok: true };
    return { ok: false, reason: `Origin ${JSON.stringify(origin)} is not one of faderd's pages (add it to the session's origins to allow it)` };
  };
}
