import { describe, expect, it } from 'vitest';
import { Strip } from '../../../src/engine/graph/strip.ts';

const SR = 48000;
const B = 128;
/** Smallest positive normal float32: anything nonzero below it is subnormal. */
const F32_MIN_NORMAL = 1.1754943508222875e-38;

function strip(params: Record<string, number>): Strip {
  const s = new Strip(SR, B, 1);
  const setters = new Map<string, (v: number) => void>();
  s.bindParams((a, f) => setters.set(a, f), '/ch/1');
  for (const [a, v] of Object.entries(params)) setters.get(`/ch/1/${a}`)!(v);
  s.snap = false;
  return s;
}

const meters = new Float64Array(4);

function block(s: Strip, amp: number, n: number): void {
  for (let i = 0; i < B; i++) s.bufs[0]![i] = amp * Math.sin((2 * Math.PI * 100 * (n * B + i)) / SR);
  s.processPre(B);
  s.processPost(B);
  s.finishBlock(meters, 0, 1, 2);
}

function subnormalIn(buf: Float32Array): boolean {
  return buf.some((v) => v !== 0 && Math.abs(v) < F32_MIN_NORMAL);
}

describe('strip in silence after music (the kernels flush their decayed states)', () => {
  it('HPF and EQ ring out, never through subnormal samples, then give exactly 0', () => {
    const s = strip({ 'hpf/on': 1, 'hpf/freq': 80, 'hpf/slope': 1, 'eq/1/gain': 6, 'eq/2/gain': -4 });
    for (let n = 0; n < 200; n++) block(s, 0.5, n);
    block(s, 0, 200);
    // Right after the signal stops the filters still ring: nothing is cut off.
    expect(s.bufs[0]!.some((v) => Math.abs(v) > 1e-6)).toBe(true);
    for (let n = 201; n < 201 + 375 * 4; n++) {
      block(s, 0, n);
      expect(subnormalIn(s.bufs[0]!) || subnormalIn(s.post[0]!), `block ${n}`).toBe(false);
    }
    expect(s.bufs[0]!.every((v) => v === 0)).toBe(true);
  });

  it('a compressor envelope decays to exactly no gain reduction', () => {
    const s = strip({ 'comp/on': 1, 'comp/threshold': -30, 'comp/release': 50 });
    for (let n = 0; n < 100; n++) block(s, 0.5, n);
    expect(meters[2]).toBeGreaterThan(5);
    for (let n = 100; n < 100 + 375 * 3; n++) block(s, 0, n);
    expect(meters[2]).toBe(0);
  });
});
