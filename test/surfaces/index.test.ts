/**
 * The surfaces entry point: createTransport builds the transport a spec names, and each one it builds
 * works, checked on this machine without any hardware: a serial transport on a socat pseudo-terminal
 * (lines both ways), an OSC transport on a UDP port (a message in), an in-memory surface. Port listing
 * answers with ports or with a reason, never with an exception.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import dgram from 'node:dgram';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SerialPort } from 'serialport';
import { filter, firstValueFrom } from 'rxjs';
import { createTransport, MemorySurface, MidiTransport, OscTransport, SerialTransport, listSerialPorts } from '../../src/surfaces/index.ts';
import { encodeMessage } from '../../src/surfaces/osc/codec.ts';
import type { SurfaceMessage, SurfaceTransport } from '../../src/surfaces/types.ts';
import { requireSocat, startPty } from './serial/socat.ts';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
beforeAll(() => requireSocat());

const make = (...a: Parameters<typeof createTransport>): SurfaceTransport => {
  const t = createTransport(...a);
  cleanups.push(() => t.close());
  return t;
};
const connected = (t: SurfaceTransport) => firstValueFrom(t.connected$.pipe(filter((c) => c)));
const next = (t: SurfaceTransport) => firstValueFrom(t.incoming$);

describe('createTransport', () => {
  it('builds a serial transport that moves lines both ways on a pseudo-terminal', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faderd-surfaces-'));
    cleanups.push(async () => fs.rmSync(dir, { recursive: true, force: true }));
    const [dev, peer] = [path.join(dir, 'dev'), path.join(dir, 'peer')];
    const pair = await startPty(dev, peer);
    cleanups.push(() => pair.kill());
    const t = make('board', { transport: 'serial', path: dev, framing: 'lines' });
    expect(t).toBeInstanceOf(SerialTransport);
    expect(t.kind).toBe('serial');
    await connected(t);
    const board = new SerialPort({ path: peer, baudRate: 115200, autoOpen: false });
    await new Promise<void>((res, rej) => board.open((e) => (e ? rej(e) : res())));
    cleanups.push(() => new Promise<void>((r) => (board.isOpen ? board.close(() => r()) : r())));
    let got = '';
    board.on('data', (c: Buffer) => (got += c.toString()));
    const line = next(t);
    board.write('F1 0.5\n');
    expect(await line).toEqual({ kind: 'line', text: 'F1 0.5', peer: 'board' });
    t.send({ kind: 'line', text: 'L1 on' });
    for (let w = 0; w < 1000 && got !== 'L1 on\n'; w++) await new Promise((r) => setTimeout(r, 10));
    expect(got).toBe('L1 on\n');
  });

  it('builds an OSC transport that receives on its UDP port, and takes the sender as a listener', async () => {
    const t = make('app', { transport: 'osc', port: 0, host: '127.0.0.1' });
    expect(t).toBeInstanceOf(OscTransport);
    await (t as OscTransport).whenListening();
    const port = (t as OscTransport).port;
    expect(port).toBeGreaterThan(0);
    const sock = dgram.createSocket('udp4');
    cleanups.push(() => new Promise<void>((r) => sock.close(() => r())));
    const msg = next(t);
    sock.send(encodeMessage('/ch/01/mix/fader', [{ type: 'f', value: 0.75 }]), port, '127.0.0.1');
    expect(await msg).toMatchObject({ kind: 'osc', address: '/ch/01/mix/fader', args: [{ type: 'f', value: 0.75 }] } satisfies Partial<SurfaceMessage>);
    // Someone can hear feedback now: connected (the mapping layer resyncs on that).
    await connected(t);
  });

  it('builds a MIDI transport and an in-memory surface', async () => {
    expect(make('c', { transport: 'midi', input: 'x' })).toBeInstanceOf(MidiTransport);
    const m = make('d', { transport: 'memory' });
    expect(m).toBeInstanceOf(MemorySurface);
    expect(await firstValueFrom(m.connected$)).toBe(true);
    const got = next(m);
    (m as MemorySurface).emit({ kind: 'osc', address: '/x', args: [] });
    expect(await got).toMatchObject({ kind: 'osc', address: '/x' });
  });

  it('lists serial ports or says why not, without throwing', async () => {
    const r = await listSerialPorts();
    if (Array.isArray(r)) for (const p of r) expect(p.path).toMatch(/^\/dev\//);
    else expect(r.unavailable).toMatch(/cannot list serial ports/);
  });
});
