/**
 * The surfaces entry point: one factory that turns a mapping file's device description into a
 * running transport, plus discovery for `faderd devices` and status output. Transports never throw
 * for a missing device: they wait for it and report connected$ false.
 */
import type { SurfaceDeviceSpec, SurfaceTransport } from './types.ts';
import { MemorySurface } from './memory.ts';
import { MidiTransport, type MidiTransportOptions } from './midi/transport.ts';
import { OscTransport } from './osc/transport.ts';
import { SerialTransport, type SerialTransportOptions } from './serial/transport.ts';

export { listMidiPorts } from './midi/ports.ts';
export { listSerialPorts } from './serial/ports.ts';
export { MemorySurface, MidiTransport, OscTransport, SerialTransport };

/** Where transports find their devices: the platform's ports by default, other sources in tests. */
export interface TransportOptions {
  readonly midi?: MidiTransportOptions;
  readonly serial?: SerialTransportOptions;
}

/** Builds the transport a device description asks for; throws a TypeError only for an invalid spec. */
export function createTransport(id: string, spec: SurfaceDeviceSpec, opts: TransportOptions = {}): SurfaceTransport {
  switch (spec.transport) {
    case 'midi':
      return new MidiTransport(id, spec, opts.midi);
    case 'osc':
      return new OscTransport(id, spec);
    case 'serial':
      return new SerialTransport(id, spec, opts.serial);
    case 'memory':
      return new MemorySurface(id);
  }
}
