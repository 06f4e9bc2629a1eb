import { afterEach, describe, expect, it } from 'vitest';
import { firstValueFrom } from 'rxjs';
import { createTransport, MemorySurface, MidiTransport, OscTransport, SerialTransport, listSerialPorts } from '../../src/surfaces/index.ts';
import type { SurfaceTransport } from '../../src/surfaces/types.ts';

const open: SurfaceTransport[] = [];
afterEach(async () => {
  for (const t of open.splice(0)) await t.close();
});
const make = (...a: Parameters<typeof createTransport>) => {
  const t = createTransport(...a);
  open.push(t);
  return t;
};

describe('createTransport', () => {
  it('builds the transport each spec names', async () => {
    expect(make('a', { transport: 'osc', port: 0 })).toBeInstanceOf(OscTransport);
    expect(make('b', { transport: 'serial', path: '/nonexistent/tty', framing: 'lines' })).toBeInstanceOf(SerialTransport);
    expect(make('c', { transport: 'midi', input: 'x' })).toBeInstanceOf(MidiTransport);
    const m = make('d', { transport: 'memory' });
    expect(m).toBeInstanceOf(MemorySurface);
    expect(await firstValueFrom(m.connected$)).toBe(true);
  });

  it('lists serial ports or says why not, without throwing', async () => {
    const r = await listSerialPorts();
    if (Array.isArray(r)) for (const p of r) expect(p.path).toMatch(/^\/dev\//);
    else expect(r.unavailable).toMatch(/cannot list serial ports/);
  });
});
