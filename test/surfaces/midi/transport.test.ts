import { afterEach, describe, expect, it } from 'vitest';
import { MidiTransport } from '../../../src/surfaces/midi/transport.ts';
import { MidiParser } from '../../../src/surfaces/midi/parser.ts';
import { listMidiPorts } from '../../../src/surfaces/midi/ports.ts';
import { portMatcher, type MidiBackend } from '../../../src/surfaces/midi/backend.ts';
import { setLogDestination } from '../../../src/util/log.ts';
import type { SurfaceMessage } from '../../../src/surfaces/types.ts';

/**
 * A fake port layer standing in for the OS: a device plugged in as named ports, whose raw wire bytes
 * go through the MIDI parser as a driver would before reaching the app. It throws on anything a
 * test did not set up.
 */
class FakeDevice implements MidiBackend {
  ins: string[] = [];
  outs: string[] = [];
  opened: string[] = [];
  written: number[][] = [];
  private listener: ((d: Uint8Array) => void) | undefined;
  private readonly driver = new MidiParser({ onMessage: (d) => this.listener?.(d) });

  plug(name: string): void {
    this.ins = [name];
    this.outs = [name];
  }
  unplug(): void {
    this.ins = [];
    this.outs = [];
    this.listener = undefined;
    this.driver.reset();
  }
  /** Bytes as the device puts them on the wire. */
  wire(bytes: number[]): void {
    this.driver.push(Uint8Array.from(bytes));
  }
  inputs(): string[] {
    return [...this.ins];
  }
  outputs(): string[] {
    return [...this.outs];
  }
  openInput(name: string, virtual: boolean, onMessage: (d: Uint8Array) => void) {
    if (virtual || !this.ins.includes(name)) throw new Error(`unexpected openInput(${name}, ${virtual})`);
    this.opened.push(`in:${name}`);
    this.listener = onMessage;
    return { close: () => (this.listener = undefined) };
  }
  openOutput(name: string, virtual: boolean) {
    if (virtual || !this.outs.includes(name)) throw new Error(`unexpected openOutput(${name}, ${virtual})`);
    this.opened.push(`out:${name}`);
    return { send: (d: Uint8Array) => this.written.push([...d]), close: () => {} };
  }
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(cond: () => boolean, what: string): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > 10_000) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

function make(dev: MidiBackend, spec: ConstructorParameters<typeof MidiTransport>[1]) {
  const t = new MidiTransport('mcu', spec, { backend: dev, pollMs: 20 });
  cleanups.push(() => t.close());
  const states: boolean[] = [];
  t.connected$.subscribe((c) => states.push(c));
  const got: number[][] = [];
  t.incoming$.subscribe((m: SurfaceMessage) => {
    if (m.kind === 'midi') got.push([...m.data]);
  });
  return { t, states, got };
}

