import { describe, expect, it } from 'vitest';
import { faderLaw } from '../../src/params/taper.ts';
import { Clock, hex, lcd, sessionStore, unit } from './helpers.ts';

const FILE = 'mackie-control.yaml';
const pb = (strip: number, raw: number): string => hex(0xe0 | strip, raw & 0x7f, raw >> 7);
const raw14 = (db: number): number => Math.round(faderLaw.toNormalized(db) * 16383);

function mcu(channels = 16) {
  const clock = new Clock();
  const store = sessionStore(`channels: ${channels}\nbuses: 2\n`);
  const u = unit(FILE, store, clock);
  u.flush(); // the connect resync
  return { clock, store, u };
}

describe('Mackie Control: faders', () => {
  it('fader 3 to 0 dB and back', () => {
    const { store, u } = mcu();
    // 0 dB is 3/4 of the travel: 0.75 × 16383 = 12287 = 0x2FFF → E2 7F 5F.
    u.surface.midi(0xe2, 0x7f, 0x5f);
    expect(store.get('/ch/3/fader')).toBeCloseTo(0, 2);
    // No pitch bend back (the fader is where the hand left it); the lower line shows the level.
    expect(u.flush()).toEqual([lcd(70, '0.0')]);
    u.surface.midi(0xe2, 0x00, 0x00); // and back to the bottom: -inf
    expect(store.get('/ch/3/fader')).toBe(-Infinity);
    expect(u.flush()).toEqual([lcd(70, '-inf')]);
    store.set('/ch/3/fader', -10, 'api'); // from elsewhere: the motor moves it
    expect(u.flush()).toEqual(['E2 00 40']); // (the level text is shown for the surface's own moves only)
    store.set('/ch/3/fader', -Infinity, 'api');
    expect(u.flush()).toEqual(['E2 00 00']);
    store.set('/ch/3/fader', 0, 'api');
    expect(u.flush()).toEqual(['E2 7F 5F']);
    expect(raw14(0)).toBe(0x2fff);
  });

  it('a touched fader is not driven; release sets it to the current value; the lower line shows the level meanwhile', () => {
    const { store, u } = mcu();
    u.surface.midi(0x90, 0x6a, 0x7f); // touch strip 3
    expect(u.flush()).toEqual([lcd(56 + 14, '0.0')]);
    store.set('/ch/3/fader', -10, 'api');
    store.set('/ch/3/fader', -20, 'scene');
    expect(u.flush()).toEqual([]);
    u.surface.midi(0xe2, 0x00, 0x40); // the hand moves it to half travel: -10 dB
    expect(store.get('/ch/3/fader')).toBeCloseTo(-10, 2);
    expect(u.flush()).toEqual([lcd(70, '-10.0')]);
    u.surface.midi(0x90, 0x6a, 0x00); // release
    expect(u.flush()).toEqual([pb(2, 0x2000)]);
    expect(u.flush(1000)).toEqual([lcd(70, '<C>')]); // the lower line returns to the V-Pot's value
  });

  it('master fader is pitch bend channel 9 with touch note 0x70', () => {
    const { store, u } = mcu();
    u.surface.midi(0xe8, 0x00, 0x40);
    expect(store.get('/master/fader')).toBeCloseTo(-10, 2);
    u.surface.midi(0x90, 0x70, 0x7f);
    store.set('/master/fader', -30, 'api');
    expect(u.flush()).toEqual([]);
    u.surface.midi(0x90, 0x70, 0x00);
    expect(u.flush()).toEqual([pb(8, raw14(-30))]);
  });
});

