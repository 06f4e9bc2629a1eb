import { describe, expect, it } from 'vitest';
import { withAutoSurfaces } from '../../src/daemon/surfaces.ts';
import { Daemon } from '../../src/daemon/daemon.ts';
import { defaultSession, parseSession } from '../../src/params/session.ts';

describe('shipped mappings for connected devices', () => {
  it('gives a session with no surfaces the shipped mapping of each connected MIDI device', () => {
    const r = withAutoSurfaces(defaultSession(), { inputs: ['X-Touch', 'X-Touch-Ext', 'nanoKONTROL2 SLIDER/KNOB', 'Midi Through Port-0'], outputs: [] });
    expect(r.session.surfaces.map((s) => [s.id, s.options])).toEqual([
      ['mackie-control', undefined],
      ['mackie-control-ext', { deviceId: 0x15, stripOffset: 8 }],
      ['korg-nanokontrol2', undefined],
    ]);
    expect(r.session.surfaces[0]!.device).toEqual({ transport: 'midi', input: '/^X-Touch$/' });
    expect(r.found).toMatch(/^connected surfaces: Mackie Control .*extender.*nanoKONTROL2/);
  });

  it('leaves sessions that list surfaces, or turn auto-load off, alone', () => {
    const listed = parseSession('surfaces: [korg-nanokontrol2.yaml]\n', 's.yaml');
    expect(withAutoSurfaces(listed, { inputs: ['X-Touch'], outputs: [] }).session).toBe(listed);
    const off = parseSession('autoSurfaces: false\n', 's.yaml');
    expect(withAutoSurfaces(off, { inputs: ['X-Touch'], outputs: [] }).session.surfaces).toEqual([]);
  });

  it('says once why MIDI is unavailable, and carries on', () => {
    const r = withAutoSurfaces(defaultSession(), { unavailable: 'MIDI is unavailable on this machine: Failed to initialise RtMidi' });
    expect(r.session.surfaces).toEqual([]);
    expect(r.unavailable).toBe('MIDI is unavailable on this machine: Failed to initialise RtMidi; OSC and serial surfaces still work');
  });

  it('gives auto-loaded surfaces their connection params', () => {
    const lines: string[] = [];
    const log = { warn: (m: string) => lines.push(m), info: (m: string) => lines.push(m) } as never;
    const d = new Daemon({ session: defaultSession(), log, midiPorts: () => ({ inputs: ['X-Touch'], outputs: ['X-Touch'] }) });
    expect(d.store.registry.get('/surface/mackie-control/connected')).toMatchObject({ type: 'bool', readOnly: true });
    expect(lines).toEqual([expect.stringMatching(/^connected surfaces: Mackie Control/)]);
  });
});
