/**
 * Who may use the web mixer: every request and every `/osc` upgrade passes the same two checks.
 *
 * 1. The client's IP address, under the OSC server's rules (src/surfaces/osc/access.ts): loopback
 *    always, anything else only if the session's `http.allow` names it. Beyond the list: 403.
 * 2. The browser's own headers (src/util/browser-guard.ts): a Host that names this machine (DNS
 *    rebinding is refused) and, when a page sends an Origin, one of faderd's own pages or an origin the
 *    session allows (another site's page cannot drive the mix through the operator's browser). 403.
 *
 * Refusals are counted and logged at a bounded rate. `http.readOnly` marks clients that see the mix
 * but change nothing; it names remote clients, so loopback is read-only only when listed itself.
 */
import net from 'node:net';
import type { IncomingMessage } from 'node:http';
import { addressMatcher, plainIp, wideOpenEntries, type AddressMatcher } from '../../surfaces/osc/access.ts';
import { browserGuard, type GuardVerdict } from '../../util/browser-guard.ts';
import { logger, RateLimitedLog } from '../../util/log.ts';

const log = logger(import.meta.url);

export interface ClientCheckOptions {
  readonly allow?: readonly string[];
  readonly readOnly?: readonly string[];
  readonly origins?: readonly string[];
  readonly hostnames?: readonly string[];
}

export type ClientVerdict = { readonly ok: true; readonly ip: string; readonly readOnly: boolean } | { readonly ok: false; readonly reason: string };

export interface ClientCheckCounts {
  /** Requests from addresses outside the allow list. */
  denied: number;
  /** Requests refused for their Host or Origin header. */
  refused: number;
}

/** A matcher over exact addresses and subnets (v4 and v6) with nothing implied. */
function listMatcher(entries: readonly string[]): (ip: string) => boolean {
  const list = new net.BlockList();
  for (const raw of entries) {
    const e = raw.trim();
    const slash = e.indexOf('/');
    const addr = plainIp(slash < 0 ? e : e.slice(0, slash));
    const family = net.isIPv6(addr) ? 'ipv6' : 'ipv4';
    if (slash < 0) list.addAddress(addr, family);
    else list.addSubnet(addr, Number(e.slice(slash + 1)), family);
  }
  return (ip) => {
    const p = plainIp(ip);
    const family = net.isIPv6(p) ? 'ipv6' : net.isIPv4(p) ? 'ipv4' : undefined;
    return family !== undefined && list.check(p, family);
  };
}

export class ClientCheck {
  readonly counts: ClientCheckCounts = { denied: 0, refused: 0 };
  private readonly allowed: AddressMatcher;
  private readonly readOnly: (ip: string) => boolean;
  private guard: (headers: IncomingMessage['headers']) => GuardVerdict;
  private readonly deniedLog = new RateLimitedLog(log, 'web mixer: request from a client outside the allow list refused');
  private readonly refusedLog = new RateLimitedLog(log, 'web mixer: request refused by the browser checks (Host/Origin)');

  /** Throws a TypeError naming a bad allow or readOnly entry. */
  constructor(private readonly opts: ClientCheckOptions) {
    this.allowed = addressMatcher(opts.allow ?? []);
    for (const e of wideOpenEntries(opts.allow ?? [])) log.warn({ entry: e }, `web mixer: allow entry "${e}" lets every address in, from anywhere the port can be reached; name your subnet instead`);
    this.readOnly = listMatcher(opts.readOnly ?? []);
    this.guard = this.guardFor([]);
  }

  private guardFor(pagePorts: readonly number[]): (headers: IncomingMessage['headers']) => GuardVerdict {
    return browserGuard({ pagePorts, origins: this.opts.origins ?? [], hostnames: this.opts.hostnames ?? [] });
  }

  /** The port pages are served on, once bound: `http://<host>:<port>` is faderd's own origin. */
  setPagePort(port: number): void {
    this.guard = this.guardFor([port]);
  }

  check(req: IncomingMessage): ClientVerdict {
    const ip = plainIp(req.socket.remoteAddress ?? '');
    if (!this.allowed(ip)) {
      this.counts.denied++;
      this.deniedLog.hit(ip);
      return { ok: false, reason: `${ip} is not in the web mixer's allow list (http.allow in the session)` };
    }
    const v = this.guard(req.headers);
    if (!v.ok) {
      this.counts.refused++;
      this.refusedLog.hit(`${ip} ${req.url?.slice(0, 100) ?? ''}: ${v.reason}`);
      return v;
    }
    return { ok: true, ip, readOnly: this.readOnly(ip) };
  }
}
