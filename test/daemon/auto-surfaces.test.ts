import { describe, expect, it } from 'vitest';
import { SurfaceWatcher, autoSurfaceIds, type SurfaceHost } from '../../src/daemon/hotplug.ts';
import { Daemon } from '../../src/daemon/daemon.ts';
import { defaultSession, parseSession } from '../../src/params/session.ts';
import type { SurfaceSpec } from '../../src/params/session.ts';

/** A surface host that records what the watcher asks of it. */
function host(refuse: (spec: SurfaceSpec) => boolean = () => false) {
  const running = new Map<string, SurfaceSpec>();
  const h: SurfaceHost & { running: Map<string, SurfaceSpec> } = {
    running,
    attach(spec) {
      if (refuse(spec)) return `surface ${spec.id}: refused`;
      running.set(spec.id, spec);
      return undefined;
    },
    async detach(id) {
      running.delete(id);
    },
    has: (id) => running.has(id),
  };
  return h;
}

const quiet = { info: () => {}, warn: () => {}, error: () => {}, debug: () => {} } as never;

describe('shipped mappings for connected MIDI devices', () => {
  it('attaches the shipped mapping of each connected device, an extender as the same file with its options', () => {
    const h = host();
    const w = new SurfaceWatcher(h, { midiPorts: () => ({ inputs: [], outputs: [] }), log: quiet });
    w.scan({ inputs: ['X-Touch', 'X-Touch-Ext', 'nanoKONTROL2 SLIDER/KNOB', 'Midi Through Port-0'], outputs: [] });
    expect([...h.running.values()].map((s) => [s.id, s.options])).toEqual([
      ['mackie-control', undefined],
      ['mackie-control-ext', { deviceId: 0x15, stripOffset: 8 }],
      ['korg-nanokontrol2', undefined],
    ]);
    expect(h.running.get('mackie-control')!.device).toEqual({ transport: 'midi', input: '/^X-Touch$/' });
    expect(h.running.get('mackie-control')!.mapping).toMatch(/mappings\/mackie-control\.yaml$/);
  });

  it('gives a second unit of a kind its own id, and detaches only the one whose port went', async () => {
    const h = host();
    const w = new SurfaceWatcher(h, { midiPorts: () => ({ inputs: [], outputs: [] }), log: quiet });
    w.scan({ inputs: ['X-Touch 20:0', 'X-Touch 24:0'], outputs: [] });
    expect([...h.running.keys()]).toEqual(['mackie-control', 'mackie-control2']);
    w.scan({ inputs: ['X-Touch 24:0'], outputs: [] });
    await w.stop();
    expect([...h.running.keys()]).toEqual(['mackie-control2']);
  });

  it('does not retry a port whose mapping was refused until it is plugged in again', () => {
    let tries = 0;
    const h = host(() => (tries++, true));
    const w = new SurfaceWatcher(h, { midiPorts: () => ({ inputs: [], outputs: [] }), log: quiet });
    w.scan({ inputs: ['nanoKONTROL2'], outputs: [] });
    w.scan({ inputs: ['nanoKONTROL2'], outputs: [] });
    expect(tries).toBe(1);
    w.scan({ inputs: [], outputs: [] });
    w.scan({ inputs: ['nanoKONTROL2'], outputs: [] });
    expect(tries).toBe(2);
  });

  it('leaves sessions that list surfaces, or turn auto-load off, alone', async () => {
    let listed = 0;
    const midiPorts = () => (listed++, { inputs: ['X-Touch'], outputs: ['X-Touch'] });
    for (const yaml of ['surfaces: [korg-nanokontrol2.yaml]\n', 'autoSurfaces: false\n']) {
      const d = new Daemon({ session: parseSession(`${yaml}osc: { enabled: false }\naudio: { backend: 'null' }\n`, 's.yaml'), log: quiet, midiPorts });
      expect(d.store.registry.has('/surface/mackie-control/connected')).toBe(false);
    }
    expect(listed).toBe(0);
  });

  it('gives the surfaces shipped mappings may attach their connection params from the start', () => {
    const d = new Daemon({ session: defaultSession(), log: quiet, midiPorts: () => ({ inputs: [], outputs: [] }) });
    for (const id of autoSurfaceIds()) expect(d.store.registry.get(`/surface/${id}/connected`)).toMatchObject({ type: 'bool', readOnly: true });
    expect(autoSurfaceIds()).toEqual(['mackie-control-ext', 'mackie-control', 'korg-nanokontrol2']);
  });
});
