import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SerialPort } from 'serialport';
import { filter, firstValueFrom } from 'rxjs';
import { compileMapping } from '../../src/mapping/binding/compile.ts';
import { resolveDevice } from '../../src/mapping/file/device.ts';
import { loadMapping } from '../../src/mapping/file/load.ts';
import { SerialTransport } from '../../src/surfaces/serial/transport.ts';
import type { SurfaceDeviceSpec } from '../../src/surfaces/types.ts';
import { requireSocat, startPty } from '../surfaces/serial/socat.ts';
import { Clock, MAPPINGS, sessionStore, unit } from './helpers.ts';

const FILE = 'diy-fader-board.yaml';

function board() {
  const clock = new Clock();
  const store = sessionStore();
  const u = unit(FILE, store, clock);
  const line = (text: string) => u.surface.emit({ kind: 'line', text });
  return { store, u, line };
}

describe('DIY fader board (line protocol)', () => {
  it('on connection drives every motor fader and LED to the mix', () => {
    const store = sessionStore();
    store.set('/ch/2/fader', -10, 'api');
    store.set('/ch/4/mute', true, 'api');
    const u = unit(FILE, store, new Clock()); // a memory surface is connected at once: the resync
    const all = u.flush();
    expect(all.slice(0, 8)).toEqual(['F1 0.7500', 'F2 0.5000', 'F3 0.7500', 'F4 0.7500', 'F5 0.7500', 'F6 0.7500', 'F7 0.7500', 'F8 0.7500']);
    expect(all.slice(8, 16)).toEqual(['M1 0', 'M2 0', 'M3 0', 'M4 1', 'M5 0', 'M6 0', 'M7 0', 'M8 0']);
    expect(all.slice(16)).toEqual(['S1 0', 'S2 0', 'S3 0', 'S4 0', 'S5 0', 'S6 0', 'S7 0', 'S8 0']);
  });

  it('fader lines set params through the fader law; changes from elsewhere drive the motor, not while touched', () => {
    const { store, u, line } = board();
    u.flush();
    line('F3 0.5000');
    expect(store.get('/ch/3/fader')).toBe(-10);
    expect(u.flush()).toEqual([]); // the fader is already there
    store.set('/ch/3/fader', -20, 'api');
    expect(u.flush()).toEqual(['F3 0.3750']);
    line('T3 1');
    store.set('/ch/3/fader', 0, 'scene');
    expect(u.flush()).toEqual([]);
    line('F3 0.2500'); // the hand moves it while touched
    expect(store.get('/ch/3/fader')).toBe(-30);
    line('T3 0');
    expect(u.flush()).toEqual(['F3 0.2500']); // released: set where the param is
  });

  it('buttons toggle on press and light their LEDs; bank buttons move the strips', () => {
    const { store, u, line } = board();
    u.flush();
    line('M2 1');
    line('M2 0');
    expect(store.get('/ch/2/mute')).toBe(true);
    line('S5 1');
    expect(store.get('/ch/5/solo')).toBe(true);
    expect(u.flush()).toEqual(['M2 1', 'S5 1']);
    line('B+ 1');
    const bank = u.flush();
    expect(bank).toContain('M2 0'); // channel 10 on strip 2
    line('F1 1.0000');
    expect(store.get('/ch/9/fader')).toBe(10);
    line('B- 1');
    expect(u.flush()).toContain('M2 1');
  });

  it('a board that (re)started says H 1 and gets every motor and LED line again', () => {
    const { store, u, line } = board();
    u.flush();
    store.set('/ch/8/solo', true, 'api');
    u.flush();
    line('H 1');
    const all = u.flush();
    expect(all).toHaveLength(24);
    expect(all).toContain('F1 0.7500');
    expect(all).toContain('S8 1');
  });

  it('sends a clamped position back, as the protocol says: F1 1.5 leaves the fader at the top', () => {
    const { store, u, line } = board();
    u.flush();
    line('F1 1.5');
    expect(store.get('/ch/1/fader')).toBe(10);
    expect(u.flush()).toEqual(['F1 1.0000']);
    line('F1 1.7'); // already at the top: still told where it is
    expect(u.flush()).toEqual(['F1 1.0000']);
    line('F2 -0.25');
    expect(store.get('/ch/2/fader')).toBe(-Infinity);
    expect(u.flush()).toEqual(['F2 0.0000']);
    line('F3 0.5'); // in range: the fader is already there, nothing goes back
    expect(u.flush()).toEqual([]);
  });

  it('ignores lines that are not in the protocol', () => {
    const { store, u, line } = board();
    u.flush();
    line('F9 0.5');
    line('hello');
    line('F1 abc');
    expect(store.get('/ch/1/fader')).toBe(0);
    expect(u.flush()).toEqual([]);
  });
});

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('DIY fader board over a serial line', () => {
  it('round trip through a pseudo-terminal: the board moves a fader and gets a motor line back for a change', async () => {
    requireSocat();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faderd-board-'));
    cleanups.push(async () => fs.rmSync(dir, { recursive: true, force: true }));
    const pty = await startPty(path.join(dir, 'dev'), path.join(dir, 'board'));
    cleanups.push(() => pty.kill());

    const mapping = loadMapping(path.join(MAPPINGS, FILE));
    const spec = resolveDevice(mapping, { path: path.join(dir, 'dev') }) as Extract<SurfaceDeviceSpec, { transport: 'serial' }>;
    const transport = new SerialTransport('board', spec, { backoffMs: 20, maxBackoffMs: 100 });
    cleanups.push(() => transport.close());
    const store = sessionStore();
    const compiled = compileMapping(mapping, store, transport, { id: 'board' });
    cleanups.push(async () => compiled.dispose());

    const boardSide = new SerialPort({ path: path.join(dir, 'board'), baudRate: 115200, autoOpen: false });
    await new Promise<void>((res, rej) => boardSide.open((e) => (e ? rej(e) : res())));
    cleanups.push(() => new Promise<void>((r) => (boardSide.isOpen ? boardSide.close(() => r()) : r())));
    let text = '';
    boardSide.on('data', (c: Buffer) => (text += c.toString('latin1')));
    const until = async (cond: () => boolean, what: string) => {
      const t0 = Date.now();
      while (!cond()) {
        if (Date.now() - t0 > 10_000) throw new Error(`timed out waiting for ${what}; board got ${JSON.stringify(text)}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    };

    await until(() => text.includes('S8 0\n'), 'the connection resync');
    // Lines as the sketch prints them (println: \r\n). One of 32 characters is over the protocol's 31
    // and dropped whole; one of exactly 31 is taken.
    boardSide.write('F4 0.250000000000000000000000000\r\n'); // 32 characters
    boardSide.write('F5 0.25000000000000000000000000\r\n'); // 31 characters
    boardSide.write('F3 0.5000\r\nM1 1\r\nM1 0\r\n');
    await until(() => store.get('/ch/1/mute') === true, 'the mute press');
    expect(store.get('/ch/3/fader')).toBe(-10);
    expect(store.get('/ch/4/fader')).toBe(0);
    expect(store.get('/ch/5/fader')).toBe(-30);
    expect(transport.stats().dropped).toBe(1);
    await until(() => text.includes('M1 1\n'), 'the mute LED');
    text = '';
    store.set('/ch/3/fader', -30, 'api');
    await until(() => text.includes('F3 0.2500\n'), 'the motor line');
    expect(text).toBe('F3 0.2500\n');
    boardSide.write('F6 2\r\n'); // past the top: the clamped position comes back
    await until(() => text.includes('F6 1.0000\n'), 'the clamped position');
  });

  it('never sends the board a line longer than the 31 characters it takes', async () => {
    const mapping = loadMapping(path.join(MAPPINGS, FILE));
    const sent: Uint8Array[] = [];
    const link = {
      isOpen: true,
      writableLength: 0,
      open: (cb: (e: Error | null) => void) => cb(null),
      write: (d: Uint8Array, cb: (e?: Error | null) => void) => (sent.push(d), cb(), true),
      close: (cb?: (e: Error | null) => void) => cb?.(null),
      on() {
        return link;
      },
      removeAllListeners() {
        return link;
      },
    };
    const spec = resolveDevice(mapping, { path: '/dev/board' }) as Extract<SurfaceDeviceSpec, { transport: 'serial' }>;
    const transport = new SerialTransport('board', spec, { openLink: () => link as never });
    cleanups.push(() => transport.close());
    await firstValueFrom(transport.connected$.pipe(filter(Boolean)));
    transport.send({ kind: 'line', text: 'M1 1' });
    transport.send({ kind: 'line', text: 'X'.repeat(32) });
    transport.send({ kind: 'line', text: 'Y'.repeat(31) });
    expect(sent.map((b) => Buffer.from(b).toString('latin1'))).toEqual(['M1 1\n', `${'Y'.repeat(31)}\n`]);
    expect(transport.stats().errors).toBe(1);
  });
});
