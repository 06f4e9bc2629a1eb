import { describe, expect, it } from 'vitest';
import { faderLaw } from '../../src/params/taper.ts';
import { decodePacket, encodeMessage } from '../../src/surfaces/osc/codec.ts';
import { hex, rig } from './helpers.ts';

const midiMapping = (bindings: string) => `version: 1\nsurface: { transport: midi }\nbindings:\n${bindings}`;

describe('MIDI sources', () => {
  it('14-bit CC pairs set the value on the LSB and feed back both halves', () => {
    const r = rig(midiMapping(`  - source: { cc14: [7, 39] }\n    target: /ch/2/pan\n    echo: true\n`));
    r.flush();
    r.surface.midi(0xb0, 7, 0x60);
    expect(r.store.get('/ch/2/pan')).toBe(0); // waiting for the LSB
    r.surface.midi(0xb0, 39, 0x00);
    expect(r.store.get('/ch/2/pan')).toBeCloseTo(((0x60 << 7) / 16383) * 2 - 1, 9);
    // Its own value is not sent back re-quantized (no jitter); another origin's is, in both halves:
    // two messages, MSB first.
    expect(r.flush()).toEqual([]);
    r.store.set('/ch/2/pan', 1, 'api');
    expect(r.flush()).toEqual([hex(0xb0, 7, 0x7f), hex(0xb0, 39, 0x7f)]);
  });

  it('NRPN: parameter select then data MSB/LSB', () => {
    const r = rig(midiMapping(`  - source: { nrpn: [1, 2], channel: 2 }\n    target: /ch/1/fader\n`));
    r.flush();
    r.surface.midi(0xb1, 0x63, 0x01);
    r.surface.midi(0xb1, 0x62, 0x03); // another parameter: ignored
    r.surface.midi(0xb1, 0x06, 0x40);
    r.surface.midi(0xb1, 0x26, 0x00);
    expect(r.store.get('/ch/1/fader')).toBe(0);
    r.surface.midi(0xb1, 0x62, 0x02);
    r.surface.midi(0xb1, 0x06, 0x40);
    r.surface.midi(0xb1, 0x26, 0x00);
    expect(r.store.get('/ch/1/fader')).toBeCloseTo(faderLaw.fromNormalized(8192 / 16383), 9);
    r.store.set('/ch/1/fader', 10, 'api');
    expect(r.flush()).toEqual([hex(0xb1, 0x63, 0x01), hex(0xb1, 0x62, 0x02), hex(0xb1, 0x06, 0x7f), hex(0xb1, 0x26, 0x7f)]);
  });

  it('SysEx patterns capture the value byte', () => {
    const r = rig(midiMapping(`  - repeat: { i: 0..1 }\n    source: { sysex: "F0 00 20 6B 7F 42 02 00 {0x10 + i} vv F7" }\n    target: /ch/{i + 1}/pan\n    glue: { taper: linear }\n`));
    r.surface.midi(0xf0, 0x00, 0x20, 0x6b, 0x7f, 0x42, 0x02, 0x00, 0x11, 0x7f, 0xf7);
    expect(r.store.get('/ch/2/pan')).toBe(1);
    expect(r.store.get('/ch/1/pan')).toBe(0);
  });

  it('button modes: momentary, trigger with a value, press-and-hold', () => {
    const r = rig(midiMapping(`  - source: { note: 1 }
    glue: { button: momentary }
    target: /ch/1/solo
  - source: { note: 2 }
    glue: { button: trigger, value: -12 }
    target: /ch/2/fader
  - source: { note: 3 }
    glue: { button: hold, holdMs: 400 }
    target: /ch/3/mute
  - source: { cc: 64 }
    glue: { button: toggle }
    target: /ch/4/mute
`));
    r.surface.midi(0x90, 1, 0x7f);
    expect(r.store.get('/ch/1/solo')).toBe(true);
    r.surface.midi(0x80, 1, 0x40); // note off releases too
    expect(r.store.get('/ch/1/solo')).toBe(false);

    r.surface.midi(0x90, 2, 0x7f);
    expect(r.store.get('/ch/2/fader')).toBe(-12);

    r.surface.midi(0x90, 3, 0x7f); // tapped: latches on
    r.surface.midi(0x90, 3, 0x00);
    expect(r.store.get('/ch/3/mute')).toBe(true);
    r.surface.midi(0x90, 3, 0x7f); // held past holdMs: acts momentary
    r.scheduler.schedule(() => r.surface.midi(0x90, 3, 0x00), 500);
    expect(r.store.get('/ch/3/mute')).toBe(false);
    r.scheduler.flush();
    expect(r.store.get('/ch/3/mute')).toBe(true);

    r.surface.midi(0xb0, 64, 0x7f);
    r.surface.midi(0xb0, 64, 0x00);
    expect(r.store.get('/ch/4/mute')).toBe(true);
  });

  it('layers: a binding is active only while its when expression holds', () => {
    const r = rig(`version: 1
surface: { transport: midi }
state: { layer: 0 }
bindings:
  - source: { pitchbend: true }
    target: /ch/1/fader
    when: layer == 0
  - source: { pitchbend: true }
    target: /bus/1/fader
    when: layer == 1
  - source: { note: 0x32 }
    target: { state: layer, value: 1 - layer }
`);
    r.flush();
    r.store.set('/bus/1/fader', -10, 'api');
    expect(r.flush()).toEqual([]);
    r.surface.midi(0x90, 0x32, 0x7f); // flip to the bus layer: the fader shows the bus
    expect(r.flush()).toContain(hex(0xe0, 0x00, 0x40));
    r.surface.midi(0xe0, 0x7f, 0x7f);
    expect(r.store.get('/bus/1/fader')).toBe(10);
    expect(r.store.get('/ch/1/fader')).toBe(0);
  });
});

