import { describe, expect, it } from 'vitest';
import { editDistance, editDistanceWithin, suggest, suggestSteps } from '../../src/util/source-error.ts';

/** The plain quadratic distance, as the reference. */
function plain(a: string, b: string): number {
  const dp = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = dp[0]!;
    dp[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = dp[j]!;
      dp[j] = Math.min(dp[j]! + 1, dp[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return dp[b.length]!;
}

describe('bounded "did you mean"', () => {
  it('computes the same distances within the bound, and max + 1 beyond it', () => {
    const words = ['', 'a', 'fader', 'fdaer', '/ch/1/fader', '/ch/1/fdr', '/bus/12/mute', 'threshold', 'thresh', 'xyz'];
    for (const a of words) {
      for (const b of words) {
        const d = plain(a, b);
        expect(editDistance(a, b), `${a}/${b}`).toBe(d);
        for (const max of [0, 1, 2, 3, 5]) expect(editDistanceWithin(a, b, max), `${a}/${b}/${max}`).toBe(Math.min(d, max + 1));
      }
    }
  });

  it('still suggests the close candidate', () => {
    const addrs = ['/ch/1/fader', '/ch/1/mute', '/bus/1/fader', '/master/fader'];
    expect(suggest('/ch/1/fadr', addrs)).toBe('/ch/1/fader');
    expect(suggest('/mastr/fader', addrs)).toBe('/master/fader');
    expect(suggest('/nothing/like/it/at/all', addrs)).toBeUndefined();
  });

  it('costs a bounded number of cells for a 64 KB word against 700 candidates', () => {
    const candidates = Array.from({ length: 700 }, (_, k) => `/ch/${k}/eq/${k % 4}/gain`);
    for (const word of ['/' + 'x'.repeat(65_000), '/ch/1/' + 'e'.repeat(120), '/ch/1/eq/1/gaim']) {
      const before = suggestSteps();
      suggest(word, candidates);
      // Unbounded, the 64 KB word alone costs 700 x 65,000 x 15 cells (~680 million).
      expect(suggestSteps() - before, word.slice(0, 20)).toBeLessThan(700 * 130 * 90);
    }
  });
});
