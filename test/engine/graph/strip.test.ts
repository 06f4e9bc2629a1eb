import { afterEach, describe, expect, it, vi } from 'vitest';
import { Strip } from '../../../src/engine/graph/strip.ts';
import { HighPass } from '../../../src/engine/dsp/biquad.ts';
import { Compressor } from '../../../src/engine/dsp/compressor.ts';

const SR = 48000;
const B = 128;

function strip(params: Record<string, number>): Strip {
  const s = new Strip(SR, B, 1);
  const setters = new Map<string, (v: number) => void>();
  s.bindParams((a, f) => setters.set(a, f), '/ch/1');
  for (const [a, v] of Object.entries(params)) setters.get(`/ch/1/${a}`)!(v);
  s.snap = false;
  return s;
}

function block(s: Strip, amp: number, n: number): void {
  for (let i = 0; i < B; i++) s.bufs[0]![i] = amp * Math.sin((2 * Math.PI * 100 * (n * B + i)) / SR);
  s.processPre(B);
  s.processPost(B);
  s.finishBlock(new Float64Array(4), 0, 1, 2);
}

afterEach(() => vi.restoreAllMocks());

describe('strip: flushing decayed states in silence (no subnormal slowdown)', () => {
  it('clears filter states once the input is silent and the ringing is below -400 dBFS, never while playing', () => {
    const resets = vi.spyOn(HighPass.prototype, 'reset');
    const s = strip({ 'hpf/on': 1, 'hpf/freq': 80, 'eq/1/gain': 6 });
    resets.mockClear();
    for (let n = 0; n < 200; n++) block(s, 0.5, n);
    expect(resets).not.toHaveBeenCalled();
    block(s, 0, 200);
    // Right after the signal stops the filters still ring: nothing is cut off.
    expect(resets).not.toHaveBeenCalled();
    for (let n = 201; n < 201 + 375 * 2; n++) block(s, 0, n);
    expect(resets).toHaveBeenCalled();
    expect(s.bufs[0]!.every((v) => v === 0)).toBe(true);
  });

  it('flushes a compressor envelope once it no longer reduces gain', () => {
    const resets = vi.spyOn(Compressor.prototype, 'reset');
    const s = strip({ 'comp/on': 1, 'comp/threshold': -30, 'comp/release': 50 });
    resets.mockClear();
    for (let n = 0; n < 100; n++) block(s, 0.5, n);
    expect(resets).not.toHaveBeenCalled();
    for (let n = 100; n < 100 + 375 * 3; n++) block(s, 0, n);
    expect(resets).toHaveBeenCalled();
  });
});
