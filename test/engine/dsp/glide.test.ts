import { describe, expect, it } from 'vitest';
import { BiquadBank, HighPass, type BiquadType } from '../../../src/engine/dsp/biquad.ts';
import { TiltEq } from '../../../src/engine/dsp/tilt.ts';
import { glideFrames } from '../../../src/engine/dsp/glide.ts';
import { noise, sine } from './helpers.ts';
import { clickDb } from './spectrum.ts';

/**
 * Filter changes on a running 1 kHz tone: whatever changed, nothing above 4 kHz may come within 80 dB
 * of the tone (Blackman-Harris window of 2048 samples centred on the change: short enough that a
 * switched filter's click shows, −40…−75 dB; the whole 20 ms glide lies inside it).
 */
const FS = 48000;
const BLOCK = 128;
/** The change lands on a block boundary. */
const AT = BLOCK * 187;
const LIMIT_DB = -80;

function tone(): Float32Array {
  return sine(1000, FS, FS, 0.5);
}

/** Runs `x` through `process` in blocks, calling `change` before the block starting at AT. */
function run(x: Float32Array, process: (b: Float32Array) => void, change: () => void, block = BLOCK, at = AT): Float32Array {
  for (let i = 0; i < x.length; i += block) {
    if (i === at) change();
    process(x.subarray(i, Math.min(x.length, i + block)));
  }
  return x;
}

interface Move {
  readonly name: string;
  readonly from: readonly [BiquadType, number, number, number];
  readonly to: readonly [BiquadType, number, number, number];
}

// [type, freq, Q, gain]: gain moves of 15 dB at the band centre for the shapes with a gain, moves of
// the corner or centre changing the level at 1 kHz by ≥ 15 dB for the others (the allpass: its phase).
const MOVES: readonly Move[] = [
  { name: 'peak 0 → −15 dB, Q 1', from: ['peak', 1000, 1, 0], to: ['peak', 1000, 1, -15] },
  { name: 'peak 0 → −15 dB, Q 0.3', from: ['peak', 1000, 0.3, 0], to: ['peak', 1000, 0.3, -15] },
  { name: 'peak 0 → −15 dB, Q 10', from: ['peak', 1000, 10, 0], to: ['peak', 1000, 10, -15] },
  { name: 'peak −15 → 0 dB', from: ['peak', 1000, 1, -15], to: ['peak', 1000, 1, 0] },
  { name: 'peak 0 → −3 dB', from: ['peak', 1000, 1, 0], to: ['peak', 1000, 1, -3] },
  { name: 'low shelf 0 → −15 dB', from: ['lowshelf', 1000, 0.7071, 0], to: ['lowshelf', 1000, 0.7071, -15] },
  { name: 'high shelf 0 → −15 dB', from: ['highshelf', 1000, 0.7071, 0], to: ['highshelf', 1000, 0.7071, -15] },
  { name: 'low-pass 20 kHz → 180 Hz', from: ['lowpass', 20000, 0.7071, 0], to: ['lowpass', 180, 0.7071, 0] },
  { name: 'high-pass 20 Hz → 5.6 kHz', from: ['highpass', 20, 0.7071, 0], to: ['highpass', 5600, 0.7071, 0] },
  { name: 'band-pass 1 kHz → 8 kHz', from: ['bandpass', 1000, 1, 0], to: ['bandpass', 8000, 1, 0] },
  { name: 'notch 5 kHz → 1 kHz', from: ['notch', 5000, 1, 0], to: ['notch', 1000, 1, 0] },
  { name: 'allpass 100 Hz → 1 kHz', from: ['allpass', 100, 1, 0], to: ['allpass', 1000, 1, 0] },
  { name: 'peak −15 dB → notch (type change)', from: ['peak', 1000, 1, -15], to: ['notch', 1000, 1, 0] },
];

