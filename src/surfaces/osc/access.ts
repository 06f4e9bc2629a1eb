/**
 * Who may talk to an OSC listener: entries are IP addresses (v4 or v6) or IPv4 subnets in CIDR form
 * (`192.168.1.0/24`). Loopback is always allowed: a local tool is the machine's own user.
 */
import net from 'node:net';

export type AddressMatcher = (ip: string) => boolean;

const v4 = (ip: string): number | undefined => {
  if (!net.isIPv4(ip)) return undefined;
  return ip.split('.').reduce((acc, o) => ((acc << 8) | Number(o)) >>> 0, 0);
};

/** Strips the IPv4-mapped IPv6 prefix (`::ffff:10.0.0.1`) so dual-stack sockets compare as IPv4. */
export function plainIp(ip: string): string {
  return ip.startsWith('::ffff:') && net.isIPv4(ip.slice(7)) ? ip.slice(7) : ip;
}

export function isLoopback(host: string): boolean {
  const h = plainIp(host);
  return h === 'localhost' || h === '::1' || h.startsWith('127.');
}

/** Builds a matcher; throws a TypeError naming the first bad entry. */
export function addressMatcher(entries: readonly string[]): AddressMatcher {
  const exact = new Set<string>();
  const nets: Array<{ base: number; mask: number }> = [];
  for (const raw of entries) {
    const e = raw.trim();
    const slash = e.indexOf('/');
    if (slash < 0) {
      if (!net.isIP(e)) throw new TypeError(`"${raw}" is not an IP address or IPv4 subnet (e.g. 192.168.1.20 or 192.168.1.0/24)`);
      exact.add(plainIp(e));
      continue;
    }
    const base = v4(e.slice(0, slash));
    const bits = Number(e.slice(slash + 1));
    if (base === undefined || !Number.isInteger(bits) || bits < 0 || bits > 32) throw new TypeError(`"${raw}" is not an IPv4 subnet (e.g. 192.168.1.0/24)`);
    const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
    nets.push({ base: (base & mask) >>> 0, mask });
  }
  return (ip: string) => {
    const p = plainIp(ip);
    if (isLoopback(p) || exact.has(p)) return true;
    const n = v4(p);
    return n !== undefined && nets.some((x) => ((n & x.mask) >>> 0) === x.base);
  };
}
