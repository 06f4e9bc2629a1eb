import { describe, expect, it } from 'vitest';
import { Panner, balanceGains, panGains } from '../../../src/engine/dsp/pan.ts';
import { db, heapGrowth, rmsOf, sine } from './helpers.ts';

const FS = 48000;

function mono(p: number, frames = 4800): { l: Float32Array; r: Float32Array; x: Float32Array } {
  const pan = new Panner(FS);
  pan.setImmediatePan(p);
  const x = sine(1000, FS, frames);
  const l = new Float32Array(frames), r = new Float32Array(frames);
  pan.processMono(x, l, r, frames, false);
  return { l, r, x };
}

describe('panGains / balanceGains', () => {
  it('centre is -3.01 dB per side, hard sides are 0 dB and -inf, power is constant', () => {
    const c = panGains(0);
    expect(db(c.left)).toBeCloseTo(-3.0103, 4);
    expect(db(c.right)).toBeCloseTo(-3.0103, 4);
    expect(panGains(-1).left).toBeCloseTo(1, 12);
    expect(panGains(-1).right).toBeCloseTo(0, 12);
    expect(panGains(1).left).toBeCloseTo(0, 12);
    expect(panGains(1).right).toBeCloseTo(1, 12);
    for (const p of [-0.8, -0.3, 0.1, 0.55, 0.9]) {
      const g = panGains(p);
      expect(g.left * g.left + g.right * g.right).toBeCloseTo(1, 12);
    }
    // Web Audio: x = (p+1)/2, L = cos(xπ/2).
    expect(panGains(0.5).left).toBeCloseTo(Math.cos((0.75 * Math.PI) / 2), 12);
  });

  it('balance turns the far side down and never raises either side above unity', () => {
    expect(balanceGains(0)).toEqual({ ll: 1, rl: 0, lr: 0, rr: 1 });
    const left = balanceGains(-0.5); // x = 0.5
    expect(left.ll).toBe(1);
    expect(left.rr).toBeCloseTo(Math.sin(Math.PI / 4), 12);
    const right = balanceGains(1);
    expect(right.ll).toBeCloseTo(0, 12);
    expect(right.rr).toBe(1);
    for (let p = -1; p <= 1; p += 0.05) {
      const g = balanceGains(p);
      // Worst case is correlated material: |outL| ≤ (|ll| + |rl|)·peak.
      expect(Math.abs(g.ll) + Math.abs(g.rl), `L at ${p.toFixed(2)}`).toBeLessThanOrEqual(1);
      expect(Math.abs(g.rr) + Math.abs(g.lr), `R at ${p.toFixed(2)}`).toBeLessThanOrEqual(1);
    }
  });
});

describe('Panner', () => {
  it('mono: measured centre -3.01 dB per side, hard left / right', () => {
    const c = mono(0);
    expect(db(rmsOf(c.l) / rmsOf(c.x))).toBeCloseTo(-3.01, 2);
    expect(db(rmsOf(c.r) / rmsOf(c.x))).toBeCloseTo(-3.01, 2);
    const hl = mono(-1);
    expect(db(rmsOf(hl.l) / rmsOf(hl.x))).toBeCloseTo(0, 4);
    expect(rmsOf(hl.r)).toBeLessThan(1e-7);
    const hr = mono(1);
    expect(rmsOf(hr.l)).toBeLessThan(1e-7);
    expect(db(rmsOf(hr.r) / rmsOf(hr.x))).toBeCloseTo(0, 4);
  });

  it('stereo balance: centre passes both sides, hard left keeps left at unity and silences right', () => {
    const pan = new Panner(FS);
    const inL = sine(500, FS, 2400), inR = sine(700, FS, 2400, 0.5);
    const l = new Float32Array(2400), r = new Float32Array(2400);
    pan.setImmediatePan(0);
    pan.processStereo(inL, inR, l, r, 2400, false);
    expect(Array.from(l)).toEqual(Array.from(inL));
    expect(Array.from(r)).toEqual(Array.from(inR));
    pan.setImmediatePan(-1);
    pan.processStereo(inL, inR, l, r, 2400, false);
    expect(Array.from(l)).toEqual(Array.from(inL));
    expect(rmsOf(r)).toBeLessThan(1e-7);
    // Correlated material hard-panned: no side above the input's peak (the old fold gave +6 dB).
    const mono = sine(1000, FS, 2400, 0.9);
    for (const p of [-1, -0.5, 0.5, 1]) {
      pan.setImmediatePan(p);
      pan.processStereo(mono, mono, l, r, 2400, false);
      expect(Math.max(...l.map(Math.abs), ...r.map(Math.abs)), `pan ${p}`).toBeLessThanOrEqual(0.9 + 1e-6);
    }
    pan.setImmediatePan(0.5);
    pan.processStereo(inL, inR, l, r, 2400, false);
    const g = Math.cos(Math.PI / 4);
    for (let i = 0; i < 2400; i += 97) {
      expect(l[i]).toBeCloseTo(inL[i]! * g, 6);
      expect(r[i]).toBeCloseTo(inR[i]!, 6);
    }
  });

  it('adds into the outputs when asked, and a hard-left to hard-right move glides', () => {
    const pan = new Panner(FS);
    pan.setImmediatePan(-1);
    const x = new Float32Array(2048).fill(1);
    const l = new Float32Array(2048).fill(0.25), r = new Float32Array(2048).fill(0.25);
    pan.setPan(1);
    pan.processMono(x, l, r, 2048, true);
    let stepL = 0, stepR = 0;
    for (let i = 1; i < 2048; i++) {
      stepL = Math.max(stepL, Math.abs(l[i]! - l[i - 1]!));
      stepR = Math.max(stepR, Math.abs(r[i]! - r[i - 1]!));
    }
    expect(l[0]).toBeGreaterThan(1.2); // 0.25 + ~1
    expect(l[2047]).toBeCloseTo(0.25, 6);
    expect(r[2047]).toBeCloseTo(1.25, 6);
    expect(Math.max(stepL, stepR)).toBeLessThanOrEqual(1 / 960 + 1e-6);
  });

  it('processMono and processStereo do not allocate, steady or mid-glide', () => {
    const x = sine(100, FS, 128), l = new Float32Array(128), r = new Float32Array(128);
    const steady = new Panner(FS);
    steady.setImmediatePan(0.3);
    expect(heapGrowth(() => {
      steady.processMono(x, l, r, 128, true);
      steady.processStereo(x, x, l, r, 128, false);
    })).toBeLessThan(32 * 1024);
    // A glide far longer than the run keeps the ramp path busy in every measured block.
    const gliding = new Panner(FS, 1e6);
    gliding.setPan(0.8);
    expect(heapGrowth(() => {
      gliding.processMono(x, l, r, 128, true);
      gliding.processStereo(x, x, l, r, 128, false);
    })).toBeLessThan(32 * 1024);
  });
});
