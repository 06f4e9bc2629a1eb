/**
 * MIDI over a byte stream (DIY boards speaking MIDI over USB serial): the encoder side. Decoding is
 * src/surfaces/midi/parser.ts. The encoder checks each message is well formed (so a bad mapping
 * cannot desynchronise the device's parser) and may apply running status to save bandwidth on slow
 * links (31250 baud DIN).
 *
 *   const enc = new MidiEncoder({ runningStatus: true });
 *   enc.encode(Uint8Array.of(0xb0, 7, 100)); enc.encode(Uint8Array.of(0xb0, 7, 101)); // second: 07 65
 */
import { dataLength } from '../../midi/parser.ts';

export interface MidiEncoderOptions {
  readonly runningStatus?: boolean;
}

/** Why a message cannot be sent as MIDI, or undefined when it is well formed. */
export function midiProblem(data: Uint8Array): string | undefined {
  if (data.length === 0) return 'empty MIDI message';
  const s = data[0]!;
  if (s < 0x80) return `MIDI message must start with a status byte, got 0x${s.toString(16)}`;
  if (s === 0xf0) {
    if (data.length < 2 || data[data.length - 1] !== 0xf7) return 'SysEx must end with F7';
    for (let i = 1; i < data.length - 1; i++) if (data[i]! >= 0x80) return `SysEx data byte ${i} is 0x${data[i]!.toString(16)} (must be < 0x80)`;
    return undefined;
  }
  if (s === 0xf7) return 'F7 alone is not a message';
  const n = dataLength(s);
  if (data.length !== n + 1) return `status 0x${s.toString(16)} takes ${n} data bytes, got ${data.length - 1}`;
  for (let i = 1; i < data.length; i++) if (data[i]! >= 0x80) return `data byte ${i} is 0x${data[i]!.toString(16)} (must be < 0x80)`;
  return undefined;
}

export class MidiEncoder {
  private readonly runningStatus: boolean;
  private last = 0;

  constructor(opts: MidiEncoderOptions = {}) {
    this.runningStatus = opts.runningStatus ?? false;
  }

  /** The bytes to write for one message; throws TypeError when it is malformed. */
  encode(data: Uint8Array): Uint8Array {
    const problem = midiProblem(data);
    if (problem) throw new TypeError(problem);
    const s = data[0]!;
    if (s >= 0xf8) return data; // real-time bytes do not touch running status
    if (s >= 0xf0) {
      this.last = 0;
      return data;
    }
    if (this.runningStatus && s === this.last) return data.subarray(1);
    this.last = s;
    return data;
  }

  /** After a reconnect the device has lost our running status. */
  reset(): void {
    this.last = 0;
  }
}
