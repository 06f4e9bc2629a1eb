/**
 * Where a mapping's surface is: the mapping's own `surface:` section, with a session's override
 * applied. An override of the same transport refines it (another port name); one naming another
 * transport replaces it (the same MIDI mapping over a serial port with `framing: midi`).
 */
import type { SurfaceDeviceSpec } from '../../surfaces/types.ts';
import { ConfigError } from '../../util/source-error.ts';
import { DeviceSchema } from './schema.ts';
import type { MappingFile, SourceSpec } from './types.ts';

/** What a surface must be able to carry for a binding: every MIDI kind is one family. */
export type MessageFamily = 'midi' | 'osc' | 'line' | 'frame';

export const familyOf = (kind: SourceSpec['kind']): MessageFamily => (kind === 'osc' || kind === 'line' || kind === 'frame' ? kind : 'midi');

/** Whether a device carries a family of messages (an in-memory surface carries every one). */
export function carries(dev: SurfaceDeviceSpec, family: MessageFamily): boolean {
  if (dev.transport === 'memory') return true;
  const framing = dev.transport === 'serial' ? dev.framing : undefined;
  switch (family) {
    case 'midi':
      return dev.transport === 'midi' || framing === 'midi';
    case 'osc':
      return dev.transport === 'osc';
    case 'line':
      return framing === 'lines';
    case 'frame':
      return framing === 'slip';
  }
}

function needs(mapping: MappingFile): Set<MessageFamily> {
  const out = new Set<MessageFamily>();
  const add = (s: SourceSpec | undefined) => {
    if (s) out.add(familyOf(s.kind));
  };
  for (const b of mapping.bindings) {
    add(b.source);
    add(b.touch);
    for (const f of b.feedback) {
      if (f.kind === 'source') add(f.source);
      else if (f.kind === 'osc') out.add('osc');
      else if (f.kind === 'line') out.add('line');
      else out.add('midi');
    }
    if (b.display) out.add('midi');
  }
  if (mapping.handshake) out.add('midi');
  return out;
}

/** The device spec to open for a mapping; throws ConfigError if the override is invalid or cannot carry the mapping. */
export function resolveDevice(mapping: MappingFile, override?: Readonly<Record<string, unknown>>): SurfaceDeviceSpec {
  if (!override || Object.keys(override).length === 0) return mapping.device;
  const merged = override.transport === undefined || override.transport === mapping.device.transport ? { ...mapping.device, ...override } : { ...override };
  const res = DeviceSchema.safeParse(merged);
  const at = { file: mapping.file, line: 1, col: 1 };
  if (!res.success) {
    throw new ConfigError(res.error.issues.map((i) => ({ ...at, message: `device override for ${mapping.name}: ${i.path.map(String).join('.') || 'surface'}: ${i.message}` })));
  }
  const dev = res.data;
  const missing = [...needs(mapping)].filter((k) => !carries(dev, k));
  if (missing.length) {
    throw new ConfigError([{ ...at, message: `device override for ${mapping.name}: a ${dev.transport}${dev.transport === 'serial' ? ` (framing: ${dev.framing})` : ''} surface cannot carry this mapping's ${missing.join(', ')} messages` }]);
  }
  return dev;
}
