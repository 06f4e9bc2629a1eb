import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fromNormalized } from '../../src/params/store.ts';
import { MAPPINGS, sessionStore } from './helpers.ts';

interface Widget {
  type: string;
  id: string;
  address?: string;
  target?: string;
  on?: number;
  off?: number;
  mode?: string;
  range?: { min: number; max: number };
  default?: number;
  interaction?: boolean;
  decimals?: number;
  widgets?: Widget[];
}

const session = JSON.parse(fs.readFileSync(path.join(MAPPINGS, 'open-stage-control', 'faderd-8ch.json'), 'utf8')) as { type: string; content: Widget };
const all = (w: Widget): Widget[] => [w, ...(w.widgets ?? []).flatMap(all)];
const widgets = all(session.content).filter((w) => w.address);

describe('Open Stage Control layout on the native OSC namespace', () => {
  const store = sessionStore('channels: 8\nbuses: 2\n');
  const bare = (a: string) => (a.startsWith('/norm/') ? a.slice(5) : a);

  it('has faders, mutes and meters for 8 channels and the master, pans for the channels, each on a real param', () => {
    expect(session.type).toBe('session');
    const of = (suffix: string) => widgets.filter((w) => w.address!.endsWith(suffix)).map((w) => bare(w.address!));
    const chans = [1, 2, 3, 4, 5, 6, 7, 8].map((n) => `/ch/${n}`);
    expect(of('/fader')).toEqual([...chans, '/master'].map((c) => `${c}/fader`));
    expect(of('/mute')).toEqual([...chans, '/master'].map((c) => `${c}/mute`));
    expect(of('/meter/peak')).toEqual([...chans, '/master'].map((c) => `${c}/meter/peak`));
    expect(of('/pan')).toEqual(chans.map((c) => `${c}/pan`));
    for (const w of widgets) {
      expect(store.registry.get(bare(w.address!)), w.address).toBeDefined();
      expect(w.target ?? '127.0.0.1:9000').toBe('127.0.0.1:9000');
    }
  });

  it('speaks the normalized form where the widget sends 0..1, and units where it shows them', () => {
    for (const w of widgets) {
      const def = store.registry.get(bare(w.address!))!;
      if (def.readOnly) {
        expect(w.address!.startsWith('/norm/'), w.address).toBe(false); // meters in dB
        if (w.type === 'fader') expect(w.interaction).toBe(false);
        continue;
      }
      if (w.type === 'fader' || w.type === 'knob') {
        expect(w.address!.startsWith('/norm/')).toBe(true);
        expect(w.range).toEqual({ min: 0, max: 1 });
      }
    }
    // Open Stage Control sends 2 decimals unless told: a 1 % step of fader travel is ~0.4 dB at 0 dB.
    for (const w of widgets.filter((x) => (x.type === 'fader' || x.type === 'knob') && x.interaction !== false)) expect(w.decimals, w.id).toBe(4);
    const fader = widgets.find((w) => w.id === 'ch1_fader')!;
    expect(fromNormalized(store.registry.get('/ch/1/fader')!, fader.default!)).toBe(0); // resting at 0 dB
    const pan = widgets.find((w) => w.id === 'ch1_pan')!;
    expect(fromNormalized(store.registry.get('/ch/1/pan')!, pan.default!)).toBe(0);
    const mute = widgets.find((w) => w.id === 'ch1_mute')!;
    expect([mute.type, mute.mode, mute.on, mute.off]).toEqual(['button', 'toggle', 1, 0]);
  });

  it('its custom module subscribes to the mix and the meters and renews within the 10 s a subscription lasts', () => {
    const sent: unknown[][] = [];
    let every = 0;
    let tick: (() => void) | undefined;
    // Run the module as Open Stage Control does: its globals are send() and the timer functions.
    const module = { exports: {} as { init?: () => void } };
    const code = fs.readFileSync(path.join(MAPPINGS, 'open-stage-control', 'faderd-subscribe.js'), 'utf8');
    new Function('module', 'send', 'setInterval', code)(
      module,
      (...args: unknown[]) => sent.push(args),
      (fn: () => void, ms: number) => {
        tick = fn;
        every = ms;
      },
    );
    module.exports.init!();
    // A fresh subscription, so faderd sends the present mix (test/servers/osc-layout.test.ts runs it for real).
    expect(sent[0]).toEqual(['127.0.0.1', 9000, '/unsubscribe']);
    expect(sent[1]!.slice(0, 3)).toEqual(['127.0.0.1', 9000, '/subscribe']);
    for (const p of sent[1]!.slice(3) as string[]) expect(store.registry.match(p.replace(/^\/norm/, '')).length).toBeGreaterThan(0);
    expect(every).toBeLessThan(10_000);
    tick!();
    expect(sent).toHaveLength(3);
    expect(sent[2]).toEqual(sent[1]);
  });
});
