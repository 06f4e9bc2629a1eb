import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SerialPort } from 'serialport';
import { firstValueFrom, filter, take, toArray } from 'rxjs';
import { SerialTransport } from '../../../src/surfaces/serial/transport.ts';
import type { SurfaceMessage } from '../../../src/surfaces/types.ts';
import { requireSocat, startPty, type PtyPair } from './socat.ts';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

beforeAll(() => requireSocat());

function tmpLinks() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faderd-serial-'));
  cleanups.push(async () => fs.rmSync(dir, { recursive: true, force: true }));
  return { dev: path.join(dir, 'dev'), peer: path.join(dir, 'peer') };
}

async function pty(dev: string, peer: string): Promise<PtyPair> {
  const p = await startPty(dev, peer);
  cleanups.push(() => p.kill());
  return p;
}

/** The device's side of the wire: what a board plugged into the USB port would read and write. */
async function openPeer(p: string): Promise<{ port: SerialPort; received: () => Buffer; write: (b: Uint8Array | string) => Promise<void> }> {
  const port = new SerialPort({ path: p, baudRate: 115200, autoOpen: false });
  await new Promise<void>((res, rej) => port.open((e) => (e ? rej(e) : res())));
  const chunks: Buffer[] = [];
  port.on('data', (c: Buffer) => chunks.push(c));
  port.on('error', () => {});
  cleanups.push(() => new Promise<void>((r) => (port.isOpen ? port.close(() => r()) : r())));
  return {
    port,
    received: () => Buffer.concat(chunks),
    write: (b) => new Promise<void>((res, rej) => port.write(b, (e) => (e ? rej(e) : port.drain(() => res())))),
  };
}

function transport(spec: ConstructorParameters<typeof SerialTransport>[1]): SerialTransport {
  const t = new SerialTransport('board', spec, { backoffMs: 20, maxBackoffMs: 100 });
  cleanups.push(() => t.close());
  return t;
}

const connected = (t: SerialTransport) => firstValueFrom(t.connected$.pipe(filter((c) => c)));

async function until(cond: () => boolean, what: string): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > 10_000) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('SerialTransport on a socat pseudo-terminal', () => {
  it('receives and sends lines, and reconnects after unplug/replug', async () => {
    const { dev, peer } = tmpLinks();
    let pair = await pty(dev, peer);
    const t = transport({ transport: 'serial', path: dev, framing: 'lines' });
    const states: boolean[] = [];
    t.connected$.subscribe((c) => states.push(c));
    await connected(t);
    let board = await openPeer(peer);

    const lines = firstValueFrom(t.incoming$.pipe(take(2), toArray()));
    await board.write('fader 1 0.5\nmu');
    await board.write('te 2 1\n');
    expect(await lines).toEqual([
      { kind: 'line', text: 'fader 1 0.5', peer: 'board' },
      { kind: 'line', text: 'mute 2 1', peer: 'board' },
    ]);

    t.send({ kind: 'line', text: 'led 1 on' });
    await until(() => board.received().toString() === 'led 1 on\n', 'the line at the board');

    // Unplug: the pty goes away; sends while gone are dropped and counted.
    await pair.kill();
    await until(() => states.at(-1) === false, 'connected=false');
    const dropped = t.stats().dropped;
    t.send({ kind: 'line', text: 'lost' });
    expect(t.stats().dropped).toBe(dropped + 1);

    // Replug at the same path: the transport finds it again and says so.
    pair = await pty(dev, peer);
    await until(() => states.at(-1) === true, 'connected=true after replug');
    expect(states).toEqual([false, true, false, true]);
    board = await openPeer(peer);
    const again = firstValueFrom(t.incoming$);
    await board.write('hello again\n');
    expect(await again).toMatchObject({ kind: 'line', text: 'hello again' });
    t.send({ kind: 'line', text: 'resync' });
    await until(() => board.received().toString() === 'resync\n', 'a line after replug');
  });

  it('drops and counts over-long lines, and refuses messages of the wrong kind', async () => {
    const { dev, peer } = tmpLinks();
    await pty(dev, peer);
    const t = transport({ transport: 'serial', path: dev, framing: 'lines', maxFrame: 8 });
    await connected(t);
    const board = await openPeer(peer);
    const got: SurfaceMessage[] = [];
    t.incoming$.subscribe((m) => got.push(m));
    await board.write('this line is far too long\nok\n');
    await until(() => got.length === 1, 'the short line');
    expect(got[0]).toMatchObject({ text: 'ok' });
    expect(t.stats().dropped).toBe(1);
    t.send({ kind: 'midi', data: Uint8Array.of(0x90, 1, 1) });
    expect(t.stats().errors).toBe(1);
  });

  it('decodes raw MIDI with running status, real-time bytes and a SysEx split across reads', async () => {
    const { dev, peer } = tmpLinks();
    await pty(dev, peer);
    const t = transport({ transport: 'serial', path: dev, framing: 'midi' });
    await connected(t);
    const board = await openPeer(peer);
    const got: number[][] = [];
    t.incoming$.subscribe((m) => {
      if (m.kind === 'midi') got.push([...m.data]);
    });
    await board.write(Uint8Array.of(0xb0, 7, 0xf8, 100, 8));
    await new Promise((r) => setTimeout(r, 30));
    await board.write(Uint8Array.of(101, 0xf8, 0xf0, 0x00, 0x00, 0x66));
    await new Promise((r) => setTimeout(r, 30));
    await board.write(Uint8Array.of(0x14, 0xf8, 0x12, 0x41, 0xf7, 0xe0, 0, 0x40));
    await until(() => got.length === 7, 'seven messages');
    expect(got).toEqual([[0xf8], [0xb0, 7, 100], [0xb0, 8, 101], [0xf8], [0xf8], [0xf0, 0x00, 0x00, 0x66, 0x14, 0x12, 0x41, 0xf7], [0xe0, 0, 0x40]]);
  });

  it('sends MIDI and SLIP frames as bytes on the wire', async () => {
    const { dev, peer } = tmpLinks();
    await pty(dev, peer);
    const t = transport({ transport: 'serial', path: dev, framing: 'slip' });
    await connected(t);
    const board = await openPeer(peer);
    t.send({ kind: 'frame', data: Uint8Array.of(1, 0xc0, 2) });
    await until(() => board.received().length === 6, 'the SLIP frame');
    expect([...board.received()]).toEqual([0xc0, 1, 0xdb, 0xdc, 2, 0xc0]);
    const frame = firstValueFrom(t.incoming$);
    await board.write(Uint8Array.of(0xc0, 9, 0xdb, 0xdd, 0xc0));
    expect(await frame).toMatchObject({ kind: 'frame', data: Uint8Array.of(9, 0xdb) });
  });

  it('waits for a missing device and connects once it appears', async () => {
    const { dev, peer } = tmpLinks();
    const t = transport({ transport: 'serial', path: dev, framing: 'lines' });
    await new Promise((r) => setTimeout(r, 100));
    expect(await firstValueFrom(t.connected$)).toBe(false);
    await pty(dev, peer);
    await connected(t);
  });

  it('refuses a spec with neither path nor USB id', () => {
    expect(() => new SerialTransport('x', { transport: 'serial', framing: 'lines' })).toThrow(/"path" or "vendorId"/);
  });
});
