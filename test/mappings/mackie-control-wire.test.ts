/**
 * Mackie Control byte for byte on a wire: the mapping runs over a serial pseudo-terminal with raw
 * MIDI framing, and the unit's side reads what faderd writes through the MIDI parser, as the unit's
 * own parser would. Handshake, resync, 7-segment digits, meters and strip cells as the unit gets them.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SerialPort } from 'serialport';
import { compileMapping } from '../../src/mapping/binding/compile.ts';
import { resolveDevice } from '../../src/mapping/file/device.ts';
import { loadMapping } from '../../src/mapping/file/load.ts';
import { MidiParser } from '../../src/surfaces/midi/parser.ts';
import { SerialTransport } from '../../src/surfaces/serial/transport.ts';
import type { SurfaceDeviceSpec } from '../../src/surfaces/types.ts';
import type { ParamStore } from '../../src/params/store.ts';
import { requireSocat, startPty } from '../surfaces/serial/socat.ts';
import { MAPPINGS, sessionStore } from './helpers.ts';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const hex = (d: ArrayLike<number>): string => Array.from(d, (b) => b.toString(16).toUpperCase().padStart(2, '0')).join(' ');
const bytes = (s: string): number[] => s.split(' ').map((b) => parseInt(b, 16));
const cell = (id: number, offset: number, text: string): string => hex([0xf0, 0, 0, 0x66, id, 0x12, offset, ...[...text.padEnd(7)].map((c) => c.charCodeAt(0)), 0xf7]);

async function until(cond: () => boolean, what: string, got: () => string[], timeoutMs = 15_000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}; the unit got ${JSON.stringify(got().slice(-12))}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The MCU file on a pty with raw MIDI framing; `unit` is the device's end of the wire. */
async function wire(store: ParamStore, options?: Record<string, number>) {
  requireSocat();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faderd-mcu-'));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  const dev = path.join(dir, 'dev');
  const peer = path.join(dir, 'unit');
  const pty = await startPty(dev, peer);
  cleanups.push(() => pty.kill());

  const unitPort = new SerialPort({ path: peer, baudRate: 31250, autoOpen: false });
  await new Promise<void>((res, rej) => unitPort.open((e) => (e ? rej(e) : res())));
  cleanups.push(() => new Promise<void>((r) => (unitPort.isOpen ? unitPort.close(() => r()) : r())));
  const received: string[] = [];
  const parser = new MidiParser({ onMessage: (m) => received.push(hex(m)) });
  unitPort.on('data', (c: Buffer) => parser.push(c));

  const mapping = loadMapping(path.join(MAPPINGS, 'mackie-control.yaml'), options);
  const spec = resolveDevice(mapping, { transport: 'serial', path: dev, framing: 'midi' }) as Extract<SurfaceDeviceSpec, { transport: 'serial' }>;
  const transport = new SerialTransport('mcu', spec, { backoffMs: 20, maxBackoffMs: 100 });
  cleanups.push(() => transport.close());
  const compiled = compileMapping(mapping, store, transport, { id: 'mcu' });
  cleanups.push(() => compiled.dispose());
  const got = () => received;
  return {
    received,
    send: (s: string) => unitPort.write(Buffer.from(bytes(s))),
    until: (cond: () => boolean, what: string) => until(cond, what, got),
    /** Messages received since the last call. */
    take: () => received.splice(0),
    parserErrors: () => parser.errors,
  };
}