describe('OSC and serial sources', () => {
  it('OSC: a peer that moves a control is skipped by feedback, other peers get it', () => {
    const r = rig(`version: 1
surface: { transport: osc, port: 9100 }
bindings:
  - repeat: { i: 0..1 }
    source: { osc: "/1/fader{i + 1}", args: f }
    target: /ch/{i + 1}/fader
  - source: { osc: /1/pan, units: value }
    target: /ch/1/pan
`);
    r.flush();
    r.surface.emit({ kind: 'osc', address: '/1/fader2', args: [{ type: 'f', value: 0.5 }], peer: '10.0.0.5:9000' });
    expect(r.store.get('/ch/2/fader')).toBe(-10);
    r.scheduler.flush();
    expect(r.surface.sent.map((s) => [s.msg, s.opts])).toEqual([[{ kind: 'osc', address: '/1/fader2', args: [{ type: 'f', value: 0.5 }] }, { except: '10.0.0.5:9000' }]]);
    r.surface.take();
    r.surface.emit({ kind: 'osc', address: '/1/pan', args: [{ type: 'f', value: -0.25 }], peer: 'p:1' });
    expect(r.store.get('/ch/1/pan')).toBe(-0.25);
  });

  it('OSC: int64 and true/false arguments read as numbers, as they arrive from the wire', () => {
    const r = rig(`version: 1
surface: { transport: osc, port: 9100 }
bindings:
  - source: { osc: /1/pan, args: h, units: value }
    target: /ch/1/pan
  - source: { osc: /1/mute, args: T }
    target: /ch/1/mute
`);
    r.flush();
    const [packet] = decodePacket(encodeMessage('/1/pan', [{ type: 'h', value: { high: -1, low: -1 } }]));
    r.surface.emit({ kind: 'osc', address: '/1/pan', args: packet!.messages[0]!.args, peer: 'p:1' });
    expect(r.store.get('/ch/1/pan')).toBe(-1);
    r.surface.emit({ kind: 'osc', address: '/1/mute', args: [{ type: 'T' }], peer: 'p:1' });
    expect(r.store.get('/ch/1/mute')).toBe(true);
    r.surface.emit({ kind: 'osc', address: '/1/mute', args: [{ type: 'F' }], peer: 'p:1' });
    expect(r.store.get('/ch/1/mute')).toBe(false);
  });

  it('serial lines: "F3 0.750" sets /ch/3/fader to 0 dB and feedback is written as a line', () => {
    const r = rig(`version: 1
surface: { transport: serial, path: /dev/ttyACM0, framing: lines }
bindings:
  - repeat: { i: 0..3 }
    source: { line: "F{i + 1} {value:.3f}" }
    target: /ch/{i + 1}/fader
`);
    r.flush();
    r.surface.emit({ kind: 'line', text: 'F3 0.750' });
    expect(r.store.get('/ch/3/fader')).toBe(0);
    r.surface.emit({ kind: 'line', text: 'F3 oops' });
    r.store.set('/ch/4/fader', -10, 'api');
    expect(r.flush()).toEqual(['F4 0.500']);
  });

  it('a MIDI mapping works unchanged over serial MIDI framing', () => {
    const r = rig(`version: 1
surface: { transport: serial, path: /dev/ttyACM0, framing: midi }
bindings:
  - source: { pitchbend: true }
    target: /ch/1/fader
`);
    r.surface.midi(0xe0, 0x7f, 0x7f);
    expect(r.store.get('/ch/1/fader')).toBe(10);
  });
});

