/** MIDI port discovery for `faderd devices` and status output. */
import type { MidiBackend } from './backend.ts';
import { EasymidiBackend } from './easymidi-backend.ts';

/** A reason a user can act on when the platform offers no MIDI (this is how RtMidi says it). */
export function midiUnavailableReason(e: unknown): string {
  const msg = (e as Error)?.message ?? String(e);
  const hint = /RtMidi/i.test(msg) ? ' (no MIDI subsystem: on Linux the ALSA sequencer /dev/snd/seq is missing; load snd-seq or run where MIDI hardware exists)' : '';
  return `MIDI is unavailable on this machine: ${msg}${hint}`;
}

/** Every MIDI input and output port name, or why there are none. Never throws. */
export function listMidiPorts(backend: MidiBackend = new EasymidiBackend()): { inputs: string[]; outputs: string[] } | { unavailable: string } {
  try {
    return { inputs: backend.inputs(), outputs: backend.outputs() };
  } catch (e) {
    return { unavailable: midiUnavailableReason(e) };
  }
}
