/**
 * The mapping files shipped in mappings/ and the devices they are for, so `faderd run` can load the
 * right one for each connected surface with no session entry (DESIGN.md "Defaults").
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { portMatcher } from '../../surfaces/midi/backend.ts';
import type { SurfaceDeviceSpec } from '../../surfaces/types.ts';

export interface ShippedMapping {
  /** Absolute path of the mapping file. */
  readonly file: string;
  readonly name: string;
  /** The device it is for: MIDI port-name pattern, serial USB ids, or the OSC port it listens on. */
  readonly match: SurfaceDeviceSpec;
  /** Option overrides this entry needs (an MCU extender is the MCU file with another device id). */
  readonly options?: Readonly<Record<string, number>>;
  /**
   * Whether a matching device may load it with no session entry. False where the match cannot tell
   * the device from others (any Arduino Mega; a network port nobody plugged in).
   */
  readonly auto: boolean;
}

/** The folder of shipped mapping files. */
export const MAPPINGS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'mappings');

const file = (name: string): string => path.join(MAPPINGS_DIR, name);

/** Every shipped mapping with its device pattern; extenders come before their main unit. */
export function shippedMappings(): ShippedMapping[] {
  return [
    {
      file: file('mackie-control.yaml'),
      name: 'Mackie Control extender (X-Touch Extender, MCU XT, Platform X+)',
      match: { transport: 'midi', input: '/x-touch.?ext|mcu.?xt\\b|platform x/' },
      options: { deviceId: 0x15, stripOffset: 8 },
      auto: true,
    },
    {
      file: file('mackie-control.yaml'),
      name: 'Mackie Control (X-Touch, MCU Pro, Platform M+, FaderPort 8/16 in MCU mode)',
      match: { transport: 'midi', input: '/^(?!.*(ext|xt\\b)).*(mackie|mcu|x-touch|platform m|faderport)/' },
      auto: true,
    },
    { file: file('korg-nanokontrol2.yaml'), name: 'Korg nanoKONTROL2', match: { transport: 'midi', input: 'nanoKONTROL2' }, auto: true },
    {
      file: file('diy-fader-board.yaml'),
      name: 'DIY fader board',
      match: { transport: 'serial', vendorId: '2341', productId: '0042', framing: 'lines' },
      auto: false,
    },
  ];
}

export interface ShippedMatch {
  readonly mapping: ShippedMapping;
  /** A device override naming the exact port found, for the session's surface entry. */
  readonly device: Readonly<Record<string, unknown>>;
}

/**
 * The automatic shipped mappings for the MIDI input ports present: one per port, the first entry
 * whose pattern matches it (so an extender's port is not also taken for a main unit).
 */
export function matchShipped(midiInputs: readonly string[]): ShippedMatch[] {
  const out: ShippedMatch[] = [];
  for (const port of midiInputs) {
    for (const m of shippedMappings()) {
      if (!m.auto || m.match.transport !== 'midi' || !m.match.input || !portMatcher(m.match.input)(port)) continue;
      out.push({ mapping: m, device: { transport: 'midi', input: `/^${port.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}$/` } });
      break;
    }
  }
  return out;
}