describe('MidiTransport over a port layer', () => {
  it('matches ports by pattern and decodes what an MCU sends, SysEx included', () => {
    const dev = new FakeDevice();
    dev.plug('MCU Pro USB v3.1');
    const { t, states, got } = make(dev, { transport: 'midi', input: 'mcu pro' });
    expect(states).toEqual([true]);
    expect(dev.opened).toEqual(['in:MCU Pro USB v3.1', 'out:MCU Pro USB v3.1']);
    // Touch fader 1, move it (pitch bend with running status), release; then the power-on SysEx.
    dev.wire([0x90, 0x68, 0x7f, 0xe0, 0x00, 0x20, 0x10, 0x30, 0xf8, 0x7f, 0x7f, 0x90, 0x68, 0x00]);
    dev.wire([0xf0, 0x00, 0x00, 0x66, 0x14, 0x01, 0x58, 0x59]);
    dev.wire([0x5a, 0x57, 0x18, 0x61, 0x05, 0xf7]);
    expect(got).toEqual([
      [0x90, 0x68, 0x7f],
      [0xe0, 0x00, 0x20],
      [0xe0, 0x10, 0x30],
      [0xf8],
      [0xe0, 0x7f, 0x7f],
      [0x90, 0x68, 0x00],
      [0xf0, 0x00, 0x00, 0x66, 0x14, 0x01, 0x58, 0x59, 0x5a, 0x57, 0x18, 0x61, 0x05, 0xf7],
    ]);
    t.send({ kind: 'midi', data: Uint8Array.of(0xf0, 0x00, 0x00, 0x66, 0x14, 0x12, 0x00, 0x56, 0xf7) });
    t.send({ kind: 'midi', data: Uint8Array.of(0xb0, 0x30, 0x11) });
    t.send({ kind: 'midi', data: Uint8Array.of(0xb0, 0x30) });
    expect(dev.written).toEqual([
      [0xf0, 0x00, 0x00, 0x66, 0x14, 0x12, 0x00, 0x56, 0xf7],
      [0xb0, 0x30, 0x11],
    ]);
    expect(t.stats()).toMatchObject({ received: 7, sent: 2, errors: 1 });
  });

  it('waits for a device, notices it leave, and reconnects with connected=true again', async () => {
    const dev = new FakeDevice();
    const { t, states, got } = make(dev, { transport: 'midi', input: '/^x-touch/' });
    expect(states).toEqual([false]);
    t.send({ kind: 'midi', data: Uint8Array.of(0x90, 1, 1) });
    expect(t.stats().dropped).toBe(1);
    dev.plug('X-Touch One');
    await until(() => states.at(-1) === true, 'connected');
    dev.unplug();
    await until(() => states.at(-1) === false, 'disconnected');
    dev.plug('X-Touch One');
    await until(() => states.length === 4, 'reconnected');
    expect(states).toEqual([false, true, false, true]);
    dev.wire([0xb0, 0x10, 0x41]);
    expect(got).toEqual([[0xb0, 0x10, 0x41]]);
  });

  it('does not send the device its own change back, but sends changes made elsewhere', () => {
    const dev = new FakeDevice();
    dev.plug('X-Touch');
    const { t } = make(dev, { transport: 'midi', input: 'x-touch' });
    t.send({ kind: 'midi', data: Uint8Array.of(0xe2, 0x7f, 0x5f) }, { except: 'mcu' });
    t.send({ kind: 'midi', data: Uint8Array.of(0xe2, 0x7f, 0x5f) }, { to: 'someone-else' });
    t.send({ kind: 'midi', data: Uint8Array.of(0xe2, 0x00, 0x40) }, { except: 'osc:127.0.0.1:9999' });
    t.send({ kind: 'midi', data: Uint8Array.of(0x90, 0x10, 0x7f) }, { to: 'mcu' });
    expect(dev.written).toEqual([
      [0xe2, 0x00, 0x40],
      [0x90, 0x10, 0x7f],
    ]);
  });

  it('matches names as case-insensitive substrings or /regex/', () => {
    expect(portMatcher('nanokontrol')('nanoKONTROL2 MIDI 1')).toBe(true);
    expect(portMatcher('/^nano.*2$/')('nanoKONTROL2')).toBe(true);
    expect(portMatcher('/^nano.*2$/')('nanoKONTROL2 MIDI 1')).toBe(false);
    expect(() => portMatcher('/[/')).toThrow(/bad port name pattern/);
  });
});

describe('MidiTransport on this machine (no MIDI subsystem)', () => {
  it('reports a clear reason once, does not throw, and stays disconnected', async () => {
    const lines: string[] = [];
    setLogDestination({ write: (s) => lines.push(s) }, 'warn');
    const t = new MidiTransport('keys', { transport: 'midi', input: 'Keystation' }, { pollMs: 20 });
    cleanups.push(() => t.close());
    const states: boolean[] = [];
    t.connected$.subscribe((c) => states.push(c));
    await sleep(100);
    const reports = lines.filter((l) => l.includes('MIDI is unavailable'));
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatch(/Failed to initialise RtMidi/);
    expect(reports[0]).toMatch(/\/dev\/snd\/seq/);
    expect(t.unavailable).toMatch(/surface keys: MIDI is unavailable/);
    expect(states).toEqual([false]);
    t.send({ kind: 'midi', data: Uint8Array.of(0x90, 1, 1) });
    expect(t.stats().dropped).toBe(1);
    const listed = listMidiPorts();
    expect(listed).toEqual({ unavailable: expect.stringMatching(/Failed to initialise RtMidi/) });
    const virt = new MidiTransport('v', { transport: 'midi', virtual: 'faderd' });
    cleanups.push(() => virt.close());
    expect(virt.unavailable).toMatch(/MIDI is unavailable/);
  });
});
