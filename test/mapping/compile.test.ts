import { describe, expect, it } from 'vitest';
import { faderLaw } from '../../src/params/taper.ts';
import { encodeRelative } from '../../src/mapping/binding/glue.ts';
import { compileMapping } from '../../src/mapping/binding/compile.ts';
import { hex, pb, rig } from './helpers.ts';

const raw14 = (db: number): number => Math.round(faderLaw.toNormalized(db) * 16383);

describe('motor fader (MCU pitch bend + touch)', () => {
  it('sets the param through the fader law and is moved back by other origins, but not while touched', () => {
    const r = rig('mcu.yaml');
    r.flush();
    // Strip 3 (channel 3, status E2) pushed to 0x2000 = half travel → -10 dB on the X32 law.
    r.surface.midi(0xe2, 0x00, 0x40);
    expect(r.store.get('/ch/3/fader')).toBeCloseTo(faderLaw.fromNormalized(8192 / 16383), 9);
    expect(r.flush()).toEqual([]); // the fader is where the hand put it: no echo

    r.store.set('/ch/3/fader', -20, 'api');
    expect(r.flush()).toEqual([pb(2, raw14(-20))]);

    r.surface.midi(0x90, 0x6a, 0x7f); // touch strip 3
    r.store.set('/ch/3/fader', 5, 'api');
    r.store.set('/ch/3/fader', -3, 'api');
    expect(r.flush()).toEqual([]);
    r.surface.midi(0x90, 0x6a, 0x00); // release: set to the current value
    expect(r.flush()).toEqual([pb(2, raw14(-3))]);
  });

  it('a move of the touched fader itself is applied and its release resends the value it set', () => {
    const r = rig('mcu.yaml');
    r.flush();
    r.surface.midi(0x90, 0x68, 0x7f);
    r.surface.midi(0xe0, 0x7f, 0x7f);
    expect(r.store.get('/ch/1/fader')).toBe(10);
    expect(r.flush()).toEqual([]);
    r.surface.midi(0x90, 0x68, 0x00);
    expect(r.flush()).toEqual([pb(0, 16383)]);
  });
});

describe('feedback suppression', () => {
  it('skips only the control that made a change: another control of the same surface on that param follows', () => {
    const r = rig(`version: 1
surface: { transport: midi }
bindings:
  - source: { pitchbend: true }
    target: /ch/1/fader
  - source: { cc: 0x10 }
    glue: { encoder: signed-bit, step: 0.25 }
    target: /ch/1/fader
    feedback: { ring: { cc: 0x30, mode: wrap } }
`);
    r.flush();
    r.surface.midi(0xb0, 0x10, 0x41); // encoder one step down: 0.75 → 0.5 of travel
    expect(r.store.get('/ch/1/fader')).toBe(-10);
    expect(r.flush()).toEqual([pb(0, 8192), hex(0xb0, 0x30, 0x26)]); // the motor fader follows; the ring too
    r.surface.midi(0xe0, 0x7f, 0x7f); // the fader to the top: only the ring answers
    expect(r.flush()).toEqual([hex(0xb0, 0x30, 0x2b)]);
  });
});