describe('Mackie Control: V-Pots and buttons', () => {
  it('V-Pot turn both ways: sign-magnitude ticks, dot ring and value text', () => {
    const { store, u } = mcu();
    u.surface.midi(0xb0, 0x12, 0x05); // strip 3, five ticks clockwise: 5 × 0.02 of the -1..1 travel
    expect(store.get('/ch/3/pan')).toBeCloseTo(0.2, 9);
    expect(u.flush()).toEqual(['B0 32 07', lcd(70, 'R20')]);
    u.surface.midi(0xb0, 0x12, 0x4a); // ten ticks counter-clockwise (bit 6 set)
    expect(store.get('/ch/3/pan')).toBeCloseTo(-0.2, 9);
    expect(u.flush()).toEqual(['B0 32 05', lcd(70, 'L20')]);
    u.surface.midi(0x90, 0x22, 0x7f); // push: centre
    u.surface.midi(0x90, 0x22, 0x00);
    expect(store.get('/ch/3/pan')).toBe(0);
    expect(u.flush()).toEqual(['B0 32 06', lcd(70, '<C>')]);
  });

  it('REC / SOLO / MUTE / SELECT toggle and light their LEDs', () => {
    const { store, u } = mcu();
    const press = (note: number) => {
      u.surface.midi(0x90, note, 0x7f);
      u.surface.midi(0x90, note, 0x00);
    };
    press(0x12); // mute strip 3
    expect(store.get('/ch/3/mute')).toBe(true);
    expect(u.flush()).toEqual(['90 12 7F']);
    press(0x0a); // solo strip 3: the Solo button and the rude-solo LED light too
    expect(store.get('/ch/3/solo')).toBe(true);
    expect(u.flush()).toEqual(['90 0A 7F', '90 5A 7F', '90 73 7F']);
    press(0x02); // rec strip 3: compressor in
    expect(store.get('/ch/3/comp/on')).toBe(true);
    expect(u.flush()).toEqual(['90 02 7F']);
    press(0x1a); // select strip 3: its LED on, strip 1's off (a state change resyncs the surface)
    const sel = u.flush();
    expect(sel).toContain('90 18 00');
    expect(sel).toContain('90 1A 7F');
    press(0x5a); // Solo: clear every solo
    expect(store.get('/ch/3/solo')).toBe(false);
    expect(u.flush()).toEqual(['90 0A 00', '90 5A 00', '90 73 00']);
    store.set('/ch/3/mute', false, 'api');
    expect(u.flush()).toEqual(['90 12 00']);
  });

  it('assignment buttons switch the V-Pots: sends fill their ring, a second press steps to the next bus', () => {
    const { store, u } = mcu();
    store.set('/ch/1/send/1/level', 0, 'api');
    store.set('/ch/1/send/2/level', -10, 'api');
    u.flush();
    u.surface.midi(0x90, 0x29, 0x7f); // Send
    const sent = u.flush();
    expect(sent).toContain('B0 30 28'); // wrap (0x20) at 0 dB: round(0.75 × 11) = 8 of 11 LEDs
    expect(sent).toContain('B0 31 20'); // channel 2 sends nothing (-inf): a dark ring
    expect(sent).toContain(lcd(56, '0.0'));
    expect(sent).toContain('90 29 7F');
    expect(sent).toContain('90 2A 00');
    u.surface.midi(0xb0, 0x10, 0x41); // V-Pot 1 one tick down: send 1 of channel 1
    expect(store.get('/ch/1/send/1/level')).toBeCloseTo(faderLaw.fromNormalized(0.74), 9);
    u.flush();
    u.surface.midi(0x90, 0x29, 0x7f); // Send again: bus 2
    expect(u.flush()).toContain(lcd(56, '-10.0'));
    u.surface.midi(0x90, 0x2c, 0x7f); // EQ: band 1 gain, boost/cut ring at the centre
    const eq = u.flush();
    expect(eq).toContain('B0 30 16');
    u.surface.midi(0x90, 0x2c, 0x7f); // EQ again: band 1 frequency (100 Hz), dot ring
    const freq = u.flush();
    expect(freq).toContain(lcd(56, '100'));
    u.surface.midi(0x90, 0x28, 0x7f); // Track: master section, width in spread mode at 100 %
    const master = u.flush();
    expect(master).toContain('B0 30 34'); // spread (0x30), 100 % of 0..200: position 1 + round(0.5 × 5) = 4
    expect(master).toContain(lcd(56, '100'));
    u.surface.midi(0xb0, 0x10, 0x05);
    expect(store.get('/master/width')).toBeCloseTo(120, 6);
  });
});

