import { describe, expect, it } from 'vitest';
import { editDistance, editDistanceWithin, suggest, suggestSteps } from '../../src/util/source-error.ts';

/** The plain quadratic distance, as the reference. */
/** Reference: optimal string alignment distance (a swap of two neighbouring letters is one edit), over the whole table. */
function plain(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}

describe('bounded "did you mean"', () => {
  it('computes the same distances within the bound, and max + 1 beyond it', () => {
    const words = ['', 'a', 'fader', 'fdaer', '/ch/1/fader', '/ch/1/fdr', '/bus/12/mute', 'threshold', 'thresh', 'xyz', 'inptu', 'input', 'ab', 'ba', 'abc', 'ca'];
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