describe('relative encoders', () => {
  const yaml = (encoding: string) => `version: 1
surface: { transport: midi }
bindings:
  - source: { cc: 0x10 }
    glue: { encoder: ${encoding}, step: 0.05 }
    target: /ch/1/pan
    feedback: { ring: { cc: 0x30, mode: dot } }
`;
  for (const enc of ['twos-complement', 'signed-bit', 'binary-offset'] as const) {
    it(`${enc} steps /ch/1/pan both ways`, () => {
      const r = rig(yaml(enc));
      expect(r.flush()).toEqual([hex(0xb0, 0x30, 0x06)]); // centre: position 6 of 11
      r.surface.midi(0xb0, 0x10, encodeRelative(enc, 1));
      expect(r.store.get('/ch/1/pan')).toBeCloseTo(0.1, 9);
      r.surface.midi(0xb0, 0x10, encodeRelative(enc, 3));
      expect(r.store.get('/ch/1/pan')).toBeCloseTo(0.4, 9);
      r.surface.midi(0xb0, 0x10, encodeRelative(enc, -1));
      expect(r.store.get('/ch/1/pan')).toBeCloseTo(0.3, 9);
      r.surface.midi(0xb0, 0x10, encodeRelative(enc, -20));
      expect(r.store.get('/ch/1/pan')).toBe(-1);
      // The ring follows the encoder (the device cannot light it itself): dot mode, left end.
      expect(r.flush().at(-1)).toBe(hex(0xb0, 0x30, 0x01));
    });
  }

  it('draws the MCU ring modes: dot, boost-cut and wrap over 11 LEDs, spread over 6, centre LED', () => {
    const ring = (n: number, mode: string) => `  - target: /ch/${n}/pan\n    feedback: { ring: { cc: ${0x2f + n}, mode: ${mode}, center: ${n === 4} } }\n`;
    const r = rig(`version: 1\nsurface: { transport: midi }\nbindings:\n${ring(1, 'dot')}${ring(2, 'boost-cut')}${ring(3, 'wrap')}${ring(4, 'spread')}`);
    expect(r.flush()).toEqual([hex(0xb0, 0x30, 0x06), hex(0xb0, 0x31, 0x16), hex(0xb0, 0x32, 0x26), hex(0xb0, 0x33, 0x74)]); // centred
    r.store.batch([['/ch/1/pan', 1], ['/ch/2/pan', -1], ['/ch/3/pan', 0.6], ['/ch/4/pan', 1]], 'api');
    expect(r.flush()).toEqual([hex(0xb0, 0x30, 0x0b), hex(0xb0, 0x31, 0x11), hex(0xb0, 0x32, 0x29), hex(0xb0, 0x33, 0x76)]);
  });

  it('decodes the raw bytes of each encoding as documented', () => {
    const r = rig(yaml('signed-bit'));
    r.surface.midi(0xb0, 0x10, 0x41); // MCU V-Pot: one tick counter-clockwise
    expect(r.store.get('/ch/1/pan')).toBeCloseTo(-0.1, 9);
    const t = rig(yaml('twos-complement'));
    t.surface.midi(0xb0, 0x10, 0x7e); // -2
    expect(t.store.get('/ch/1/pan')).toBeCloseTo(-0.2, 9);
    const b = rig(yaml('binary-offset'));
    b.surface.midi(0xb0, 0x10, 0x42); // +2
    expect(b.store.get('/ch/1/pan')).toBeCloseTo(0.2, 9);
  });

  it('accelerates fast turns', () => {
    const r = rig(`version: 1
surface: { transport: midi }
bindings:
  - source: { cc: 0x10 }
    glue: { encoder: signed-bit, step: 0.01, accel: { factors: [1, 4], windowMs: 30 } }
    target: /ch/1/pan
`);
    r.surface.midi(0xb0, 0x10, 0x01);
    r.surface.midi(0xb0, 0x10, 0x01); // same instant: second factor
    expect(r.store.get('/ch/1/pan')).toBeCloseTo(0.1, 9);
  });
});

describe('soft takeover', () => {
  it('a knob out of step with its param changes nothing until it crosses it', () => {
    const r = rig(`version: 1
surface: { transport: midi }
bindings:
  - source: { cc: 7 }
    glue: { pickup: true }
    target: /ch/1/fader
`);
    r.flush();
    expect(r.store.get('/ch/1/fader')).toBe(0); // 0 dB = 0.75 of travel
    r.surface.midi(0xb0, 7, 0);
    r.surface.midi(0xb0, 7, 40);
    r.surface.midi(0xb0, 7, 90);
    expect(r.store.get('/ch/1/fader')).toBe(0);
    r.surface.midi(0xb0, 7, 100); // 90/127 < 0.75 < 100/127: crossed
    expect(r.store.get('/ch/1/fader')).toBeCloseTo(faderLaw.fromNormalized(100 / 127), 9);
    r.surface.midi(0xb0, 7, 60);
    expect(r.store.get('/ch/1/fader')).toBeCloseTo(faderLaw.fromNormalized(60 / 127), 9);

    r.store.set('/ch/1/fader', 5, 'surface:xx'); // moved by another surface: the knob must catch it again
    r.surface.midi(0xb0, 7, 61);
    expect(r.store.get('/ch/1/fader')).toBe(5);
    r.surface.midi(0xb0, 7, 126); // 61 → 126 crosses 0.875 (+5 dB)
    expect(r.store.get('/ch/1/fader')).toBeCloseTo(faderLaw.fromNormalized(126 / 127), 9);
  });
});

