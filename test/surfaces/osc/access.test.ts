import { describe, expect, it } from 'vitest';
import { addressMatcher, isLoopback, plainIp } from '../../../src/surfaces/osc/access.ts';

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
    expect(() => addressMatcher(['192.168.1.0/40'])).toThrow(/"192.168.1.0\/40" is not an IPv4 subnet/);
    expect(() => addressMatcher(['mixer.local'])).toThrow(/"mixer.local" is not an IP address/);
  });

  it('knows loopback and unwraps IPv4-mapped addresses', () => {
    expect(isLoopback('127.0.0.1')).toBe(true);
    expect(isLoopback('0.0.0.0')).toBe(false);
    expect(plainIp('::ffff:10.1.2.3')).toBe('10.1.2.3');
  });
});
