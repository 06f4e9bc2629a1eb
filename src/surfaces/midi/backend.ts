/**
 * The port layer under the MIDI transport, behind an interface so everything above it is tested
 * with the byte streams a real device sends. Messages cross it as raw bytes: one complete message
 * per call, status first, SysEx as F0 … F7.
 */

export interface MidiInputHandle {
  close(): void;
}

export interface MidiOutputHandle {
  send(data: Uint8Array): void;
  close(): void;
}

export interface MidiBackend {
  /** Input port names; throws when the platform has no MIDI subsystem. */
  inputs(): string[];
  /** Output port names; throws when the platform has no MIDI subsystem. */
  outputs(): string[];
  /** Opens an input by exact name (or creates a virtual one); throws when it cannot. */
  openInput(name: string, virtual: boolean, onMessage: (data: Uint8Array) => void): MidiInputHandle;
  openOutput(name: string, virtual: boolean): MidiOutputHandle;
}

/** Tests a port name against a pattern: a case-insensitive substring, or `/regex/flags`. */
export function portMatcher(pattern: string): (name: string) => boolean {
  const m = /^\/(.+)\/([a-z]*)$/.exec(pattern);
  if (m) {
    let re: RegExp;
    try {
      re = new RegExp(m[1]!, m[2]!.includes('i') ? m[2] : m[2] + 'i');
    } catch (e) {
      throw new TypeError(`bad port name pattern ${pattern}: ${(e as Error).message}`);
    }
    return (name) => re.test(name);
  }
  const needle = pattern.toLowerCase();
  return (name) => name.toLowerCase().includes(needle);
}
