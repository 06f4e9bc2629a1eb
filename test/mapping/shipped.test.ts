import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadMapping } from '../../src/mapping/file/load.ts';
import { MAPPINGS_DIR, matchShipped, shippedMappings } from '../../src/mapping/file/shipped.ts';
import { portMatcher } from '../../src/surfaces/midi/backend.ts';

describe('shippedMappings', () => {
  it('lists every shipped mapping file, each loading cleanly with its options', () => {
    const listed = new Set(shippedMappings().map((m) => path.basename(m.file)));
    const onDisk = fs.readdirSync(MAPPINGS_DIR).filter((f) => f.endsWith('.yaml'));
    expect([...listed].sort()).toEqual(onDisk.sort());
    for (const m of shippedMappings()) {
      const loaded = loadMapping(m.file, m.options);
      expect(loaded.device.transport).toBe(m.match.transport);
    }
  });

  it('tells a main MCU unit from its extender by port name', () => {
    const ports = ['X-Touch INT', 'X-Touch-Ext X-TOUCH_INT', 'nanoKONTROL2:nanoKONTROL2 _ CTRL 24:0', 'Midi Through:Midi Through Port-0 14:0'];
    const found = matchShipped(ports);
    expect(found.map((f) => [f.mapping.name.split(' (')[0], f.mapping.options ?? {}])).toEqual([
      ['Mackie Control', {}],
      ['Mackie Control extender', { deviceId: 0x15, stripOffset: 8 }],
      ['Korg nanoKONTROL2', {}],
    ]);
    // The device override names exactly the port found, even with regex characters in it.
    expect(portMatcher(found[1]!.device.input as string)('X-Touch-Ext X-TOUCH_INT')).toBe(true);
    expect(portMatcher(found[1]!.device.input as string)('X-Touch INT')).toBe(false);
    for (const name of ['MCU Pro USB v3.1', 'Platform M+ V2.15', 'PreSonus FP8 FaderPort8', 'iCON Platform X+']) {
      expect(matchShipped([name]), name).toHaveLength(1);
    }
    expect(matchShipped(['iCON Platform X+'])[0]!.mapping.options).toEqual({ deviceId: 0x15, stripOffset: 8 });
  });

  it('never loads the DIY board on its own', () => {
    const manual = shippedMappings().filter((m) => !m.auto).map((m) => path.basename(m.file));
    expect(manual.sort()).toEqual(['diy-fader-board.yaml']);
  });
});
