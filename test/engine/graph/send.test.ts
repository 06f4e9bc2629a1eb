import { describe, expect, it } from 'vitest';
import { Send, SendInput } from '../../../src/engine/graph/send.ts';
import { Strip } from '../../../src/engine/graph/strip.ts';
import { noise } from '../dsp/helpers.ts';

const SR = 48000;
const B = 128;

interface Setup {
  readonly sends: Send[];
  readonly inputs: SendInput[];
  readonly set: Map<string, (v: number) => void>;
}

/**
 * One strip (mono or stereo) with sends to: a stereo bus, a mono bus, two stereo fx inputs, another
 * mono bus, in that order; `levels[k]` in dB (-Infinity: closed), `pre[k]` taps before the fader.
 */
function setup(nch: 1 | 2, levels: number[], pre: boolean[]): Setup {
  const strip = new Strip(SR, B, nch);
  strip.snap = false;
  for (let c = 0; c < nch; c++) {
    strip.bufs[c]!.set(noise(B, 0.5, 10 + c));
    strip.post[c]!.set(noise(B, 0.5, 20 + c));
  }
  const widths = [2, 1, 2, 2, 1];
  const inputs = widths.map((w) => new SendInput(Array.from({ length: w }, () => new Float32Array(B)), B));
  const set = new Map<string, (v: number) => void>();
  const sends = inputs.map((into, k) => {
    const s = new Send(SR, strip, into);
    s.bindParams((a, f) => set.set(a, (v: number) => f(Float64Array.of(v))), `/s/${k}`);
    return s;
  });
  levels.forEach((db, k) => set.get(`/s/${k}/level`)!(db));
  pre.forEach((p, k) => set.get(`/s/${k}/pre`)!(p ? 1 : 0));
  return { sends, inputs, set };
}

const sums = (inputs: SendInput[]): Float32Array[] => inputs.flatMap((i) => [...i.sides, i.mono]);

describe('Send.processAll', () => {
  const cases: Array<[string, 1 | 2, number[], boolean[]]> = [
    ['all open, post', 1, [-10, -6, -15, -3, -20], [false, false, false, false, false]],
    ['pre and post mixed', 1, [-10, -6, -15, -3, -20], [false, true, false, true, true]],
    ['some closed', 1, [-Infinity, -6, -15, -Infinity, -20], [false, false, true, false, false]],
    ['stereo source', 2, [-10, -6, -15, -3, -20], [false, true, false, true, false]],
  ];
  for (const [what, nch, levels, pre] of cases) {
    it(`${what}: the same sums as every send on its own, steady and while levels ramp`, () => {
      const a = setup(nch, levels, pre);
      const b = setup(nch, levels, pre);
      for (let block = 0; block < 4; block++) {
        if (block === 2) {
          // A level change mid-stream: that send ramps while the others stay steady.
          a.set.get('/s/1/level')!(0);
          b.set.get('/s/1/level')!(0);
        }
        for (const x of [...a.inputs, ...b.inputs]) x.clear(B);
        Send.processAll(a.sends, B);
        for (const s of b.sends) s.process(B);
        const got = sums(a.inputs);
        const want = sums(b.inputs);
        got.forEach((g, k) => expect(g, `block ${block}, sum ${k}`).toEqual(want[k]));
        expect(got.some((g) => g.some((v) => v !== 0))).toBe(true);
      }
    });
  }
});