describe('Mackie Control: banking and displays', () => {
  it('bank right resyncs every fader, LED, ring, LCD cell, meter and display to strips 9-16', () => {
    const { store, u } = mcu(16);
    store.set('/ch/9/fader', -10, 'api');
    store.set('/ch/11/mute', true, 'api');
    store.set('/ch/12/pan', -1, 'api');
    store.set('/ch/10/name', 'Vox', 'api');
    expect(u.flush()).toEqual([]); // none of it is on the surface's strips yet
    u.surface.midi(0x90, 0x2f, 0x7f);
    u.surface.midi(0x90, 0x2f, 0x00);
    const strips = [0, 1, 2, 3, 4, 5, 6, 7];
    const expected = [
      ...strips.map((i) => pb(i, i === 0 ? 0x2000 : 0x2fff)),
      pb(8, 0x2fff),
      ...strips.map((i) => hex(0x90, 0x00 + i, 0)), // REC
      ...strips.map((i) => hex(0x90, 0x08 + i, 0)), // SOLO
      ...strips.map((i) => hex(0x90, 0x10 + i, i === 2 ? 0x7f : 0)), // MUTE: channel 11
      ...strips.map((i) => hex(0x90, 0x18 + i, 0)), // SELECT: channel 1 is off this bank
      ...strips.flatMap((i) => (i === 3 ? ['B0 33 01', lcd(56 + 21, 'L100')] : [hex(0xb0, 0x30 + i, 0x06), lcd(56 + i * 7, '<C>')])),
      '90 2A 7F', '90 29 00', '90 2C 00', '90 2B 00', '90 28 00', // V-Pot assignment: pan
      '90 5A 00', '90 73 00', // nothing soloed
      ...strips.map((i) => lcd(i * 7, i === 1 ? 'Vox' : `Ch ${9 + i}`)),
      ...strips.flatMap((i) => [hex(0xd0, i << 4), hex(0xd0, (i << 4) | 0x0f)]), // level 0, overload cleared
      'B0 40 06', 'B0 41 0E', 'B0 42 09', 'B0 43 2D', 'B0 44 20', 'B0 45 20', 'B0 46 20', 'B0 47 20', 'B0 48 20', 'B0 49 20', // "-INF"
      'B0 4A 39', 'B0 4B 20', // " 9"
    ];
    expect(u.flush()).toEqual(expected);
    u.surface.midi(0xe0, 0x7f, 0x7f); // fader 1 now drives channel 9
    expect(store.get('/ch/9/fader')).toBe(10);
    u.surface.midi(0x90, 0x30, 0x7f); // channel left: one strip
    const one = u.flush();
    expect(one).toContain(lcd(0, 'Ch 8'));
    expect(one).toContain('B0 4A 38');
    expect(one).toContain('B0 4B 20');
  });

  it('a renamed channel appears in its cell of the upper line: 6 characters and a space', () => {
    const { store, u } = mcu();
    store.set('/ch/3/name', 'Vox', 'api');
    expect(u.flush()).toEqual(['F0 00 00 66 14 12 0E 56 6F 78 20 20 20 20 F7']);
    store.set('/ch/8/name', 'Overheads', 'api'); // abbreviated to the cell: it must not spill into the next unit
    expect(u.flush()).toEqual([lcd(49, 'Ovrhds')]);
  });

  it("shows the master's short-term loudness on the timecode display, right-aligned, one CC per digit that changed", () => {
    const { store, u } = mcu();
    // At the connection the display showed "-INF" (06 0E 09 2D from CC 0x40). Right to left from CC
    // 0x40, -14.2 is "2", "4" with its dot (0x40), "1", then the "-" and blanks that are already lit.
    store.set('/master/meter/shortterm', -14.2, 'engine', { internal: true });
    expect(u.flush()).toEqual(['B0 40 32', 'B0 41 74', 'B0 42 31']);
    store.set('/master/meter/shortterm', -14.3, 'engine', { internal: true });
    expect(u.flush()).toEqual(['B0 40 33']);
    store.set('/master/meter/shortterm', -9.3, 'engine', { internal: true });
    expect(u.flush()).toEqual(['B0 41 79', 'B0 42 2D', 'B0 43 20']); // "9." then the sign moves right
  });

  it('meters are refreshed every 200 ms, inside the surface decay of ~300 ms per step, and not at rest', () => {
    const { clock, store, u } = mcu();
    const t0 = clock.now();
    store.set('/ch/1/meter/peak', -6, 'engine', { internal: true }); // the -6 dB segment: level 9
    clock.advance(1000);
    expect(u.surface.takeHex()).toEqual(Array(6).fill('D0 09'));
    const times = u.surface.times.slice(-6).map((t) => t - t0);
    expect(times[0]).toBeLessThanOrEqual(20); // at once (one feedback period at 50 Hz at most)
    const gaps = times.slice(1).map((t, k) => t - times[k]!);
    expect(gaps).toEqual([200, 200, 200, 200, 200]);
    store.set('/ch/1/meter/peak', -30, 'engine', { internal: true });
    expect(u.flush(20)).toEqual(['D0 04']);
    store.set('/ch/1/meter/peak', -Infinity, 'engine', { internal: true });
    expect(u.flush(20)).toEqual(['D0 00']);
    expect(u.flush(1000)).toEqual([]); // a meter at the floor needs no refresh
  });
});

