/**
 * MIDI garbage at both doors: a 10 MB SysEx and malformed messages handed over whole by the OS (USB
 * MIDI through RtMidi), and the same as a raw byte stream (a DIY board on serial MIDI framing). Each
 * is dropped and counted, memory stays flat, and the next good message goes through.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { MidiTransport } from '../../src/surfaces/midi/transport.ts';
import { MidiParser } from '../../src/surfaces/midi/parser.ts';
import type { MidiBackend } from '../../src/surfaces/midi/backend.ts';
import type { SurfaceMessage } from '../../src/surfaces/types.ts';
import { liveBytes, MEMORY_SLACK_BYTES } from '../fuzz/harness.ts';

const TEN_MB = 10 * 1024 * 1024;

/** A virtual port whose incoming messages the test hands over directly; throws on anything else. */
class VirtualPort implements MidiBackend {
  deliver: (d: Uint8Array) => void = () => {
    throw new Error('port not opened');
  };
  inputs(): string[] {
    throw new Error('not used with a virtual port');
  }
  outputs(): string[] {
    throw new Error('not used with a virtual port');
  }
  openInput(_name: string, virtual: boolean, onMessage: (d: Uint8Array) => void) {
    if (!virtual) throw new Error('expected a virtual port');
    this.deliver = onMessage;
    return { close: () => undefined };
  }
  openOutput() {
    return { send: () => undefined, close: () => undefined };
  }
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function sysex(n: number): Uint8Array {
  const b = new Uint8Array(n);
  b[0] = 0xf0;
  for (let i = 1; i < n - 1; i++) b[i] = i & 0x7f;
  b[n - 1] = 0xf7;
  return b;
}

describe('MIDI garbage', () => {
  it('USB MIDI: a 10 MB SysEx and malformed messages are dropped and counted; the next note arrives', () => {
    const port = new VirtualPort();
    const t = new MidiTransport('x', { transport: 'midi', virtual: 'faderd test' }, { backend: port });
    cleanups.push(() => t.close());
    const got: SurfaceMessage[] = [];
    t.incoming$.subscribe((m) => got.push(m));
    port.deliver(sysex(TEN_MB));
    port.deliver(Uint8Array.of(0x90, 0x80, 0x10));
    port.deliver(Uint8Array.of(0x45));
    port.deliver(Uint8Array.of(0xb0, 7));
    port.deliver(sysex(1000));
    port.deliver(Uint8Array.of(0x90, 60, 100));
    expect(t.stats().errors).toBe(4);
    expect(got.map((m) => (m.kind === 'midi' ? m.data.length : -1))).toEqual([1000, 3]);
  });

  it('serial MIDI: a 10 MB SysEx streamed in 4 KB reads is dropped with flat memory; running status resumes', () => {
    const out: number[][] = [];
    const p = new MidiParser({ onMessage: (d) => out.push([...d.subarray(0, 4)]) });
    const base = liveBytes();
    const chunk = new Uint8Array(4096).map((_, i) => i & 0x7f);
    p.push(Uint8Array.of(0xf0));
    for (let sent = 0; sent < TEN_MB; sent += chunk.length) p.push(chunk);
    p.push(Uint8Array.of(0xf7, 0xb0, 7, 100, 7, 101));
    expect(liveBytes() - base).toBeLessThan(MEMORY_SLACK_BYTES);
    expect(p.errors).toBe(1);
    expect(out).toEqual([
      [0xb0, 7, 100],
      [0xb0, 7, 101],
    ]);
  });
});
