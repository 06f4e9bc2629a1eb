/**
 * The Mackie Control connection handshake, byte by byte. A host sends the device query
 * (`F0 00 00 66 <id> 00 F7`, id 0x14 for an MCU, 0x15 for an extender) when it opens the port; the
 * unit answers with its host-connection query (`01`: 7 bytes of serial number and a 4-byte
 * challenge), which the host answers (`02`: the serial number and the response to the challenge);
 * the unit may confirm (`03`). Hosts take `01` and `03` to mean "the unit is ready: send it
 * everything", which is how an MCU that powers up behind a MIDI interface lights up.
 *
 * Ardour's Mackie surface sends the query on every port (re)connection and treats `01` from an MCU
 * or extender as "device ready"; the response to the challenge is the one Logic documents (TouchMCU's
 * protocol notes and Ardour both give it).
 *
 *   mackieDeviceQuery(0x14)                       // F0 00 00 66 14 00 F7
 *   mackieHello(msg, 0x14)                        // { kind: 'query', reply } for a 01 from unit 0x14
 */

/** SysEx header of every Mackie Control message, before the device id. */
const HEADER = [0xf0, 0x00, 0x00, 0x66] as const;
const SERIAL_BYTES = 7;
const CHALLENGE_BYTES = 4;
/** F0 00 00 66 id 01, serial, challenge, F7. */
const QUERY_LENGTH = HEADER.length + 2 + SERIAL_BYTES + CHALLENGE_BYTES + 1;

/** The device query a host sends when it opens the port. */
export function mackieDeviceQuery(deviceId: number): Uint8Array {
  return Uint8Array.of(...HEADER, deviceId & 0x7f, 0x00, 0xf7);
}

/**
 * The response to a host-connection challenge (4 bytes, each 7-bit): the arithmetic Logic documents,
 * carried out on integers as the C reference does (shifts by 32 or more wrap, as on x86).
 */
export function mackieChallengeResponse(c: ArrayLike<number>): Uint8Array {
  const [a, b, d, e] = [c[0]! & 0x7f, c[1]! & 0x7f, c[2]! & 0x7f, c[3]! & 0x7f];
  return Uint8Array.of(
    (a + (b ^ 0x0a) - e) & 0x7f,
    ((d >> e) ^ (a + e)) & 0x7f,
    ((e - (d << 2)) ^ (a | b)) & 0x7f,
    (b - d + (0xf0 ^ (e << 4))) & 0x7f,
  );
}

export type MackieHello =
  /** `01`: the unit is ready; `reply` answers its challenge (absent when the message is too short to carry one). */
  | { readonly kind: 'query'; readonly reply?: Uint8Array }
  /** `03`: the unit confirms the connection. */
  | { readonly kind: 'confirmed' };

/**
 * What a message from the unit says about the connection, or undefined when it is not a handshake
 * message from unit `deviceId`. Never throws: the bytes are the device's.
 */
export function mackieHello(data: Uint8Array, deviceId: number): MackieHello | undefined {
  if (data.length < HEADER.length + 3 || data[data.length - 1] !== 0xf7) return undefined;
  for (let i = 0; i < HEADER.length; i++) if (data[i] !== HEADER[i]) return undefined;
  if (data[4] !== (deviceId & 0x7f)) return undefined;
  const cmd = data[5];
  if (cmd === 0x03) return { kind: 'confirmed' };
  if (cmd !== 0x01) return undefined;
  if (data.length !== QUERY_LENGTH) return { kind: 'query' };
  const serial = data.subarray(6, 6 + SERIAL_BYTES);
  const response = mackieChallengeResponse(data.subarray(6 + SERIAL_BYTES, 6 + SERIAL_BYTES + CHALLENGE_BYTES));
  return { kind: 'query', reply: Uint8Array.of(...HEADER, deviceId & 0x7f, 0x02, ...serial, ...response, 0xf7) };
}
