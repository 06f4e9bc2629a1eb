import { describe, expect, it } from 'vitest';
import { mackieChallengeResponse, mackieDeviceQuery, mackieHello } from '../../../src/surfaces/midi/mackie.ts';

const hex = (d: Uint8Array): string => Array.from(d, (b) => b.toString(16).toUpperCase().padStart(2, '0')).join(' ');
const bytes = (s: string): Uint8Array => Uint8Array.from(s.split(' ').map((b) => parseInt(b, 16)));

describe('Mackie Control handshake bytes', () => {
  it('device query for an MCU and an extender', () => {
    expect(hex(mackieDeviceQuery(0x14))).toBe('F0 00 00 66 14 00 F7');
    expect(hex(mackieDeviceQuery(0x15))).toBe('F0 00 00 66 15 00 F7');
  });

  it('answers the host-connection query with the serial number and the response to the challenge', () => {
    // The power-on query of TouchMCU's notes: serial 58 59 5A 57 18 61 05, challenge 57 18 61 05.
    // Response worked by hand: 57 + (18 ^ 0A) - 05 = 64; (61 >> 5) ^ (57 + 05) = 03 ^ 5C = 5F;
    // ((05 - 184) ^ (57 | 18)) & 7F = 01 ^ 5F = 5E; (18 - 61 + (F0 ^ 50)) & 7F = 57.
    const hello = mackieHello(bytes('F0 00 00 66 14 01 58 59 5A 57 18 61 05 57 18 61 05 F7'), 0x14);
    expect(hello?.kind).toBe('query');
    expect(hex((hello as { reply: Uint8Array }).reply)).toBe('F0 00 00 66 14 02 58 59 5A 57 18 61 05 64 5F 5E 57 F7');
  });

  it('keeps every response byte 7-bit, even where the arithmetic goes negative or shifts past 31', () => {
    // Shift counts of 32 and more wrap as on the C reference's x86 (7F >> 7F is 7F >> 31 = 0).
    expect(hex(mackieChallengeResponse([0x7f, 0x00, 0x7f, 0x7f]))).toBe('0A 7E 7C 01');
    for (let a = 0; a < 128; a += 7) for (let e = 0; e < 128; e += 5) for (const b of mackieChallengeResponse([a, 127 - a, e, 127 - e])) expect(b).toBeLessThan(0x80);
  });

  it('takes the confirmation and a short ready message, for its own device id only', () => {
    expect(mackieHello(bytes('F0 00 00 66 15 03 58 59 5A 57 18 61 05 F7'), 0x15)).toEqual({ kind: 'confirmed' });
    expect(mackieHello(bytes('F0 00 00 66 15 01 F7'), 0x15)).toEqual({ kind: 'query' });
    expect(mackieHello(bytes('F0 00 00 66 14 01 58 59 5A 57 18 61 05 57 18 61 05 F7'), 0x15)).toBeUndefined();
    expect(mackieHello(bytes('F0 00 00 66 14 12 00 41 F7'), 0x14)).toBeUndefined(); // LCD text, not a handshake
    expect(mackieHello(bytes('F0 00 20 6B 14 01 F7'), 0x14)).toBeUndefined(); // another maker
    expect(mackieHello(bytes('F0 00 00 66 14 01'), 0x14)).toBeUndefined(); // cut short
  });
});
