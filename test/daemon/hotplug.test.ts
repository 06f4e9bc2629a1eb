import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SerialPort } from 'serialport';
import { parseSession } from '../../src/params/session.ts';
import { Daemon } from '../../src/daemon/daemon.ts';
import type { SerialPortInfo } from '../../src/surfaces/serial/ports.ts';
import { SimulatedMidi } from '../surfaces/midi/simulated-midi.ts';
import { requireSocat, startPty, type PtyPair } from '../surfaces/serial/socat.ts';

const engineModule = new URL('../engine/worker/gain-engine.ts', import.meta.url).href;
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faderd-hotplug-'));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function until(cond: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const SESSION = "name: t\nchannels: 16\nbuses: 2\naudio: { backend: 'null' }\nosc: { enabled: false }\n";
const QUERY_MCU = 'F0 00 00 66 14 00 F7';
const QUERY_XT = 'F0 00 00 66 15 00 F7';
const cell = (id: number, offset: number, text: string): string =>
  ['F0', '00', '00', '66', id.toString(16).toUpperCase(), '12', offset.toString(16).toUpperCase().padStart(2, '0'), ...[...text.padEnd(7)].map((c) => c.charCodeAt(0).toString(16).toUpperCase()), 'F7'].join(' ');

async function startDaemon(yaml: string, opts: Partial<ConstructorParameters<typeof Daemon>[0]> = {}): Promise<Daemon> {
  const dir = tempDir();
  const file = path.join(dir, 's.yaml');
  fs.writeFileSync(file, yaml);
  const daemon = new Daemon({ session: parseSession(yaml, file), stateDir: path.join(dir, 'state'), engineModule, ...opts });
  cleanups.push(() => daemon.stop());
  await daemon.start();
  return daemon;
}

describe('MIDI surfaces plugged in while faderd runs', () => {
  it('gets its shipped mapping (handshake and full resync), detaches cleanly when it goes, and comes back', async () => {
    const midi = new SimulatedMidi();
    const daemon = await startDaemon(SESSION, { transports: { midi: { backend: midi, pollMs: 50 } }, hotplugPollMs: 50 });
    const { store } = daemon;
    expect(store.get('/surface/mackie-control/connected')).toBe(false);
    /** Everything faderd sent a device since the last reset, as hex. */
    const seen = new Map<string, string[]>();
    const got = (name: string): string[] => {
      const list = seen.get(name) ?? [];
      list.push(...midi.take(name));
      seen.set(name, list);
      return list;
    };

    midi.plug('X-Touch MIDI 1');
    await until(() => store.get('/surface/mackie-control/connected') === true, 'the X-Touch to be attached');
    await until(() => got('X-Touch MIDI 1').includes(cell(0x14, 49, 'Ch 8')), 'the strip names');
    expect(got('X-Touch MIDI 1')[0]).toBe(QUERY_MCU); // the device query goes before everything else
    midi.send('X-Touch MIDI 1', 0xe0, 0x7f, 0x7f); // fader 1 to the top
    await until(() => store.get('/ch/1/fader') === 10, 'fader 1 to reach the store');

    midi.plug('X-Touch-Ext MIDI 1'); // an extender: the same file as device 0x15 on strips 9-16
    await until(() => store.get('/surface/mackie-control-ext/connected') === true, 'the extender to be attached');
    await until(() => got('X-Touch-Ext MIDI 1').includes(cell(0x15, 0, 'Ch 9')), 'the extender strip names');
    expect(got('X-Touch-Ext MIDI 1')[0]).toBe(QUERY_XT);

    midi.unplug('X-Touch MIDI 1');
    await until(() => store.get('/surface/mackie-control/connected') === false, 'the X-Touch to be detached');
    expect(midi.openHandles('X-Touch MIDI 1')).toBe(0); // its ports were closed, not left to the OS
    seen.clear();
    store.set('/ch/2/fader', -10, 'api');
    await new Promise((r) => setTimeout(r, 150));
    expect(got('X-Touch MIDI 1')).toEqual([]);
    expect(store.get('/surface/mackie-control-ext/connected')).toBe(true);

    midi.plug('X-Touch MIDI 1'); // back: attached again, the query first, then everything as it is now
    await until(() => store.get('/surface/mackie-control/connected') === true, 'the X-Touch to be attached again');
    await until(() => got('X-Touch MIDI 1').includes('E1 00 40'), 'fader 2 at -10 dB');
    expect(got('X-Touch MIDI 1')[0]).toBe(QUERY_MCU);
    midi.send('X-Touch MIDI 1', 0xe0, 0x00, 0x00);
    await until(() => store.get('/ch/1/fader') === -Infinity, 'fader 1 to work again');
  });

  it('sends the device query first, for the main unit and the extender alike', async () => {
    const midi = new SimulatedMidi();
    midi.plug('MCU Pro USB v3.1');
    midi.plug('MCU XT USB v3.1');
    const daemon = await startDaemon(SESSION, { transports: { midi: { backend: midi, pollMs: 50 } }, hotplugPollMs: 50 });
    await until(() => daemon.store.get('/surface/mackie-control-ext/connected') === true, 'both units');
    expect(midi.take('MCU Pro USB v3.1')[0]).toBe(QUERY_MCU);
    expect(midi.take('MCU XT USB v3.1')[0]).toBe(QUERY_XT);
  });

  it('says once that MIDI is unavailable and keeps running', async () => {
    const lines: string[] = [];
    const log = { warn: (m: string) => lines.push(m), info: () => {}, error: (m: string) => lines.push(m), debug: () => {} } as never;
    let listings = 0;
    const daemon = await startDaemon(SESSION, {
      log,
      hotplugPollMs: 20,
      midiPorts: () => (listings++, { unavailable: 'MIDI is unavailable on this machine: Failed to initialise RtMidi' }),
    });
    await new Promise((r) => setTimeout(r, 200));
    expect(listings).toBe(1);
    // Other warnings may come too (an engine thread without real-time priority, for an ordinary user).
    expect(lines.filter((l) => /MIDI/.test(l))).toEqual(['MIDI is unavailable on this machine: Failed to initialise RtMidi; OSC and serial surfaces still work']);
    expect(daemon.store.get('/surface/mackie-control/connected')).toBe(false);
  });
});

