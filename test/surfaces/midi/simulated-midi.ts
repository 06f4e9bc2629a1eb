/**
 * A MIDI subsystem in the test process, standing in for ALSA's sequencer (absent on a server): MIDI
 * devices are plugged in and pulled out by name; what a device sends is a raw byte stream, assembled
 * into messages by the MIDI parser as the OS would; what faderd sends each device is kept, byte for
 * byte, for the test to read. Opening a port that is not plugged in fails, as RtMidi does.
 */
import { MidiParser } from '../../../src/surfaces/midi/parser.ts';
import type { MidiBackend, MidiInputHandle, MidiOutputHandle } from '../../../src/surfaces/midi/backend.ts';

interface Device {
  readonly name: string;
  listener: ((data: Uint8Array) => void) | undefined;
  outputOpen: boolean;
  /** Messages faderd sent this device while its output was open. */
  readonly received: Uint8Array[];
  readonly parser: MidiParser;
}

export class SimulatedMidi implements MidiBackend {
  private readonly devices = new Map<string, Device>();
  /** Port handles faderd opened and has not closed, by port name (a pulled-out device's too). */
  private readonly handles = new Map<string, number>();

  private opened(name: string): () => void {
    this.handles.set(name, (this.handles.get(name) ?? 0) + 1);
    let open = true;
    return () => {
      if (open) this.handles.set(name, this.handles.get(name)! - 1);
      open = false;
    };
  }

  /** How many of the device's ports faderd holds open (0 once it has let go of them). */
  openHandles(name: string): number {
    return this.handles.get(name) ?? 0;
  }

  /** A device appears: its input and output ports are listed from now on. */
  plug(name: string): void {
    if (this.devices.has(name)) return;
    const dev: Device = {
      name,
      listener: undefined,
      outputOpen: false,
      received: [],
      parser: new MidiParser({ onMessage: (m) => dev.listener?.(m) }),
    };
    this.devices.set(name, dev);
  }

  /** The device is pulled out: its ports vanish and nothing more reaches it (the handles stay until closed). */
  unplug(name: string): void {
    const dev = this.devices.get(name);
    if (!dev) return;
    dev.outputOpen = false;
    this.devices.delete(name);
  }

  /** The device sends these bytes (any framing: running status, split messages...). */
  send(name: string, ...bytes: number[]): void {
    const dev = this.devices.get(name);
    if (!dev) throw new Error(`no MIDI device ${name} is plugged in`);
    dev.parser.push(Uint8Array.from(bytes));
  }

  /** What faderd sent the device so far, as hex strings, removed from the record. */
  take(name: string): string[] {
    const dev = this.devices.get(name);
    if (!dev) return [];
    return dev.received.splice(0).map((d) => Array.from(d, (b) => b.toString(16).toUpperCase().padStart(2, '0')).join(' '));
  }

  inputs(): string[] {
    return [...this.devices.keys()];
  }

  outputs(): string[] {
    return [...this.devices.keys()];
  }

  openInput(name: string, _virtual: boolean, onMessage: (data: Uint8Array) => void): MidiInputHandle {
    const dev = this.devices.get(name);
    if (!dev) throw new Error(`no MIDI input port named ${name}`);
    dev.listener = onMessage;
    const closed = this.opened(name);
    return {
      close: () => {
        closed();
        if (dev.listener === onMessage) dev.listener = undefined;
      },
    };
  }

  openOutput(name: string): MidiOutputHandle {
    const dev = this.devices.get(name);
    if (!dev) throw new Error(`no MIDI output port named ${name}`);
    dev.outputOpen = true;
    let open = true;
    const closed = this.opened(name);
    return {
      send: (data) => {
        if (!open || !dev.outputOpen) throw new Error(`MIDI output ${name} is closed`);
        dev.received.push(Uint8Array.from(data));
      },
      close: () => {
        closed();
        open = false;
        dev.outputOpen = false;
      },
    };
  }
}
