import { describe, expect, it } from 'vitest';
import { faderLaw } from '../../src/params/taper.ts';
import { Clock, sessionStore, unit } from './helpers.ts';

function nano() {
  const clock = new Clock();
  const store = sessionStore();
  const u = unit('korg-nanokontrol2.yaml', store, clock);
  u.flush();
  return { store, u };
}

describe('Korg nanoKONTROL2 (CC mode)', () => {
  it('fader pickup: a fader away from the param changes nothing until it reaches it, then follows', () => {
    const { store, u } = nano();
    // Channel 1 sits at 0 dB (3/4 of the travel); the physical fader 1 is near the bottom.
    u.surface.midi(0xb0, 0x00, 10);
    u.surface.midi(0xb0, 0x00, 60);
    expect(store.get('/ch/1/fader')).toBe(0);
    u.surface.midi(0xb0, 0x00, 94); // 94/127 = 0.740, within 0.03 of 0.75: caught
    expect(store.get('/ch/1/fader')).toBeCloseTo(faderLaw.fromNormalized(94 / 127), 9);
    u.surface.midi(0xb0, 0x00, 40);
    expect(store.get('/ch/1/fader')).toBeCloseTo(faderLaw.fromNormalized(40 / 127), 9);
    expect(u.flush()).toEqual([]); // no motors: nothing is sent back for a fader

    // Changed elsewhere: the fader must catch the new value again, here by crossing it.
    store.set('/ch/1/fader', -10, 'api'); // 0.5 of the travel
    u.surface.midi(0xb0, 0x00, 50);
    expect(store.get('/ch/1/fader')).toBe(-10);
    u.surface.midi(0xb0, 0x00, 70); // 50 → 70 crosses 63.5
    expect(store.get('/ch/1/fader')).toBeCloseTo(faderLaw.fromNormalized(70 / 127), 9);
  });

  it('a fader swept across a value changed elsewhere picks up in that one message', () => {
    const { store, u } = nano();
    u.surface.midi(0xb0, 0x00, 95); // caught near 0 dB (3/4 of the travel)
    u.surface.midi(0xb0, 0x00, 30);
    store.set('/ch/1/fader', -10, 'api'); // half the travel: 63.5
    u.surface.midi(0xb0, 0x00, 100); // 30 → 100 in one message: it crossed 63.5
    expect(store.get('/ch/1/fader')).toBeCloseTo(faderLaw.fromNormalized(100 / 127), 9);
  });

  it('after the unit was unplugged, a fader must reach the value again: where it was before says nothing', () => {
    const { store, u } = nano();
    u.surface.midi(0xb0, 0x00, 95);
    u.surface.midi(0xb0, 0x00, 30);
    u.surface.setConnected(false);
    store.set('/ch/1/fader', -10, 'api');
    u.surface.setConnected(true);
    u.surface.midi(0xb0, 0x00, 100); // moved while unplugged: no crossing can be told from 30
    expect(store.get('/ch/1/fader')).toBe(-10);
    u.surface.midi(0xb0, 0x00, 64); // within 3 % of 63.5: caught
    expect(store.get('/ch/1/fader')).toBeCloseTo(faderLaw.fromNormalized(64 / 127), 9);
  });

  it('knob pickup after a bank change: the knob must meet the new channel first', () => {
    const { store, u } = nano();
    u.surface.midi(0xb0, 0x10, 63); // knob 1 near the centre: caught (pan 0 = 0.5)
    u.surface.midi(0xb0, 0x10, 127);
    expect(store.get('/ch/1/pan')).toBe(1);
    u.surface.midi(0xb0, 0x3b, 0x7f); // track ▶: channels 9-16
    u.surface.midi(0xb0, 0x3b, 0x00);
    u.surface.midi(0xb0, 0x10, 120); // channel 9 pan is 0: the knob at the right does nothing
    expect(store.get('/ch/9/pan')).toBe(0);
    expect(store.get('/ch/1/pan')).toBe(1);
    u.surface.midi(0xb0, 0x10, 65);
    expect(store.get('/ch/9/pan')).toBeCloseTo(65 / 127 * 2 - 1, 9);
  });

  it('S / M / R toggle on press and light their LEDs (LED mode External); the bank moves them', () => {
    const { store, u } = nano();
    u.surface.midi(0xb0, 0x32, 0x7f); // M3 press
    u.surface.midi(0xb0, 0x32, 0x00); // release: nothing
    expect(store.get('/ch/3/mute')).toBe(true);
    expect(u.flush()).toEqual(['B0 32 7F']);
    u.surface.midi(0xb0, 0x22, 0x7f); // S3: its LED and the cycle (solo clear) LED
    expect(store.get('/ch/3/solo')).toBe(true);
    expect(u.flush()).toEqual(['B0 22 7F', 'B0 2E 7F']);
    u.surface.midi(0xb0, 0x42, 0x7f); // R3: compressor in
    expect(store.get('/ch/3/comp/on')).toBe(true);
    expect(u.flush()).toEqual(['B0 42 7F']);
    u.surface.midi(0xb0, 0x2e, 0x7f); // cycle: clear solos
    expect(store.get('/ch/3/solo')).toBe(false);
    expect(u.flush()).toEqual(['B0 22 00', 'B0 2E 00']);
    store.set('/ch/11/mute', true, 'api');
    u.surface.midi(0xb0, 0x3b, 0x7f); // track ▶: channel 11 on strip 3
    const after = u.flush();
    expect(after).toContain('B0 32 7F');
    expect(after).toContain('B0 42 00');
    u.surface.midi(0xb0, 0x2a, 0x7f); // stop: master mute
    expect(store.get('/master/mute')).toBe(true);
  });
});