describe('display outputs', () => {
  it('X32 dialect: zero-padded addresses, inverted on = unmuted, int arguments', () => {
    const r = rig(`version: 1
surface: { transport: osc, port: 10023, renew: /xremote }
bindings:
  - repeat: { i: 0..1 }
    source: { osc: "/ch/{i + 1:02}/mix/on", args: i }
    glue: { invert: true }
    target: /ch/{i + 1}/mute
    echo: true
`);
    r.flush();
    r.surface.emit({ kind: 'osc', address: '/ch/02/mix/on', args: [{ type: 'i', value: 0 }], peer: 'a:1' });
    expect(r.store.get('/ch/2/mute')).toBe(true);
    expect(r.flush()).toEqual(['/ch/02/mix/on i:0']);
    r.store.set('/ch/1/mute', true, 'api');
    expect(r.flush()).toEqual(['/ch/01/mix/on i:0']);
  });

  it('sends a text or LED output only when what it shows changes', () => {
    const r = rig(`version: 1
surface: { transport: midi }
bindings:
  - target: /ch/1/pan
    feedback: [{ lcd: { offset: 0, width: 4 } }, { led: { note: 0x20, on: blink } }]
`);
    const text = (t: string) => hex(0xf0, 0, 0, 0x66, 0x14, 0x12, 0, ...t.padEnd(4).split('').map((c) => c.charCodeAt(0)), 0xf7);
    expect(r.flush()).toEqual([text('<C>'), hex(0x90, 0x20, 0x01)]);
    r.store.set('/ch/1/pan', 0.501, 'api');
    r.store.set('/ch/1/pan', 0.502, 'api');
    r.scheduler.schedule(() => r.store.set('/ch/1/pan', 0.503, 'api'), 100);
    r.scheduler.schedule(() => r.store.set('/ch/1/pan', -0.2, 'api'), 200);
    // The LED was already lit at the centre (pan 0 is half of the range): only the text changes, once.
    expect(r.flush()).toEqual([text('R50'), text('L20'), hex(0x90, 0x20, 0x00)]);
    r.compiled.resync(); // a resync sends everything again
    expect(r.flush()).toEqual([text('L20'), hex(0x90, 0x20, 0x00)]);
  });

  it('refreshes meters the device would let fall', () => {
    const r = rig(`version: 1
surface: { transport: midi }
bindings:
  - target: /ch/1/meter/peak
    feedback: { meter: { strip: 0, refreshMs: 250 } }
`);
    // The refresh timer never ends by itself: stop it at 900 ms, then run virtual time.
    r.scheduler.schedule(() => r.compiled.dispose(), 900);
    r.store.set('/ch/1/meter/peak', -30, 'engine', { internal: true });
    const sent = r.flush();
    // The connection: level 0 and the overload cleared; then -30 dB (level 4), resent every 250 ms.
    expect(sent).toEqual([hex(0xd0, 0x00), hex(0xd0, 0x0f), hex(0xd0, 0x04), hex(0xd0, 0x04), hex(0xd0, 0x04), hex(0xd0, 0x04)]);
    expect(r.surface.times.map(Math.round)).toEqual([0, 0, 33, 250, 500, 750]);
  });
});