describe('banking', () => {
  it('bank right resyncs every bound control of the surface in one pass', () => {
    const r = rig('mcu.yaml', { channels: 16 });
    r.flush();
    r.store.set('/ch/9/fader', -10, 'api');
    r.store.set('/ch/10/name', 'Bass', 'api');
    r.store.set('/ch/11/mute', true, 'api');
    r.store.set('/ch/12/pan', -1, 'api');
    r.store.set('/ch/13/meter/peak', 0, 'engine', { internal: true });
    r.flush(); // none of those is on the surface yet (bank 1-8)
    r.scheduler.flush();
    r.surface.take();

    r.surface.midi(0x90, 0x2f, 0x7f); // bank right
    r.surface.midi(0x90, 0x2f, 0x00);
    expect(r.compiled.state.get('bank')).toBe(8);
    r.scheduler.schedule(() => undefined, 1); // the same pass: nothing waits for a coalescing period
    const t0 = r.scheduler.now();
    const sent = r.flush();
    expect(new Set(r.surface.times.slice(-sent.length)).size).toBe(1);
    expect(r.surface.times.at(-1)).toBe(t0);

    for (let s = 0; s < 8; s++) {
      const db = s === 0 ? -10 : 0;
      expect(sent).toContain(pb(s, raw14(db)));
      expect(sent).toContain(hex(0x90, 0x10 + s, s === 2 ? 0x7f : 0x00)); // mute LEDs
      expect(sent).toContain(hex(0xb0, 0x30 + s, 0x10 | (s === 3 ? 1 : 6))); // boost-cut rings
      expect(sent).toContain(hex(0xd0, (s << 4) | (s === 4 ? 12 : 0))); // meters
    }
    const name = (s: number, text: string) => hex(0xf0, 0, 0, 0x66, 0x14, 0x12, s * 7, ...text.padEnd(7).split('').map((c) => c.charCodeAt(0)), 0xf7);
    expect(sent).toContain(name(0, 'Ch 9'));
    expect(sent).toContain(name(1, 'Bass'));
    expect(sent).toContain(name(7, 'Ch 16'));
    expect(sent).toContain(pb(8, raw14(0))); // the master fader too: the whole surface
    // No output twice, and the faders now drive channels 9-16.
    expect(new Set(sent).size).toBe(sent.length);
    r.surface.midi(0xe0, 0x00, 0x40);
    expect(r.store.get('/ch/9/fader')).toBeCloseTo(-10, 2);
    expect(r.store.get('/ch/1/fader')).toBe(0);

    r.surface.midi(0x90, 0x2f, 0x7f); // bank is clamped at channels - 8
    expect(r.compiled.state.get('bank')).toBe(8);
  });

  it('blanks controls banked past the last channel', () => {
    const r = rig(`version: 1
surface: { transport: midi }
state: { bank: { initial: 0, min: 0 } }
bindings:
  - repeat: { i: 0..1 }
    source: { pitchbend: true, channel: i + 1 }
    target: /ch/{bank + i + 1}/fader
  - source: { note: 0x2f }
    target: { state: bank, value: bank + 2 }
    feedback: false
`, { channels: 3 });
    r.flush();
    r.surface.midi(0x90, 0x2f, 0x7f);
    expect(r.flush()).toEqual([pb(0, raw14(0)), pb(1, 0)]);
    r.surface.midi(0xe1, 0x00, 0x40); // nothing to drive
    expect(r.store.get('/ch/3/fader')).toBe(0);
  });
});

describe('feedback rate', () => {
  it('a storm of 10,000 changes in one second sends at most the configured rate, ending on the final value', () => {
    const r = rig('mcu.yaml', { rateHz: 50 });
    r.flush();
    const start = r.scheduler.now();
    const n = 10_000;
    for (let k = 0; k < n; k++) {
      const db = -40 + (k % 100) / 2;
      r.scheduler.schedule(() => r.store.set('/ch/3/fader', k === n - 1 ? -7 : db, 'api'), (k * 1000) / n);
    }
    const sent = r.flush();
    const times = r.surface.times.slice(-sent.length);
    const inFirstSecond = times.filter((t) => t < start + 1000).length;
    expect(sent.every((s) => s.startsWith('E2'))).toBe(true);
    expect(inFirstSecond).toBeLessThanOrEqual(50);
    expect(inFirstSecond).toBeGreaterThanOrEqual(45);
    expect(sent.at(-1)).toBe(pb(2, raw14(-7)));
  });
});

