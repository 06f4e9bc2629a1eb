/**
 * MIDI byte streams: stray data bytes, running status, real-time bytes inside messages, SysEx that
 * never ends, and SysEx far larger than the cap, pushed in chunks as a serial port delivers them.
 * The parser's messages then drive a compiled MCU mapping, so garbage goes all the way to the store.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { VirtualTimeScheduler } from 'rxjs';
import { MidiParser } from '../../../src/surfaces/midi/parser.ts';
import { midiProblem } from '../../../src/surfaces/serial/framing/midi.ts';
import { MemorySurface } from '../../../src/surfaces/memory.ts';
import { compileMapping } from '../../../src/mapping/binding/compile.ts';
import { parseMapping } from '../../../src/mapping/file/load.ts';
import type { FuzzTarget } from '../harness.ts';
import type { Rng } from '../rng.ts';
import { checkStore, fuzzStore } from '../invariants.ts';

export const MCU_YAML = fs.readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), '../../mapping/fixtures/mcu.yaml'), 'utf8');

const MAX_SYSEX = 4096;

/** One chunk of a MIDI byte stream. */
export function midiChunk(r: Rng): Uint8Array {
  switch (r.int(8)) {
    case 0:
      return r.bytes(r.size(64));
    case 1: {
      // Data bytes only: stray, or running status after a channel status.
      const b = r.bytes(r.size(32));
      for (let i = 0; i < b.length; i++) b[i]! &= 0x7f;
      return b;
    }
    case 2: {
      // SysEx with no end, or one much longer than the cap.
      const n = r.chance(0.1) ? MAX_SYSEX * 4 + r.int(1000) : r.size(300);
      const b = new Uint8Array(n + 1);
      b[0] = 0xf0;
      for (let i = 1; i <= n; i++) b[i] = r.u32() & 0x7f;
      return b;
    }
    case 3:
      return Uint8Array.of(0xf7, r.u32() & 0x7f, 0xf0, 0xf7);
    case 4:
      // A real-time byte inside a note.
      return Uint8Array.of(0x90 | r.int(16), 0xf8 + r.int(8), r.u32() & 0x7f, r.u32() & 0x7f);
    default: {
      // Plausible MCU traffic: faders (pitch bend), buttons, V-pots, cut short now and then.
      const status = r.pick([0xe0, 0x90, 0xb0, 0xc0, 0xd0, 0xf2, 0xf1]) | (r.chance(0.5) ? r.int(9) : 0);
      const b = Uint8Array.of(status & 0xff, r.u32() & 0x7f, r.u32() & 0x7f);
      return r.chance(0.15) ? b.subarray(0, 1 + r.int(2)) : b;
    }
  }
}

function checkMessage(m: Uint8Array): void {
  if (m.length === 1 && m[0]! >= 0xf8) return;
  const p = midiProblem(m);
  if (p) throw new Error(`parser emitted a malformed message ${Array.from(m, (b) => b.toString(16)).join(' ')}: ${p}`);
  if (m[0] === 0xf0 && m.length > MAX_SYSEX) throw new Error(`SysEx of ${m.length} bytes passed a ${MAX_SYSEX} cap`);
}

/** The parser alone: every message it emits is well formed, and it resynchronises after garbage. */
export function midiParserTarget(): FuzzTarget<Uint8Array> {
  let last: Uint8Array | undefined;
  const parser = new MidiParser({
    maxSysex: MAX_SYSEX,
    onMessage: (m) => {
      checkMessage(m);
      last = m;
    },
  });
  return {
    name: 'midi-parser',
    generate: (r) => midiChunk(r),
    feed: (input) => parser.push(input),
    finish() {
      if (parser.errors === 0 || parser.messages === 0) throw new Error(`expected both messages and errors, got ${parser.messages} and ${parser.errors}`);
      parser.push(Uint8Array.of(0x91, 60, 100));
      if (!last || Array.from(last).join() !== '145,60,100') throw new Error('the parser did not resynchronise on a new status byte');
    },
  };
}

/** Parser → compiled MCU mapping → store: no error escapes the pipeline and every param stays valid. */
export function midiMappingTarget(): FuzzTarget<Uint8Array> {
  const store = fuzzStore();
  const surface = new MemorySurface('fuzz');
  const scheduler = new VirtualTimeScheduler();
  const compiled = compileMapping(parseMapping(MCU_YAML, 'mcu.yaml'), store, surface, { id: 'fuzz', scheduler });
  const parser = new MidiParser({ maxSysex: MAX_SYSEX, onMessage: (data) => surface.midi(...data) });
  return {
    name: 'midi-mapping',
    generate: (r) => midiChunk(r),
    feed(input, i) {
      parser.push(input);
      if (i % 64 === 0) {
        scheduler.flush();
        surface.take();
        checkStore(store);
      }
    },
    finish() {
      scheduler.flush();
      checkStore(store);
      // The mapping is still alive: fader 1 (pitch bend, channel 1) at full scale reaches the top.
      parser.push(Uint8Array.of(0x90, 0x68, 0x7f, 0xe0, 0x7f, 0x7f));
      const bank = compiled.state.get('bank');
      const v = store.get(`/ch/${bank + 1}/fader`);
      if (v !== 10) throw new Error(`fader 1 at full scale set /ch/${bank + 1}/fader to ${String(v)}, not +10 dB`);
      compiled.dispose();
    },
  };
}
