/**
 * The easymidi adapter: thin on purpose. easymidi speaks parsed objects; faderd speaks bytes, so
 * this file converts both ways and does nothing else. easymidi is loaded on first use, so a machine
 * without a MIDI subsystem fails here (with RtMidi's "Failed to initialise RtMidi"), not at import.
 */
import { createRequire } from 'node:module';
import type * as Easymidi from 'easymidi';
import type { MidiBackend, MidiInputHandle, MidiOutputHandle } from './backend.ts';

type EasymidiModule = typeof Easymidi;
let mod: EasymidiModule | undefined;
const load = (): EasymidiModule => (mod ??= createRequire(import.meta.url)('easymidi') as EasymidiModule);

/** An easymidi message object as its Input emits it (`_type` names the kind). */
export type EasymidiMessage = { _type: string } & Record<string, unknown>;

const CHANNEL_TYPES: Record<string, number> = { noteoff: 0x80, noteon: 0x90, 'poly aftertouch': 0xa0, cc: 0xb0, program: 0xc0, 'channel aftertouch': 0xd0, pitch: 0xe0 };
const SYSTEM_TYPES: Record<string, number> = { mtc: 0xf1, position: 0xf2, select: 0xf3, tune: 0xf6, clock: 0xf8, start: 0xfa, continue: 0xfb, stop: 0xfc, activesense: 0xfe, reset: 0xff };
const NAME_OF: Record<number, string> = Object.fromEntries([...Object.entries(CHANNEL_TYPES), ...Object.entries(SYSTEM_TYPES)].map(([k, v]) => [v, k]));

const n7 = (v: unknown): number => (typeof v === 'number' ? v & 0x7f : 0);

/** The bytes of an easymidi message; undefined for kinds it cannot carry. */
export function easymidiToBytes(m: EasymidiMessage): Uint8Array | undefined {
  const t = m._type;
  if (t === 'sysex') return Array.isArray(m.bytes) ? Uint8Array.from(m.bytes as number[]) : undefined;
  const cs = CHANNEL_TYPES[t];
  if (cs !== undefined) {
    const s = cs | (typeof m.channel === 'number' ? m.channel & 0x0f : 0);
    switch (t) {
      case 'noteoff':
      case 'noteon':
        return Uint8Array.of(s, n7(m.note), n7(m.velocity));
      case 'poly aftertouch':
        return Uint8Array.of(s, n7(m.note), n7(m.pressure));
      case 'cc':
        return Uint8Array.of(s, n7(m.controller), n7(m.value));
      case 'program':
        return Uint8Array.of(s, n7(m.number));
      case 'channel aftertouch':
        return Uint8Array.of(s, n7(m.pressure));
      default: {
        const v = typeof m.value === 'number' ? m.value : 0;
        return Uint8Array.of(s, v & 0x7f, (v >> 7) & 0x7f);
      }
    }
  }
  const ss = SYSTEM_TYPES[t];
  if (ss === undefined) return undefined;
  if (t === 'mtc') return Uint8Array.of(ss, ((n7(m.type) & 0x07) << 4) | (n7(m.value) & 0x0f));
  if (t === 'position') {
    const v = typeof m.value === 'number' ? m.value : 0;
    return Uint8Array.of(ss, v & 0x7f, (v >> 7) & 0x7f);
  }
  if (t === 'select') return Uint8Array.of(ss, n7(m.song));
  return Uint8Array.of(ss);
}

/** easymidi's send(type, params) for a well-formed message's bytes. */
export function bytesToEasymidi(d: Uint8Array): [string, unknown] {
  const s = d[0]!;
  if (s === 0xf0) return ['sysex', [...d]];
  const type = NAME_OF[s >= 0xf0 ? s : s & 0xf0];
  if (!type) throw new TypeError(`easymidi cannot send status 0x${s.toString(16)}`);
  const channel = s & 0x0f;
  switch (type) {
    case 'noteoff':
    case 'noteon':
      return [type, { channel, note: d[1], velocity: d[2] }];
    case 'poly aftertouch':
      return [type, { channel, note: d[1], pressure: d[2] }];
    case 'cc':
      return [type, { channel, controller: d[1], value: d[2] }];
    case 'program':
      return [type, { channel, number: d[1] }];
    case 'channel aftertouch':
      return [type, { channel, pressure: d[1] }];
    case 'pitch':
      return [type, { channel, value: d[1]! | (d[2]! << 7) }];
    case 'position':
      return [type, { value: d[1]! | (d[2]! << 7) }];
    case 'mtc':
      return [type, { type: (d[1]! >> 4) & 0x07, value: d[1]! & 0x0f }];
    case 'select':
      return [type, { song: d[1] }];
    default:
      return [type, undefined];
  }
}

export class EasymidiBackend implements MidiBackend {
  inputs(): string[] {
    return load().getInputs();
  }

  outputs(): string[] {
    return load().getOutputs();
  }

  openInput(name: string, virtual: boolean, onMessage: (data: Uint8Array) => void): MidiInputHandle {
    const input = new (load().Input)(name, virtual);
    (input as unknown as { on(e: 'message', f: (m: EasymidiMessage) => void): void }).on('message', (m) => {
      const bytes = easymidiToBytes(m);
      if (bytes) onMessage(bytes);
    });
    return { close: () => input.close() };
  }

  openOutput(name: string, virtual: boolean): MidiOutputHandle {
    const output = new (load().Output)(name, virtual);
    const send = output.send.bind(output) as (type: string, params?: unknown) => void;
    return {
      send: (data) => {
        const [type, params] = bytesToEasymidi(data);
        send(type, params);
      },
      close: () => output.close(),
    };
  }
}