describe('buttons and actions', () => {
  it('mute toggles with its LED lit back, solo clear clears every solo in one batch', () => {
    const r = rig('mcu.yaml');
    r.flush();
    r.surface.midi(0x90, 0x12, 0x7f);
    r.surface.midi(0x90, 0x12, 0x00);
    expect(r.store.get('/ch/3/mute')).toBe(true);
    expect(r.flush()).toEqual([hex(0x90, 0x12, 0x7f)]);
    r.surface.midi(0x90, 0x12, 0x7f);
    expect(r.store.get('/ch/3/mute')).toBe(false);

    r.store.batch([['/ch/2/solo', true], ['/ch/5/solo', true]], 'api');
    expect(r.flush()).toContain(hex(0x90, 0x73, 0x7f)); // rude-solo light on
    const batches: number[] = [];
    const sub = r.store.changes$.subscribe((b) => batches.push(b.length));
    r.surface.midi(0x90, 0x73, 0x7f);
    sub.unsubscribe();
    expect(batches).toEqual([2]);
    expect(r.store.read('/ch/*/solo').every(([, v]) => v === false)).toBe(true);
    expect(r.flush()).toContain(hex(0x90, 0x73, 0x00));
  });

  it('scene recall writes the scene name to /scene/recall; select lights one select LED', () => {
    const r = rig('mcu.yaml');
    r.flush();
    const writes: unknown[] = [];
    const sub = r.store.changesOf('/scene/recall').subscribe((c) => writes.push([c.value, c.origin]));
    r.surface.midi(0x90, 0x36, 0x7f);
    sub.unsubscribe();
    expect(writes).toEqual([['Verse', 'surface:x']]);

    r.surface.midi(0x90, 0x1a, 0x7f); // select strip 3
    expect(r.compiled.state.get('selected')).toBe(3);
    const sent = r.flush();
    expect(sent).toContain(hex(0x90, 0x1a, 0x7f));
    expect(sent).toContain(hex(0x90, 0x18, 0x00));
  });

  it('shows a turned V-Pot value on the lower scribble strip, then the normal text again', () => {
    const r = rig('mcu.yaml');
    r.flush();
    r.surface.midi(0xb0, 0x10, 0x01);
    const lower = (text: string) => hex(0xf0, 0, 0, 0x66, 0x14, 0x12, 56, ...text.padEnd(7).split('').map((c) => c.charCodeAt(0)), 0xf7);
    expect(r.flush()).toEqual([hex(0xb0, 0x30, 0x17), lower('R10')]);
  });
});

describe('connection and disposal', () => {
  it('resyncs the whole surface when it reconnects', () => {
    const r = rig('mcu.yaml');
    const first = r.flush();
    expect(first.length).toBeGreaterThan(40);
    r.surface.setConnected(false);
    r.store.set('/ch/1/fader', -10, 'api');
    r.flush();
    r.surface.setConnected(true);
    const again = r.flush();
    expect(again).toContain(pb(0, raw14(-10)));
    expect(again.length).toBe(first.length);
  });

  it('leaves no subscription behind after 1000 load/unload cycles', () => {
    const r = rig('mcu.yaml');
    const subject = (r.store as unknown as { subject: { observers: unknown[] } }).subject;
    r.compiled.dispose();
    const baseStore = subject.observers.length;
    const baseSurface = r.surface.observerCount();
    for (let k = 0; k < 1000; k++) {
      compileMapping(r.mapping, r.store, r.surface, { id: 'x', scheduler: r.scheduler }).dispose();
      r.scheduler.flush(); // cancelled timers stay queued in a virtual scheduler until it runs
    }
    expect(subject.observers.length).toBe(baseStore);
    expect(baseStore).toBe(0);
    expect(r.surface.observerCount()).toBe(baseSurface);
  });
});
