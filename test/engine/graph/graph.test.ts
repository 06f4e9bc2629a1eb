import { describe, expect, it } from 'vitest';
import { BLOCK, db, rig, rms, sine, SR } from './helpers.ts';

const TWO_CH = `
channels:
  - { name: A, input: 1 }
  - { name: B, input: 2 }
buses:
  - { name: Mon, stereo: false, output: 3 }
  - { name: Sub, master: true }
fx:
  - { name: Verb, type: reverb }
  - { name: Echo, type: delay }
master: { output: [1, 2] }
`;

describe('mixing graph: levels and pan', () => {
  it('pans a centred mono channel at -3.01 dB per side through the whole graph', () => {
    const r = rig(TWO_CH);
    const tone = sine(1000, 0.25);
    const [l, rr] = r.run(SR / 2, (k, n) => (k === 0 ? tone(n) : 0));
    const ref = 0.25 / Math.SQRT2;
    expect(db(rms(l!, SR / 4) / ref)).toBeCloseTo(-3.01, 1);
    expect(db(rms(rr!, SR / 4) / ref)).toBeCloseTo(-3.01, 1);
  });

  it('hard pan puts a mono channel on one side only', () => {
    const r = rig(TWO_CH, { '/ch/1/pan': -1 });
    const tone = sine(1000, 0.25);
    const [l, rr] = r.run(SR / 4, (k, n) => (k === 0 ? tone(n) : 0));
    expect(db(rms(l!, SR / 8) / (0.25 / Math.SQRT2))).toBeCloseTo(0, 1);
    expect(rms(rr!, SR / 8)).toBeLessThan(1e-6);
  });

  it('a fader at -6 dB lowers the master by 6 dB and the strip meter sees it', () => {
    const r = rig(TWO_CH, { '/ch/1/fader': -6 });
    const tone = sine(500, 0.5);
    const [l] = r.run(SR / 2, (k, n) => (k === 0 ? tone(n) : 0));
    expect(db(rms(l!, SR / 4) / (0.5 / Math.SQRT2))).toBeCloseTo(-9.01, 1);
    expect(r.meter('/ch/1/meter/peak')).toBeCloseTo(db(0.5) - 6, 0);
    expect(r.meter('/ch/2/meter/peak')).toBe(-Infinity);
    expect(r.meter('/master/meter/peak')).toBeCloseTo(db(0.5) - 9.03, 0);
  });

  it('a 70 dB fader jump inside one block steps no more than the 20 ms ramp allows', () => {
    const r = rig(TWO_CH, { '/ch/1/fader': -60 });
    const dc = 0.3;
    r.run(BLOCK * 4, (k) => (k === 0 ? dc : 0));
    r.set('/ch/1/fader', 10);
    const [l] = r.run(SR / 10, (k) => (k === 0 ? dc : 0));
    const from = dc * Math.SQRT1_2 * 10 ** (-60 / 20);
    const to = dc * Math.SQRT1_2 * 10 ** (10 / 20);
    const bound = (to - from) / ((20 * SR) / 1000);
    let maxStep = Math.abs(l![0]! - from);
    for (let i = 1; i < l!.length; i++) maxStep = Math.max(maxStep, Math.abs(l![i]! - l![i - 1]!));
    expect(maxStep).toBeLessThanOrEqual(bound * 1.001);
    expect(maxStep).toBeGreaterThan(bound * 0.9);
    expect(l![l!.length - 1]).toBeCloseTo(to, 5);
  });

  it('trim and polarity act on the input', () => {
    const r = rig(TWO_CH, { '/ch/1/trim': 6, '/ch/1/polarity': true, '/ch/1/pan': -1 });
    const [l] = r.run(BLOCK * 2 + r.latency, (k) => (k === 0 ? 0.1 : 0));
    expect(l![BLOCK + r.latency]).toBeCloseTo(-0.1 * 10 ** (6 / 20), 5);
  });

  it('starts from the session values without a ramp from the defaults', () => {
    const r = rig(TWO_CH, { '/ch/1/fader': -20, '/ch/1/pan': -1, '/ch/1/trim': 6, '/master/fader': -6 }, { bare: true });
    const [l] = r.run(BLOCK, (k) => (k === 0 ? 1 : 0));
    expect(l![0]).toBeCloseTo(10 ** (-20 / 20) * 10 ** (6 / 20) * 10 ** (-6 / 20), 6);
  });
});

