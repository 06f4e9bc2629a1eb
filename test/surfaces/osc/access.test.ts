import { describe, expect, it } from 'vitest';
import { addressMatcher, isLoopback, listenerIssues, listenerWarnings, plainIp } from '../../../src/surfaces/osc/access.ts';

describe('OSC access lists', () => {
  it('matches exact addresses and IPv4 subnets, and always lets loopback in', () => {
    const m = addressMatcher(['192.168.1.0/24', '10.0.0.7', 'fd00::2']);
    expect(m('192.168.1.200')).toBe(true);
    expect(m('::ffff:192.168.1.3')).toBe(true);
    expect(m('192.168.2.1')).toBe(false);
    expect(m('10.0.0.7')).toBe(true);
    expect(m('10.0.0.8')).toBe(false);
    expect(m('fd00::2')).toBe(true);
    expect(m('127.0.0.1')).toBe(true);
    expect(m('::1')).toBe(true);
    expect(addressMatcher(['0.0.0.0/0'])('8.8.8.8')).toBe(true);
    expect(addressMatcher([])('8.8.8.8')).toBe(false);
  });

  it('names a bad entry', () => {
    expect(() => addressMatcher(['192.168.1.0/40'])).toThrow(/"192.168.1.0\/40" is not an IPv4 or IPv6 subnet/);
    expect(() => addressMatcher(['fd00::/129'])).toThrow(/"fd00::\/129" is not an IPv4 or IPv6 subnet/);
    expect(() => addressMatcher(['10.0.0.0/8x'])).toThrow(/not an IPv4 or IPv6 subnet/);
    expect(() => addressMatcher(['mixer.local'])).toThrow(/"mixer.local" is not an IP address/);
  });

  it('knows loopback and unwraps IPv4-mapped addresses', () => {
    expect(isLoopback('127.0.0.1')).toBe(true);
    expect(isLoopback('0.0.0.0')).toBe(false);
    expect(plainIp('::ffff:10.1.2.3')).toBe('10.1.2.3');
  });

  it('matches IPv6 subnets (one in the list once broke the listener)', () => {
    const m = addressMatcher(['fd00:1::/64', '192.168.1.0/24']);
    expect(m('fd00:1::5')).toBe(true);
    expect(m('fd00:1:0:0:ffff::1')).toBe(true);
    expect(m('fd00:2::5')).toBe(false);
    expect(m('192.168.1.9')).toBe(true);
    expect(m('::ffff:192.168.1.9')).toBe(true);
  });

  it('a read-only list is exactly what it names: 127.0.0.2 makes neither 127.0.0.1 nor 127.0.0.3 read-only', () => {
    const ro = addressMatcher(['127.0.0.2', '10.0.0.0/30'], { loopback: false });
    expect(ro('127.0.0.2')).toBe(true);
    expect(ro('127.0.0.1')).toBe(false);
    expect(ro('127.0.0.3')).toBe(false);
    expect(ro('::1')).toBe(false);
    expect(ro('10.0.0.3')).toBe(true);
    expect(ro('10.0.0.4')).toBe(false);
    // The allow list still lets the machine's own clients in.
    expect(addressMatcher(['10.0.0.0/30'])('127.0.0.9')).toBe(true);
  });

  it('applies the same listener rules for check and run, and warns about an allow list open to everyone', () => {
    expect(listenerIssues('osc', '0.0.0.0', [])).toEqual([{ path: ['host'], message: expect.stringMatching(/needs an allow list/) }]);
    expect(listenerIssues('osc', 'mixer.local', ['10.0.0.1'])[0]!.message).toMatch(/osc\.host must be an IP address/);
    expect(listenerIssues('osc', '0.0.0.0', ['10.0.0.1', 'bad'], ['fd00::/64'])).toEqual([{ path: ['allow', 1], message: expect.stringMatching(/osc\.allow: "bad"/) }]);
    expect(listenerIssues('osc', '0.0.0.0', [], [], false)).toEqual([]);
    expect(listenerWarnings('osc', ['10.0.0.0/8', '0.0.0.0/0', '::/0']).map((w) => w.path)).toEqual([['allow', 1], ['allow', 2]]);
    expect(listenerWarnings('osc', ['0.0.0.0/0'])[0]!.message).toMatch(/lets every address in/);
  });
});
