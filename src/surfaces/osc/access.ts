/**
 * Who may talk to a listener: entries are IP addresses (v4 or v6) or subnets in CIDR form
 * (`192.168.1.0/24`, `fd00::/64`). For an allow list loopback is always allowed: a local tool is the
 * machine's own user. A read-only list names remote clients, so it implies nothing: `127.0.0.2` there
 * is that address alone (it once made every loopback client read-only).
 *
 * The same rules serve `run` and `check` (listenerIssues), so a session `check` passes is one `run`
 * starts with.
 */
import net from 'node:net';

export type AddressMatcher = (ip: string) => boolean;

/** Strips the IPv4-mapped IPv6 prefix (`::ffff:10.0.0.1`) so dual-stack sockets compare as IPv4. */
export function plainIp(ip: string): string {
  return ip.startsWith('::ffff:') && net.isIPv4(ip.slice(7)) ? ip.slice(7) : ip;
}

export function isLoopback(host: string): boolean {
  const h = plainIp(host);
  return h === 'localhost' || h === '::1' || h.startsWith('127.');
}

interface Entry {
  readonly addr: string;
  readonly family: 'ipv4' | 'ipv6';
  /** Undefined for a single address. */
  readonly prefix: number | undefined;
}

/** Parses one entry; throws a TypeError naming it when it is neither an address nor a subnet. */
export function parseAccessEntry(raw: string): Entry {
  const e = raw.trim();
  const slash = e.indexOf('/');
  const addr = plainIp(slash < 0 ? e : e.slice(0, slash));
  const family = net.isIPv4(addr) ? 'ipv4' : net.isIPv6(addr) ? 'ipv6' : undefined;
  if (slash < 0) {
    if (!family) throw new TypeError(`"${raw}" is not an IP address or subnet (e.g. 192.168.1.20, 192.168.1.0/24 or fd00::/64)`);
    return { addr, family, prefix: undefined };
  }
  const bitsText = e.slice(slash + 1);
  const bits = /^\d{1,3}$/.test(bitsText) ? Number(bitsText) : NaN;
  const max = family === 'ipv6' ? 128 : 32;
  if (!family || !(bits >= 0 && bits <= max)) throw new TypeError(`"${raw}" is not an IPv4 or IPv6 subnet (e.g. 192.168.1.0/24 or fd00::/64)`);
  return { addr, family, prefix: bits };
}

/** Builds a matcher; throws a TypeError naming the first bad entry. `loopback: false` for read-only lists. */
export function addressMatcher(entries: readonly string[], opts: { loopback?: boolean } = {}): AddressMatcher {
  const list = new net.BlockList();
  for (const raw of entries) {
    const e = parseAccessEntry(raw);
    if (e.prefix === undefined) list.addAddress(e.addr, e.family);
    else list.addSubnet(e.addr, e.prefix, e.family);
  }
  const loopback = opts.loopback ?? true;
  return (ip: string) => {
    const p = plainIp(ip);
    if (loopback && isLoopback(p)) return true;
    const family = net.isIPv4(p) ? 'ipv4' : net.isIPv6(p) ? 'ipv6' : undefined;
    return family !== undefined && list.check(p, family);
  };
}

/** Entries that let in every address there is: worth a loud warning, never silence. */
export function wideOpenEntries(entries: readonly string[]): string[] {
  return entries.filter((raw) => {
    try {
      return parseAccessEntry(raw).prefix === 0;
    } catch {
      return false;
    }
  });
}

/** A problem with a listener's settings, located by key path (`allow`, 1). */
export interface ListenerIssue {
  readonly path: ReadonlyArray<string | number>;
  readonly message: string;
}

/**
 * What stops a listener from starting: a host that is not an IP address, a bad entry, or listening
 * beyond loopback with no allow list. `what` names it in messages (`osc`, `x32`, `http`).
 */
export function listenerIssues(what: string, host: string, allow: readonly string[], readOnly: readonly string[] = [], enabled = true): ListenerIssue[] {
  const issues: ListenerIssue[] = [];
  for (const [key, list] of [['allow', allow], ['readOnly', readOnly]] as const) {
    list.forEach((entry, i) => {
      try {
        parseAccessEntry(entry);
      } catch (e) {
        issues.push({ path: [key, i], message: `${what}.${key}: ${(e as Error).message}` });
      }
    });
  }
  if (!enabled) return issues;
  if (!net.isIP(host) && host !== 'localhost') issues.push({ path: ['host'], message: `${what}.host must be an IP address (0.0.0.0 for every interface), got ${JSON.stringify(host)}` });
  else if (!isLoopback(host) && allow.length === 0) {
    issues.push({ path: ['host'], message: `${what}: listening on ${host} (beyond this machine) needs an allow list of client addresses or subnets, e.g. allow: [192.168.1.0/24]` });
  }
  return issues;
}

/** Warnings that do not stop a listener: an allow entry that lets in the whole internet. */
export function listenerWarnings(what: string, allow: readonly string[]): ListenerIssue[] {
  return wideOpenEntries(allow).map((e) => ({
    path: ['allow', allow.indexOf(e)],
    message: `${what}.allow: "${e}" lets every address in, from anywhere the port can be reached; name your subnet instead (e.g. 192.168.1.0/24)`,
  }));
}