describe('Mackie Control on the wire (raw MIDI on a pseudo-terminal)', () => {
  it('sends the device query on connection, answers the host-connection query and resends everything when the unit is ready', async () => {
    const store = sessionStore();
    store.set('/ch/1/name', 'Kick', 'api');
    const u = await wire(store);
    // The assignment display is the last output of the file: when it arrives, the burst is complete.
    await u.until(() => u.received.includes('B0 4B 20'), 'the connection resync');
    const first = u.take();
    expect(first[0]).toBe('F0 00 00 66 14 00 F7'); // the device query, before anything else
    expect(first).toContain(cell(0x14, 0, 'Kick'));

    // The unit (powered up behind an interface) asks who is there: serial 58 59 5A 57 18 61 05,
    // challenge 57 18 61 05. faderd answers 02 with the serial and the response, then resends all.
    u.send('F0 00 00 66 14 01 58 59 5A 57 18 61 05 57 18 61 05 F7');
    await u.until(() => u.received.includes('B0 4B 20'), 'the resync the query triggers');
    const answer = u.take();
    expect(answer[0]).toBe('F0 00 00 66 14 02 58 59 5A 57 18 61 05 64 5F 5E 57 F7');
    expect(answer).toContain(cell(0x14, 0, 'Kick'));
    expect(answer).toContain('E0 7F 5F'); // fader 1 at 0 dB
    expect(answer).toContain('90 2A 7F'); // the V-Pot assignment LED

    // Its confirmation resends everything too (nothing is answered).
    u.send('F0 00 00 66 14 03 58 59 5A 57 18 61 05 F7');
    await u.until(() => u.received.includes('B0 4B 20'), 'the resync the confirmation triggers');
    const again = u.take();
    expect(again).toContain(cell(0x14, 49, 'Ch 8'));
    expect(again.some((m) => m.startsWith('F0 00 00 66 14 02'))).toBe(false);
    expect(u.parserErrors()).toBe(0);
  });

  it('an extender speaks as device 0x15 and ignores the main unit', async () => {
    const store = sessionStore();
    const u = await wire(store, { deviceId: 0x15, stripOffset: 8 });
    // An extender has no 7-segment displays: strip 8's overload clear ends its burst.
    await u.until(() => u.received.includes('D0 7F'), 'the connection resync');
    expect(u.take()[0]).toBe('F0 00 00 66 15 00 F7');
    u.send('F0 00 00 66 14 01 58 59 5A 57 18 61 05 57 18 61 05 F7'); // the main unit's query: not ours
    u.send('F0 00 00 66 15 01 01 02 03 04 05 06 07 7F 00 7F 7F F7');
    await u.until(() => u.received.includes('D0 7F'), 'the resync');
    const answer = u.take();
    expect(answer).toContain(cell(0x15, 49, 'Ch 16'));
    expect(answer[0]).toBe('F0 00 00 66 15 02 01 02 03 04 05 06 07 0A 7E 7C 01 F7');
    expect(answer.filter((m) => m.startsWith('F0 00 00 66 14'))).toEqual([]);
  });

  it('7-segment displays get one 3-byte CC per digit that changed: loudness and bank number', async () => {
    const store = sessionStore('channels: 24\nbuses: 2\n');
    const u = await wire(store);
    await u.until(() => u.received.includes('B0 4B 20'), 'the connection resync');
    u.take();
    store.set('/master/meter/shortterm', -23.4, 'engine', { internal: true });
    await u.until(() => u.received.includes('B0 42 32'), 'the loudness digits');
    await new Promise((r) => setTimeout(r, 100));
    // "-INF" before; right to left from CC 0x40: 4, 3 with its dot, 2; the "-" is already lit.
    expect(u.take()).toEqual(['B0 40 34', 'B0 41 73', 'B0 42 32']);
    store.set('/master/meter/shortterm', -23.1, 'engine', { internal: true });
    await u.until(() => u.received.length > 0, 'the changed digit');
    await new Promise((r) => setTimeout(r, 100));
    expect(u.take()).toEqual(['B0 40 31']);

    u.send('90 2F 7F 90 2F 00'); // bank right: strips 9-16, the assignment display shows 9
    // Both digits: the bank's feedback leaves paced (a bank of faders, pots and scribble strips is
    // more than the MIDI burst), so the second digit may follow the first a little later.
    await u.until(() => u.received.includes('B0 4A 39') && u.received.includes('B0 4B 20'), 'the bank number');
    const bank = u.take();
    expect(bank).toContain('B0 4A 39');
    expect(bank).toContain('B0 4B 20');
    u.send('90 2F 7F 90 2F 00'); // 17: both digits
    await u.until(() => u.received.includes('B0 4A 37') && u.received.includes('B0 4B 31'), 'the two-digit bank number');
    expect(u.take().filter((m) => m.startsWith('B0 4A') || m.startsWith('B0 4B'))).toEqual(['B0 4A 37', 'B0 4B 31']);
    expect(u.parserErrors()).toBe(0);
  });
});
