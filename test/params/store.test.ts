import { describe, expect, it } from 'vitest';
import type { ParamChange } from '../../src/params/store.ts';
import { ParamRangeError, ParamTypeError, ReadOnlyParamError, UnknownParamError } from '../../src/params/errors.ts';
import { makeStore } from '../helpers/store.ts';

describe('param store', () => {
  it('gets defaults and sets values with their origin', () => {
    const { store } = makeStore();
    const seen: ParamChange[][] = [];
    store.changes$.subscribe((b) => seen.push([...b]));
    expect(store.get('/ch/1/fader')).toBe(0);
    const ch = store.set('/ch/1/fader', -6, 'surface:a');
    expect(ch).toMatchObject({ address: '/ch/1/fader', value: -6, previous: 0, origin: 'surface:a', clamped: false });
    expect(store.get('/ch/1/fader')).toBe(-6);
    expect(seen).toHaveLength(1);
    expect(store.set('/ch/1/fader', -6, 'api')).toBeUndefined();
    expect(seen).toHaveLength(1);
  });

  it('converts to and from the normalized form through the taper', () => {
    const { store } = makeStore();
    store.setNormalized('/ch/1/fader', 0.5, 'api');
    expect(store.get('/ch/1/fader')).toBe(-10);
    expect(store.getNormalized('/ch/1/fader')).toBe(0.5);
    store.setNormalized('/ch/1/pan', 0, 'api');
    expect(store.get('/ch/1/pan')).toBe(-1);
    store.setNormalized('/ch/1/mute', 1, 'api');
    expect(store.get('/ch/1/mute')).toBe(true);
    store.setNormalized('/ch/1/eq/1/type', 1, 'api');
    expect(store.get('/ch/1/eq/1/type')).toBe('notch');
  });

  it('refuses unknown addresses with a suggestion', () => {
    const { store } = makeStore();
    expect(() => store.set('/ch/1/fadr', 0, 'api')).toThrow(UnknownParamError);
    expect(() => store.set('/ch/1/fadr', 0, 'api')).toThrow('unknown param address /ch/1/fadr (did you mean /ch/1/fader?)');
    expect(() => store.set('/ch/99/fader', 0, 'api')).toThrow(/unknown param address \/ch\/99\/fader/);
  });

  it('refuses wrong types and NaN without changing anything', () => {
    const { store } = makeStore();
    expect(() => store.set('/ch/1/fader', 'loud', 'api')).toThrow(ParamTypeError);
    expect(() => store.set('/ch/1/fader', NaN, 'api')).toThrow('/ch/1/fader takes a number in dB, got number NaN');
    expect(() => store.set('/ch/1/mute', 'maybe', 'api')).toThrow(/takes a boolean/);
    expect(() => store.set('/ch/1/eq/1/type', 'bell', 'api')).toThrow(/takes one of lowshelf, peak/);
    expect(() => store.set('/ch/1/name', 42, 'api')).toThrow(/takes text/);
    expect(() => store.setNormalized('/ch/1/fader', NaN, 'api')).toThrow(/normalized value must be a number/);
    expect(store.get('/ch/1/fader')).toBe(0);
  });

  it('clamps out-of-range numbers by default and refuses them in strict mode', () => {
    const { store } = makeStore();
    expect(store.set('/ch/1/fader', 40, 'api')).toMatchObject({ value: 10, clamped: true });
    expect(store.set('/ch/1/pan', -3, 'api')).toMatchObject({ value: -1, clamped: true });
    expect(() => store.set('/ch/1/pan', 2, 'api', { strict: true })).toThrow(ParamRangeError);
    expect(() => store.set('/ch/1/pan', 2, 'api', { strict: true })).toThrow('/ch/1/pan must be within -1..1 pan, got 2');
    expect(store.set('/ch/1/fader', '-inf', 'api')).toMatchObject({ value: -Infinity });
    expect(() => store.set('/ch/1/trim', -Infinity, 'api')).toThrow(/finite number/);
    expect(() => store.set('/ch/1/fader', Infinity, 'api')).toThrow(/finite number/);
    expect(() => store.set('/ch/1/fader', 'inf', 'api')).toThrow(/takes a number/);
    expect(() => store.setNormalized('/ch/1/fader', Infinity, 'api')).toThrow(/must be a number 0..1/);
    expect(store.get('/ch/1/fader')).toBe(-Infinity);
  });

  it('accepts booleans as 0/1, true/false, on/off', () => {
    const { store } = makeStore();
    for (const [raw, v] of [[1, true], [0, false], ['on', true], ['false', false], [true, true]] as const) {
      store.set('/ch/2/mute', raw, 'api');
      expect(store.get('/ch/2/mute')).toBe(v);
    }
  });

  it('protects read-only params except for internal writers', () => {
    const { store } = makeStore();
    expect(() => store.set('/ch/1/meter/peak', -3, 'surface:x')).toThrow(ReadOnlyParamError);
    store.set('/ch/1/meter/peak', -3, 'engine', { internal: true });
    expect(store.get('/ch/1/meter/peak')).toBe(-3);
  });

  it('applies a batch as one emission, all or nothing', () => {
    const { store } = makeStore();
    const seen: ParamChange[][] = [];
    store.changes$.subscribe((b) => seen.push([...b]));
    const out = store.batch([['/ch/1/fader', -3], ['/ch/2/fader', -4], ['/ch/1/fader', -5]], 'scene');
    expect(seen).toHaveLength(1);
    expect(out.map((c) => [c.address, c.value, c.previous])).toEqual([['/ch/1/fader', -5, 0], ['/ch/2/fader', -4, 0]]);
    expect(() => store.batch([['/ch/3/fader', -1], ['/ch/3/nope', 1]], 'scene')).toThrow(UnknownParamError);
    expect(store.get('/ch/3/fader')).toBe(0);
    expect(seen).toHaveLength(1);
  });

  it('observes one address from its current value, and patterns', () => {
    const { store } = makeStore();
    const vals: unknown[] = [];
    const sub = store.observe('/ch/4/fader').subscribe((v) => vals.push(v));
    store.set('/ch/4/fader', -1, 'api');
    store.set('/ch/5/fader', -1, 'api');
    sub.unsubscribe();
    store.set('/ch/4/fader', -2, 'api');
    expect(vals).toEqual([0, -1]);
    const mutes: string[] = [];
    store.changesOf('/ch/*/mute').subscribe((c) => mutes.push(c.address));
    store.batch([['/ch/1/mute', true], ['/ch/1/solo', true], ['/ch/7/mute', true]], 'api');
    expect(mutes).toEqual(['/ch/1/mute', '/ch/7/mute']);
    expect(store.read('/ch/[12]/mute')).toEqual([['/ch/1/mute', true], ['/ch/2/mute', false]]);
  });

  it('snapshots only the persistent mix', () => {
    const { store } = makeStore();
    const snap = store.snapshot();
    expect(snap['/ch/1/fader']).toBe(0);
    expect('/ch/1/meter/peak' in snap).toBe(false);
    expect('/scene/recall' in snap).toBe(false);
    expect('/status/late' in snap).toBe(false);
  });

  it('strips control characters from text and caps its length', () => {
    const { store } = makeStore();
    store.set('/ch/1/name', 'Kick\u0000\u0007 In', 'api');
    expect(store.get('/ch/1/name')).toBe('Kick In');
    expect(store.set('/ch/1/name', 'x'.repeat(100), 'api')).toMatchObject({ clamped: true });
    expect((store.get('/ch/1/name') as string).length).toBe(64);
  });
});
