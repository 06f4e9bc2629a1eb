/**
 * Serial framings under noise: text lines with no terminator for kilobytes, control bytes and
 * invalid UTF-8; SLIP with bad escapes, runaway frames and stray ENDs. Lines then drive a line
 * mapping (`F3 0.750`), so serial noise goes all the way to the store.
 */
import { VirtualTimeScheduler } from 'rxjs';
import { LineFramer } from '../../../src/surfaces/serial/framing/line.ts';
import { SlipDecoder, encodeSlip, END, ESC } from '../../../src/surfaces/serial/framing/slip.ts';
import { MemorySurface } from '../../../src/surfaces/memory.ts';
import { compileMapping } from '../../../src/mapping/binding/compile.ts';
import { parseMapping } from '../../../src/mapping/file/load.ts';
import type { FuzzTarget } from '../harness.ts';
import type { Rng } from '../rng.ts';
import { checkStore, fuzzStore } from '../invariants.ts';

const MAX_LINE = 256;
const MAX_FRAME = 512;
const enc = new TextEncoder();

export function lineChunk(r: Rng): Uint8Array {
  switch (r.int(6)) {
    case 0:
      return r.bytes(r.size(MAX_LINE * 8));
    case 1:
      return enc.encode('F'.repeat(r.size(MAX_LINE * 4)));
    case 2:
      return enc.encode(`F${r.int(20)} ${r.pick(['0.5', '-1', '1e309', 'NaN', '0x10', '', '0.750\r', '1.0000000000000000001'])}${r.pick(['\n', '\r\n', '', '\n\n'])}`);
    case 3:
      return Uint8Array.of(0xc3, 0x28, 0xf0, 0x9f, 0x0a, 0xff, 0xfe, 0x0a);
    default:
      return enc.encode(`F${1 + r.int(4)} ${r.float().toFixed(3)}\n`);
  }
}

export function lineFramerTarget(): FuzzTarget<Uint8Array> {
  let last = '';
  const framer = new LineFramer({
    maxLine: MAX_LINE,
    onLine: (s) => {
      if (s.length > MAX_LINE) throw new Error(`a line of ${s.length} characters passed a ${MAX_LINE}-byte limit`);
      if (s.includes('\n')) throw new Error('a line kept its terminator');
      last = s;
    },
  });
  return {
    name: 'serial-lines',
    generate: (r) => lineChunk(r),
    feed: (input) => framer.push(input),
    finish() {
      if (framer.dropped === 0 || framer.lines === 0) throw new Error(`expected lines and dropped lines, got ${framer.lines} and ${framer.dropped}`);
      framer.push(enc.encode('\nF1 0.500\n'));
      if (last !== 'F1 0.500') throw new Error(`after noise a good line came out as ${JSON.stringify(last)}`);
    },
  };
}

const LINE_MAPPING = `version: 1
surface: { transport: serial, path: /dev/ttyACM0, framing: lines }
bindings:
  - repeat: { i: 0..3 }
    source: { line: "F{i + 1} {value:.3f}" }
    target: /ch/{i + 1}/fader
  - source: { line: "M {value}" }
    target: /master/fader
`;

export function lineMappingTarget(): FuzzTarget<Uint8Array> {
  const store = fuzzStore();
  const surface = new MemorySurface('fuzz');
  const scheduler = new VirtualTimeScheduler();
  const compiled = compileMapping(parseMapping(LINE_MAPPING, 'lines.yaml'), store, surface, { id: 'fuzz', scheduler });
  const framer = new LineFramer({ maxLine: MAX_LINE, onLine: (text) => surface.emit({ kind: 'line', text }) });
  return {
    name: 'serial-line-mapping',
    generate: (r) => (r.chance(0.2) ? enc.encode(`M ${r.pick(['1', '0.99', '2', '-3', 'inf', '1e999'])}\n`) : lineChunk(r)),
    feed(input, i) {
      framer.push(input);
      if (i % 64 === 0) {
        scheduler.flush();
        surface.take();
        checkStore(store);
      }
    },
    finish() {
      checkStore(store);
      framer.push(enc.encode('\nF2 0.750\n'));
      if (store.get('/ch/2/fader') !== 0) throw new Error(`"F2 0.750" set /ch/2/fader to ${String(store.get('/ch/2/fader'))}`);
      compiled.dispose();
    },
  };
}

export function slipChunk(r: Rng): Uint8Array {
  switch (r.int(5)) {
    case 0:
      return r.bytes(r.size(MAX_FRAME * 3));
    case 1:
      return Uint8Array.of(ESC, r.u32() & 0xff, END);
    case 2:
      return encodeSlip(r.bytes(r.size(MAX_FRAME * 2)));
    case 3:
      return Uint8Array.of(END, END, ESC);
    default:
      return encodeSlip(r.bytes(r.size(64)));
  }
}

export function slipTarget(): FuzzTarget<Uint8Array> {
  let last: Uint8Array | undefined;
  const slip = new SlipDecoder({
    maxFrame: MAX_FRAME,
    onFrame: (f) => {
      if (f.length === 0 || f.length > MAX_FRAME) throw new Error(`a frame of ${f.length} bytes passed a 1..${MAX_FRAME} limit`);
      last = f;
    },
  });
  return {
    name: 'serial-slip',
    generate: (r) => slipChunk(r),
    feed: (input) => slip.push(input),
    finish() {
      if (slip.dropped === 0 || slip.frames === 0) throw new Error(`expected frames and dropped frames, got ${slip.frames} and ${slip.dropped}`);
      slip.push(encodeSlip(Uint8Array.of(1, END, ESC, 2)));
      if (!last || Array.from(last).join() !== `1,${END},${ESC},2`) throw new Error('after noise a good frame did not round-trip');
    },
  };
}
