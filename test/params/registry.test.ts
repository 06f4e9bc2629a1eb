import { describe, expect, it } from 'vitest';
import { ParamRegistry, toEngineValue } from '../../src/params/registry.ts';
import { compileAddressPattern } from '../../src/util/osc-pattern.ts';
import { defaultSession, parseSession } from '../../src/params/session.ts';

describe('param registry', () => {
  const reg = ParamRegistry.fromSession(defaultSession());

  it('gives every number param a finite maximum (the store clamps out-of-range numbers to it)', () => {
    const big = ParamRegistry.fromSession(parseSession('channels: 64\nbuses: 8\n', 'big.yaml'));
    for (const r of [reg, big]) for (const d of r.defs) if (d.type === 'number') expect(Number.isFinite(d.max), d.address).toBe(true);
  });

  it('defines every address family of the design for the default session', () => {
    const must = [
      '/ch/1/name', '/ch/8/trim', '/ch/1/polarity', '/ch/1/fader', '/ch/1/pan', '/ch/1/mute', '/ch/1/solo',
      '/ch/1/hpf/on', '/ch/1/hpf/freq', '/ch/1/hpf/slope',
      '/ch/1/gate/on', '/ch/1/gate/threshold', '/ch/1/gate/range', '/ch/1/gate/attack', '/ch/1/gate/hold', '/ch/1/gate/release',
      '/ch/1/eq/on', '/ch/1/eq/4/type', '/ch/1/eq/4/freq', '/ch/1/eq/4/gain', '/ch/1/eq/4/q',
      '/ch/1/comp/on', '/ch/1/comp/threshold', '/ch/1/comp/ratio', '/ch/1/comp/knee', '/ch/1/comp/attack', '/ch/1/comp/release', '/ch/1/comp/makeup',
      '/ch/1/send/2/level', '/ch/1/send/2/pre', '/ch/1/fxsend/2/level',
      '/bus/2/fader', '/bus/1/eq/1/gain', '/fx/1/decay', '/fx/2/time',
      '/master/fader', '/master/mute', '/master/eq/1/gain', '/master/comp/ratio', '/master/width', '/master/drive',
      '/master/limiter/on', '/master/limiter/ceiling', '/master/limiter/release', '/master/loudness/target', '/master/loudness/auto',
      '/scene/store', '/scene/recall',
      '/ch/1/meter/peak', '/ch/1/meter/rms', '/ch/1/meter/gr',
      '/master/meter/momentary', '/master/meter/shortterm', '/master/meter/integrated', '/master/meter/lra', '/master/meter/truepeak',
    ];
    for (const a of must) expect(reg.get(a), a).toBeDefined();
    expect(reg.get('/ch/9/fader')).toBeUndefined();
    expect(reg.get('/bus/3/fader')).toBeUndefined();
  });

  it('gives units, ranges, defaults and tapers', () => {
    const fader = reg.get('/ch/1/fader')!;
    expect(fader).toMatchObject({ unit: 'dB', min: -Infinity, max: 10, default: 0, type: 'number' });
    expect(fader.taper.kind).toBe('fader');
    expect(reg.get('/ch/1/pan')).toMatchObject({ unit: 'pan', min: -1, max: 1, default: 0 });
    expect(reg.get('/ch/1/hpf/freq')!.taper.kind).toBe('log');
    expect(reg.get('/ch/1/eq/2/type')).toMatchObject({ type: 'enum', values: ['lowshelf', 'peak', 'highshelf', 'lowpass', 'highpass', 'notch'], default: 'peak' });
    expect(reg.get('/ch/1/hpf/slope')!.values).toEqual(['12db', '24db']);
    expect(reg.get('/ch/3/name')).toMatchObject({ type: 'text', default: 'Bass' });
    expect(reg.get('/ch/1/meter/peak')).toMatchObject({ readOnly: true, volatile: true });
  });

  it('indexes densely and stably', () => {
    reg.defs.forEach((d, i) => expect(d.index).toBe(i));
    const again = ParamRegistry.fromSession(defaultSession());
    expect(again.defs.map((d) => d.address)).toEqual(reg.defs.map((d) => d.address));
  });

  it('matches OSC address patterns', () => {
    expect(reg.match('/ch/*/mute')).toHaveLength(8);
    expect(reg.match('/ch/[1-3]/mute').map((d) => d.address)).toEqual(['/ch/1/mute', '/ch/2/mute', '/ch/3/mute']);
    expect(reg.match('/ch/[!1-7]/mute').map((d) => d.address)).toEqual(['/ch/8/mute']);
    expect(reg.match('/{ch,bus}/1/fader')).toHaveLength(2);
    expect(reg.match('/ch/?/pan')).toHaveLength(8);
    expect(compileAddressPattern('/ch/*').test('/ch/1/fader')).toBe(false);
    expect(() => compileAddressPattern('/ch/[1')).toThrow(/unclosed/);
  });

  it('converts values for the engine', () => {
    expect(toEngineValue(reg.get('/ch/1/mute')!, true)).toBe(1);
    expect(toEngineValue(reg.get('/ch/1/eq/1/type')!, 'highshelf')).toBe(2);
    expect(toEngineValue(reg.get('/ch/1/fader')!, -6)).toBe(-6);
  });

  it('follows the session: channel count, buses, fx, surfaces, safety ceiling', () => {
    const s = parseSession('channels: 16\nbuses: 4\nfx: [{type: delay}]\nsafety: { maxGainDb: 0 }\n', 's.yaml');
    const r = ParamRegistry.fromSession(s, { surfaceIds: ['xtouch'] });
    expect(r.get('/ch/16/fader')).toBeDefined();
    expect(r.get('/ch/1/send/4/level')).toBeDefined();
    expect(r.get('/fx/1/time')).toBeDefined();
    expect(r.get('/fx/1/decay')).toBeUndefined();
    expect(r.get('/surface/xtouch/connected')).toMatchObject({ type: 'bool', readOnly: true });
    expect(r.get('/master/fader')!.max).toBe(0);
    expect(r.get('/bus/1/fader')!.max).toBe(0);
    expect(r.get('/ch/1/fader')!.max).toBe(10);
  });
});