describe('Mackie Control: meters and strip cells as hosts drive them', () => {
  it('meters follow the MCU scale, 2 dB a step near 0 dB and 10 dB a step at the bottom', () => {
    const { store, u } = mcu();
    let shown = hex(0xd0, 0x10); // at rest since the connection
    const level = (db: number): string => {
      store.set('/ch/2/meter/peak', db, 'engine', { internal: true });
      // A level the meter already shows is not sent again (only refreshed later).
      shown = u.flush(20).filter((m) => m.startsWith('D0 1')).at(-1) ?? shown;
      return shown;
    };
    // Each level lights at its threshold: 0 below -60 dB, then -60 -50 -40 -30 -20 -14 -10 -8 -6 -4 -2 0.
    const steps: Array<[number, number]> = [[-60.5, 0], [-60, 1], [-50, 2], [-40.5, 2], [-40, 3], [-30, 4], [-20, 5], [-14, 6], [-10, 7], [-8.5, 7], [-8, 8], [-6, 9], [-4, 10], [-2, 11], [-0.5, 11], [0, 12]];
    for (const [db, l] of steps) expect([db, level(db)]).toEqual([db, hex(0xd0, 0x10 | l)]);
  });

  it('lights the overload segment above 0 dBFS, once, and clears it when the level is back', () => {
    const { clock, store, u } = mcu();
    store.set('/ch/1/meter/peak', 1.5, 'engine', { internal: true });
    expect(u.flush(20)).toEqual(['D0 0C', 'D0 0E']); // full scale, overload set
    clock.advance(1000); // the level is refreshed; the overload is not sent again
    expect(u.surface.takeHex()).toEqual(Array(5).fill('D0 0C'));
    store.set('/ch/1/meter/peak', 3, 'engine', { internal: true });
    expect(u.flush(20)).toEqual([]); // still full scale, still over
    store.set('/ch/1/meter/peak', -3, 'engine', { internal: true });
    expect(u.flush(20)).toEqual(['D0 0A', 'D0 0F']); // back under full scale: the overload cleared
    store.set('/ch/1/meter/peak', 0, 'engine', { internal: true }); // at full scale is not over it
    expect(u.flush(20)).toEqual(['D0 0C']);
    store.set('/ch/1/meter/peak', 0.1, 'engine', { internal: true });
    expect(u.flush(20)).toEqual(['D0 0E']);
    u.surface.midi(0x90, 0x2f, 0x7f); // bank right: strip 1 shows channel 9, silent; its overload is cleared
    const bank = u.flush(20);
    expect(bank).toContain('D0 00');
    expect(bank).toContain('D0 0F');
  });

  it('names take 6 characters and a space, abbreviated and transliterated, so neighbours never run together', () => {
    const { store, u } = mcu();
    store.set('/ch/1/name', 'LeadVocBacking', 'api');
    store.set('/ch/2/name', 'Backing Vox 2', 'api');
    store.set('/ch/3/name', 'Café', 'api');
    store.set('/ch/4/name', 'Вокал', 'api');
    store.set('/ch/5/name', 'Kick 1', 'api');
    store.set('/ch/6/name', '🎤 Vox', 'api');
    expect(u.flush()).toEqual([lcd(0, 'LdVcBc'), lcd(7, 'BckVx2'), lcd(14, 'Cafe'), lcd(21, 'Vokal'), lcd(28, 'Kick 1'), lcd(35, 'Vox')]);
    // The seventh byte of every cell is the space between strips.
    for (const m of [lcd(0, 'LdVcBc'), lcd(7, 'BckVx2')]) expect(m.split(' ').at(-2)).toBe('20');
  });

  it('the value line keeps the space too', () => {
    const { store, u } = mcu();
    store.set('/ch/1/eq/1/freq', 12345, 'api');
    u.surface.midi(0x90, 0x2c, 0x7f); // EQ: band 1 gain
    u.surface.midi(0x90, 0x2c, 0x7f); // again: band 1 frequency, shown on the lower line
    expect(u.flush()).toContain(lcd(56, '12.3k'));
    u.surface.midi(0xe0, 0x7f, 0x7f); // fader 1 to +10 dB: the level replaces the value for a second
    expect(u.flush()).toContain(lcd(56, '10.0'));
  });
});

