/** A problem in a user's file, located by line and column (1-based) so an editor can jump to it. */
export interface SourceIssue {
  readonly file: string;
  readonly line: number;
  readonly col: number;
  readonly message: string;
}

export const formatIssue = (i: SourceIssue): string => `${i.file}:${i.line}:${i.col}: ${i.message}`;

/** Sort order for the issues of one file: as an editor lists them. */
export const byPosition = (a: SourceIssue, b: SourceIssue): number => a.line - b.line || a.col - b.col;

/** A file that was refused, with every problem found in it (not only the first). */
export class ConfigError extends Error {
  readonly issues: readonly SourceIssue[];
  constructor(issues: readonly SourceIssue[], summary?: string) {
    super(summary ?? issues.map(formatIssue).join('\n'));
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

/** Edit distance (with neighbour swaps), for "did you mean" hints on misspelt keys. */
export function editDistance(a: string, b: string): number {
  return editDistanceWithin(a, b, Math.max(a.length, b.length));
}

let steps = 0;

/** Edit-distance cells computed so far by the bounded "did you mean", for tests and benchmarks. */
export function suggestSteps(): number {
  return steps;
}

/**
 * Edit distance when it is at most `max`, else `max + 1`: only the band of cells within `max` of the
 * diagonal is computed, and a row whose best cell already exceeds `max` ends the work. The cost is
 * O(length x max) instead of O(length x length). Optimal string alignment: a swap of two neighbouring
 * letters (inptu → input) is one edit, as a typist makes it, not two.
 */
export function editDistanceWithin(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  const big = max + 1;
  let before: number[] = new Array<number>(b.length + 1).fill(big);
  let prev: number[] = Array.from({ length: b.length + 1 }, (_, j) => (j <= max ? j : big));
  for (let i = 1; i <= a.length; i++) {
    const row: number[] = new Array<number>(b.length + 1).fill(big);
    const lo = Math.max(1, i - max);
    const hi = Math.min(b.length, i + max);
    row[0] = i <= max ? i : big;
    let best = row[0];
    for (let j = lo; j <= hi; j++) {
      steps++;
      let v = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, before[j - 2]! + 1);
      row[j] = v > big ? big : v;
      if (row[j]! < best) best = row[j]!;
    }
    if (best > max) return big;
    before = prev;
    prev = row;
  }
  return Math.min(prev[b.length]!, big);
}

/** "unknown key 'x'", with a "did you mean" when one of the known keys is close. */
export function unknownKeyMessage(key: string, known: Iterable<string>): string {
  const hint = suggest(key, known);
  return `unknown key '${key}'${hint ? ` (did you mean '${hint}'?)` : ''}`;
}

/** Words longer than this get no "did you mean": no key or address is near it, and it would cost CPU. */
export const MAX_SUGGEST_LENGTH = 128;

/**
 * The closest candidate within a third of the word's length, if any. Bounded whatever the input: a
 * 64 KB unknown OSC address once cost ~0.44 s against the ~700 param addresses.
 */
export function suggest(word: string, candidates: Iterable<string>): string | undefined {
  if (word.length > MAX_SUGGEST_LENGTH) return undefined;
  const w = word.toLowerCase();
  let best: string | undefined;
  let bestD = Math.max(1, Math.floor(word.length / 3)) + 1;
  for (const c of candidates) {
    if (Math.abs(c.length - w.length) >= bestD) continue;
    const d = editDistanceWithin(w, c.toLowerCase(), bestD - 1);
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best;
}