describe('mixing graph: sends', () => {
  it('a post-fader send follows the fader; a pre-fader send does not', () => {
    const r = rig(TWO_CH, { '/ch/1/send/1/level': -6, '/ch/1/fader': -20 });
    const tone = sine(700, 0.5);
    const post = r.run(SR / 4, (k, n) => (k === 0 ? tone(n) : 0))[2]!;
    expect(db(rms(post, SR / 8) / (0.5 / Math.SQRT2))).toBeCloseTo(-26, 1);
    r.set('/ch/1/send/1/pre', true);
    const pre = r.run(SR / 4, (k, n) => (k === 0 ? tone(n) : 0))[2]!;
    expect(db(rms(pre, SR / 8) / (0.5 / Math.SQRT2))).toBeCloseTo(-6, 1);
    r.set('/ch/1/fader', -Infinity);
    const preOff = r.run(SR / 4, (k, n) => (k === 0 ? tone(n) : 0))[2]!;
    expect(db(rms(preOff, SR / 8) / (0.5 / Math.SQRT2))).toBeCloseTo(-6, 1);
    r.set('/ch/1/send/1/pre', false);
    const postOff = r.run(SR / 4, (k, n) => (k === 0 ? tone(n) : 0))[2]!;
    expect(rms(postOff, SR / 8)).toBeLessThan(1e-7);
  });

  it('a bus with master: true sums into the master; a monitor bus does not', () => {
    const r = rig(TWO_CH, { '/ch/1/fader': -Infinity, '/ch/1/send/1/level': 0, '/ch/1/send/1/pre': true, '/ch/1/send/2/level': 0, '/ch/1/send/2/pre': true, '/bus/2/fader': -6 });
    const tone = sine(700, 0.5);
    const [l, rr, mon] = r.run(SR / 4, (k, n) => (k === 0 ? tone(n) : 0));
    expect(db(rms(mon!, SR / 8) / (0.5 / Math.SQRT2))).toBeCloseTo(0, 1);
    // Mono source into a stereo bus at the pan-law centre (-3.01 dB), then the bus fader (-6 dB).
    expect(db(rms(l!, SR / 8) / (0.5 / Math.SQRT2))).toBeCloseTo(-9.01, 1);
    expect(db(rms(rr!, SR / 8) / (0.5 / Math.SQRT2))).toBeCloseTo(-9.01, 1);
  });

  it('a stereo channel sums into a mono bus at half level per side; a bus sends on to fx', () => {
    const yaml = TWO_CH.replace('  - { name: B, input: 2 }', '  - { name: B, input: [2, 3], stereo: true }');
    const r = rig(yaml, { '/ch/2/send/1/level': 0, '/ch/2/send/1/pre': true, '/ch/2/send/2/level': 0, '/bus/2/fxsend/2/level': 0, '/fx/2/time': 20, '/fx/2/feedback': 0, '/bus/2/fader': -Infinity }, { bare: true });
    const outs = r.run(SR / 10, (k) => (k === 1 ? 0.4 : k === 2 ? 0.2 : 0));
    expect(outs[2]![SR / 20]).toBeCloseTo(0.3, 5);
    // Bus 2 is faded out of the master, so all that reaches it is the echo of its post-fader fx send:
    // silence, since the send is post-fader; pre-fader brings the echo back.
    const before = outs[0]![SR / 20]!;
    r.set('/bus/2/fxsend/2/pre', true);
    const after = r.run(SR / 10, (k) => (k === 1 ? 0.4 : k === 2 ? 0.2 : 0))[0]!;
    expect(after[SR / 20]! - before).toBeGreaterThan(0.1);
  });

  it('fx sends reach the fx return, which sums into the master', () => {
    const r = rig(TWO_CH, { '/ch/1/fader': -Infinity, '/ch/1/fxsend/2/level': 0, '/ch/1/fxsend/2/pre': true, '/fx/2/time': 100, '/fx/2/feedback': 0 });
    const [l] = r.run(SR / 2, (k, n) => (k === 0 && n < 480 ? 0.5 : 0));
    const delay = (100 * SR) / 1000;
    expect(rms(l!, 0, delay - 10)).toBeLessThan(1e-6);
    expect(rms(l!, delay, delay + 480)).toBeGreaterThan(0.05);
  });
});