describe('Mackie Control: extender', () => {
  it('the same file with deviceId 0x15 and stripOffset 8 drives strips 9-16, and banks with the main unit', () => {
    const clock = new Clock();
    const store = sessionStore('channels: 24\nbuses: 2\n');
    const main = unit(FILE, store, clock, { id: 'mcu' });
    const xt = unit(FILE, store, clock, { id: 'xt', options: { deviceId: 0x15, stripOffset: 8 } });
    main.flush();
    const first = xt.flush();
    expect(first).toContain(lcd(0, 'Ch 9', 0x15));
    expect(first).toContain(lcd(49, 'Ch 16', 0x15));
    expect(first.some((m) => m.startsWith('E8'))).toBe(false); // no master fader on an extender
    expect(first.some((m) => m.startsWith('B0 40') || m.startsWith('B0 4A'))).toBe(false); // nor 7-segment displays

    store.set('/ch/11/name', 'Gtr', 'api');
    expect(xt.flush()).toEqual([lcd(14, 'Gtr', 0x15)]);
    expect(main.flush()).toEqual([]);
    xt.surface.midi(0xe0, 0x7f, 0x7f);
    expect(store.get('/ch/9/fader')).toBe(10);
    expect(store.get('/ch/1/fader')).toBe(0);

    main.surface.midi(0x90, 0x2f, 0x7f); // bank right on the main unit moves both
    expect(main.flush()).toContain(lcd(0, 'Ch 9'));
    expect(xt.flush()).toContain(lcd(0, 'Ch 17', 0x15));
    xt.surface.midi(0xe0, 0x00, 0x00);
    expect(store.get('/ch/17/fader')).toBe(-Infinity);
  });

  it('refuses an option the file does not declare, naming it', () => {
    const store = sessionStore();
    expect(() => unit(FILE, store, new Clock(), { options: { deviceID: 0x15 } })).toThrow(/deviceID.*did you mean 'deviceId'/);
  });
});