describe('serial surfaces identified by USB id', () => {
  it('attach when the device appears, resync, and reconnect after it is unplugged and plugged back', async () => {
    requireSocat();
    const dir = tempDir();
    const dev = path.join(dir, 'ttyACM0');
    const peer = path.join(dir, 'board');
    let plugged: PtyPair | undefined;
    // The OS's port list as udev would give it: the pty carries the Mega's USB ids while plugged in.
    // It is listed only once the board's end is open: a resync written before that would be lost in
    // the pty pair, which no real USB device does (it enumerates with its firmware already running).
    let listed = false;
    const listPorts = async (): Promise<SerialPortInfo[]> => (listed && plugged && fs.existsSync(dev) ? [{ path: dev, vendorId: '2341', productId: '0042' }] : []);
    const daemon = await startDaemon(`${SESSION}surfaces: [{ mapping: diy-fader-board.yaml, id: board }]\n`, {
      transports: { serial: { listPorts, backoffMs: 20, maxBackoffMs: 100, stallMs: 400 } },
    });
    const { store } = daemon;
    store.set('/ch/2/fader', -10, 'api');
    await new Promise((r) => setTimeout(r, 150));
    expect(store.get('/surface/board/connected')).toBe(false);

    const openBoard = async (): Promise<{ text: () => string; port: SerialPort }> => {
      listed = false;
      plugged = await startPty(dev, peer);
      const port = new SerialPort({ path: peer, baudRate: 115200, autoOpen: false });
      await new Promise<void>((res, rej) => port.open((e) => (e ? rej(e) : res())));
      let text = '';
      port.on('data', (c: Buffer) => (text += c.toString('latin1')));
      cleanups.push(() => new Promise<void>((r) => (port.isOpen ? port.close(() => r()) : r())));
      listed = true;
      return { text: () => text, port };
    };

    let board = await openBoard();
    cleanups.push(() => plugged?.kill());
    await until(() => board.text().includes('S8 0\n'), 'the connection resync');
    expect(board.text()).toContain('F2 0.5000\n');
    board.port.write('F3 0.2500\n');
    await until(() => store.get('/ch/3/fader') === -30, 'a fader line');
    expect(store.get('/surface/board/connected')).toBe(true);

    await plugged!.kill(); // unplugged
    await until(() => store.get('/surface/board/connected') === false, 'the board to read disconnected');
    store.set('/ch/4/mute', true, 'api');

    board = await openBoard(); // plugged back: the whole state again, including what changed meanwhile
    // (A line changed within one feedback period of the reconnection follows the rest of the burst.)
    await until(() => ['S8 0', 'M4 1', 'F3 0.2500'].every((l) => board.text().includes(`${l}\n`)), 'the reconnection resync');
    expect(board.text().split('\n').filter(Boolean)).toHaveLength(24);
    expect(store.get('/surface/board/connected')).toBe(true);
  });
});