describe('mixing graph: mute and solo', () => {
  // Channel A hard left, B hard right: the master's L says whether A is heard, R whether B is.
  const rows: Array<[boolean, boolean, boolean, boolean]> = [];
  for (let bits = 0; bits < 16; bits++) rows.push([!!(bits & 1), !!(bits & 2), !!(bits & 4), !!(bits & 8)]);

  it.each(rows)('muteA=%s soloA=%s muteB=%s soloB=%s', (muteA, soloA, muteB, soloB) => {
    const r = rig(TWO_CH, { '/ch/1/pan': -1, '/ch/2/pan': 1, '/ch/1/mute': muteA, '/ch/1/solo': soloA, '/ch/2/mute': muteB, '/ch/2/solo': soloB });
    const [l, rr] = r.run(BLOCK * 4, (k) => (k === 0 ? 0.25 : 0.5));
    const anySolo = soloA || soloB;
    const heardA = !muteA && (!anySolo || soloA);
    const heardB = !muteB && (!anySolo || soloB);
    expect(l![BLOCK * 3]).toBeCloseTo(heardA ? 0.25 : 0, 6);
    expect(rr![BLOCK * 3]).toBeCloseTo(heardB ? 0.5 : 0, 6);
  });

  it('solo and mute changes ramp instead of clicking', () => {
    const r = rig(TWO_CH, { '/ch/1/pan': -1 });
    r.run(BLOCK + r.latency, (k) => (k === 0 ? 0.5 : 0));
    r.set('/ch/2/solo', true);
    const [l] = r.run(SR / 20, (k) => (k === 0 ? 0.5 : 0));
    let maxStep = Math.abs(0.5 - l![0]!);
    for (let i = 1; i < l!.length; i++) maxStep = Math.max(maxStep, Math.abs(l![i]! - l![i - 1]!));
    expect(maxStep).toBeLessThanOrEqual(0.5 / 960 + 1e-7);
    expect(l![l!.length - 1]).toBe(0);
  });

  it('a solo leaves sends alone and fx returns solo-safe', () => {
    const r = rig(TWO_CH, { '/ch/2/solo': true, '/ch/1/send/1/level': 0, '/ch/1/fxsend/2/level': 0, '/fx/2/time': 50, '/fx/2/feedback': 0 });
    const [l, , mon] = r.run(SR / 5, (k) => (k === 0 ? 0.5 : 0));
    expect(mon![SR / 10]).toBeCloseTo(0.5, 5);
    // Channel A is muted on the master by B's solo, but its echo comes back through the fx return.
    expect(rms(l!, SR / 10, SR / 5)).toBeGreaterThan(0.05);
  });

  it('a soloed master bus mutes the channels on the master but still carries them', () => {
    const r = rig(TWO_CH, { '/bus/2/solo': true, '/ch/1/send/2/level': 0, '/ch/1/pan': -1 });
    const [l, rr] = r.run(BLOCK * 8, (k) => (k === 0 ? 0.5 : 0));
    // Only the bus path (mono source into a stereo bus at -3.01 dB per side) remains.
    expect(l![BLOCK * 7]).toBeCloseTo(0.5 * Math.SQRT1_2, 5);
    expect(rr![BLOCK * 7]).toBeCloseTo(0.5 * Math.SQRT1_2, 5);
  });
});

describe('mixing graph: strip stages driven by params while running', () => {
  const amp = (x: Float32Array, f: number, from: number, to: number): number => {
    let re = 0;
    let im = 0;
    for (let i = from; i < to; i++) {
      re += x[i]! * Math.cos((2 * Math.PI * f * i) / SR);
      im += x[i]! * Math.sin((2 * Math.PI * f * i) / SR);
    }
    return (2 * Math.hypot(re, im)) / (to - from);
  };
  // Every test reads ch 1 hard left, so L carries it at unity.
  const tone = sine(1000, 0.1);
  const run = (r: ReturnType<typeof rig>): Float32Array => r.run(SR / 5, (k, n) => (k === 0 ? tone(n + 0) : 0))[0]!;

  it('an EQ gain change lands at the next block', () => {
    const r = rig(TWO_CH, { '/ch/1/pan': -1, '/ch/1/eq/2/freq': 1000 });
    expect(db(amp(run(r), 1000, 4800, 9600) / 0.1)).toBeCloseTo(0, 1);
    r.set('/ch/1/eq/2/gain', 12);
    expect(db(amp(run(r), 1000, 4800, 9600) / 0.1)).toBeCloseTo(12, 0);
    r.set('/ch/1/eq/on', false);
    expect(db(amp(run(r), 1000, 4800, 9600) / 0.1)).toBeCloseTo(0, 1);
  });

  it('HPF, gate and saturation switch in and out', () => {
    const r = rig(TWO_CH, { '/ch/1/pan': -1, '/ch/1/hpf/freq': 400, '/ch/1/gate/threshold': -10, '/ch/1/gate/range': 60 });
    r.set('/ch/1/hpf/on', true);
    r.set('/ch/1/hpf/slope', '24db');
    expect(db(amp(run(r), 1000, 4800, 9600) / 0.1)).toBeCloseTo(0, 0);
    const low = sine(100, 0.1);
    const lowOut = r.run(SR / 5, (k, n) => (k === 0 ? low(n) : 0))[0]!;
    expect(db(amp(lowOut, 100, 4800, 9600) / 0.1)).toBeLessThan(-40);
    r.set('/ch/1/hpf/on', false);
    r.set('/ch/1/gate/on', true);
    // A -20 dBFS tone under a -10 dB threshold: the gate holds it down by its range.
    expect(db(amp(run(r), 1000, 4800, 9600) / 0.1)).toBeLessThan(-50);
    expect(r.meter('/ch/1/meter/gr')).toBeGreaterThan(50);
    r.set('/ch/1/gate/on', false);
    r.set('/ch/1/sat/on', true);
    r.set('/ch/1/sat/drive', 24);
    const sat = run(r);
    expect(amp(sat, 3000, 4800, 9600)).toBeGreaterThan(1e-3);
  });
});
