/**
 * Bad input is counted and logged, rate-limited: a flood of garbage gives one warning line per
 * interval (with the running total), never one per packet, so a hostile sender cannot fill the
 * disk or stall the process with logging.
 */
import { EventEmitter } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { setLogDestination } from '../../src/util/log.ts';
import { NativeOscServer } from '../../src/servers/native-osc.ts';
import { SerialTransport, type SerialLink } from '../../src/surfaces/serial/transport.ts';
import { MidiTransport } from '../../src/surfaces/midi/transport.ts';
import type { MidiBackend } from '../../src/surfaces/midi/backend.ts';
import type { SurfaceMessage } from '../../src/surfaces/types.ts';
import { oscClient, f, sleep } from '../surfaces/osc/client.ts';
import { fuzzStore } from '../fuzz/invariants.ts';

interface LogLine {
  level: number;
  msg: string;
  total?: number;
}
let lines: LogLine[] = [];
const cleanups: Array<() => Promise<void>> = [];
beforeEach(() => {
  lines = [];
  setLogDestination({ write: (s: string) => void lines.push(JSON.parse(s) as LogLine) }, 'warn');
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const linesAbout = (re: RegExp) => lines.filter((l) => re.test(l.msg));

/** A serial port stand-in the test pushes bytes into. */
class FakeLink extends EventEmitter implements SerialLink {
  isOpen = false;
  readonly writableLength = 0;
  open(cb: (err: Error | null) => void): void {
    this.isOpen = true;
    cb(null);
  }
  write(): boolean {
    return true;
  }
  close(cb?: (err: Error | null) => void): void {
    this.isOpen = false;
    cb?.(null);
  }
}

describe('bad input is counted and logged at a bounded rate', () => {
  it('OSC: 500 malformed packets and 300 refused messages give one line each, with totals', async () => {
    // The log's interval is wall time: frozen here, so a slow machine cannot make the flood span two
    // intervals (the line count is what this test is about, not how fast packets travel).
    vi.useFakeTimers({ toFake: ['Date'], now: Date.UTC(2026, 0, 1) });
    cleanups.push(async () => void vi.useRealTimers());
    const store = fuzzStore('channels: 4\n');
    const srv = new NativeOscServer(store, { host: '127.0.0.1', port: 0 });
    await srv.start();
    cleanups.push(() => srv.close());
    const c = await oscClient(srv.port);
    cleanups.push(() => c.close());
    // UDP has no back pressure: a loaded receiver's socket buffer overflows if 800 datagrams go back to
    // back. Send 50 at a time and wait for the server to count them (a bounded number of waits).
    const paced = async (n: number, send: (k: number) => void, count: () => number): Promise<void> => {
      for (let k = 0; k < n; k += 50) {
        for (let j = k; j < Math.min(n, k + 50); j++) send(j);
        for (let w = 0; w < 6000 && count() < Math.min(n, k + 50); w++) await sleep(5);
      }
    };
    await paced(500, () => c.raw(Uint8Array.of(0x2f, 0x78, 0, 0, 0x2c, 0x66, 0, 0)), () => srv.stats().malformed); // "/x" ",f" with its float missing
    await paced(300, (k) => c.send('/ch/99/fader', f(k)), () => srv.stats().paramErrors);
    expect(srv.stats().malformed).toBe(500);
    expect(srv.stats().paramErrors).toBe(300);
    expect(linesAbout(/malformed OSC packet dropped/)).toHaveLength(1);
    expect(linesAbout(/refused by the param store/)).toHaveLength(1);
  });

  it('serial: 1,000 over-long lines give one line; the next good line goes through', async () => {
    const link = new FakeLink();
    const t = new SerialTransport('board', { transport: 'serial', path: '/dev/fake', framing: 'lines', maxFrame: 16 }, { openLink: () => link });
    cleanups.push(() => t.close());
    const got: SurfaceMessage[] = [];
    t.incoming$.subscribe((m) => got.push(m));
    for (let w = 0; w < 5000 && !link.isOpen; w++) await sleep(2);
    for (let k = 0; k < 1000; k++) link.emit('data', Buffer.from('x'.repeat(40) + '\n'));
    link.emit('data', Buffer.from('F1 0.5\n'));
    expect(t.stats().dropped).toBe(1000);
    expect(got).toEqual([{ kind: 'line', text: 'F1 0.5', peer: 'board' }]);
    const logged = linesAbout(/input dropped by lines framing/);
    expect(logged).toHaveLength(1);
  });

  it('USB MIDI: 1,000 malformed messages give one line', async () => {
    let deliver: (d: Uint8Array) => void = () => undefined;
    const backend: MidiBackend = {
      inputs: () => [],
      outputs: () => [],
      openInput: (_n, _v, on) => ((deliver = on), { close: () => undefined }),
      openOutput: () => ({ send: () => undefined, close: () => undefined }),
    };
    const t = new MidiTransport('x', { transport: 'midi', virtual: 'v' }, { backend });
    cleanups.push(() => t.close());
    for (let k = 0; k < 1000; k++) deliver(Uint8Array.of(0x90, 0x80 | k, 1));
    expect(t.stats().errors).toBe(1000);
    expect(linesAbout(/malformed MIDI from the device dropped/)).toHaveLength(1);
  });
});