describe('coefficient glides: no click on a filter change', () => {
  for (const m of MOVES) {
    it(`${m.name}: nothing above 4 kHz within 80 dB of the tone`, () => {
      const bank = new BiquadBank(FS, 1);
      bank.configure(...m.from);
      const y = run(tone(), (b) => bank.process([b], 1, b.length), () => bank.configure(...m.to, true));
      expect(clickDb(y, AT, FS, 1000, 4000, 2048)).toBeLessThan(LIMIT_DB);
    });
  }

  it('the same change switched at the block boundary does click (what the measurement catches)', () => {
    const bank = new BiquadBank(FS, 1);
    bank.configure('peak', 1000, 1, 0);
    const y = run(tone(), (b) => bank.process([b], 1, b.length), () => bank.configure('peak', 1000, 1, -15));
    expect(clickDb(y, AT, FS, 1000, 4000, 2048)).toBeGreaterThan(-70);
  });

  it('an encoder turned fast (a new target every block, mid-glide) stays clean', () => {
    const bank = new BiquadBank(FS, 1);
    bank.configure('peak', 1000, 1, 0);
    const x = tone();
    for (let i = 0, k = 0; i < x.length; i += BLOCK, k++) {
      if (i >= AT && i < AT + 30 * BLOCK) bank.configure('peak', 1000, 1, -0.5 * (k - AT / BLOCK + 1), true);
      bank.process([x.subarray(i, i + BLOCK)], 1, BLOCK);
    }
    expect(clickDb(x, AT + 15 * BLOCK, FS, 1000, 4000, 2048)).toBeLessThan(LIMIT_DB);
  });

  it('reaches the target response once the glide is over', () => {
    const bank = new BiquadBank(FS, 1);
    bank.configure('peak', 1000, 1, 0);
    const y = run(tone(), (b) => bank.process([b], 1, b.length), () => bank.configure('peak', 1000, 1, -15, true));
    const from = AT + glideFrames(FS) + 4800;
    let p = 0;
    for (let i = from; i < y.length; i++) p = Math.max(p, Math.abs(y[i]!));
    expect(20 * Math.log10(p / 0.5)).toBeCloseTo(-15, 2);
  });

  it('a band gliding to a wire becomes idle and then passes the signal unchanged', () => {
    const bank = new BiquadBank(FS, 2);
    bank.configure('peak', 1000, 1, 6);
    bank.bypass(true);
    expect(bank.idle).toBe(false);
    const l = noise(glideFrames(FS), 0.5, 1), r = noise(glideFrames(FS), 0.5, 2);
    bank.process([l, r], 2, l.length);
    expect(bank.idle).toBe(true);
  });

  for (const [name, from, to] of [
    ['HPF corner 20 Hz → 1.4 kHz (24 dB/oct)', () => (h: HighPass) => h.configure(20, 24), (h: HighPass) => h.configure(1400, 24, true)],
    ['HPF slope 12 → 24 dB/oct at 1 kHz', () => (h: HighPass) => h.configure(1000, 12), (h: HighPass) => h.configure(1000, 24, true)],
    ['HPF switched on at 1.4 kHz', () => (h: HighPass) => h.bypass(), (h: HighPass) => h.configure(1400, 24, true)],
    ['HPF switched off at 1.4 kHz', () => (h: HighPass) => h.configure(1400, 24), (h: HighPass) => h.bypass(true)],
  ] as const) {
    it(`${name}: nothing above 4 kHz within 80 dB of the tone`, () => {
      const hp = new HighPass(FS, 1);
      from()(hp);
      const y = run(tone(), (b) => hp.process([b], 1, b.length), () => to(hp));
      expect(clickDb(y, AT, FS, 1000, 4000, 2048)).toBeLessThan(LIMIT_DB);
    });
  }

  for (const [a, b] of [[0, 6], [0, -15], [6, -6], [24, 0]] as const) {
    it(`tilt ${a} → ${b} dB: nothing above 4 kHz within 80 dB of the tone`, () => {
      const t = new TiltEq(FS, 1);
      t.configure(a);
      const y = run(tone(), (buf) => t.process([buf], buf.length), () => t.configure(b, true));
      expect(clickDb(y, AT, FS, 1000, 4000, 2048)).toBeLessThan(LIMIT_DB);
    });
  }

  it('a glide gives the same samples whatever the block size (64, 128, 1000, 2000)', () => {
    const outs = [64, 128, 1000, 2000].map((block) => {
      const bank = new BiquadBank(FS, 1), other = new BiquadBank(FS, 1), hp = new HighPass(FS, 1), t = new TiltEq(FS, 1);
      bank.configure('peak', 1000, 1, 0);
      other.configure('lowshelf', 200, 0.7, 3);
      hp.configure(40, 12);
      t.configure(0);
      const change = (): void => {
        bank.configure('peak', 1000, 1, -15, true);
        other.bypass(true);
        hp.configure(400, 24, true);
        t.configure(6, true);
      };
      // The change lands at sample 64000: a boundary for every block size here.
      return run(noise(FS * 2, 0.5, 9), (b) => {
        bank.processWith(other, [b], 1, b.length);
        hp.process([b], 1, b.length);
        t.process([b], b.length);
      }, change, block, 64000);
    });
    for (const o of outs.slice(1)) {
      const first = o.findIndex((v, i) => v !== outs[0]![i]);
      expect(first).toBe(-1);
    }
  });
});
