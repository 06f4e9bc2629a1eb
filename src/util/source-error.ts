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
  // Optimal string alignment: a swap of two neighbouring letters (inptu → input) is one edit, as a
  // typist makes it, not two.
  let before = new Array<number>(b.length + 1).fill(0);
  let prev: number[] = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = new Array<number>(b.length + 1);
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, before[j - 2]! + 1);
      row[j] = d;
    }
    before = prev;
    prev = row;
  }
  return prev[b.length]!;
}

/** "unknown key 'x'", with a "did you mean" when one of the known keys is close. */
export function unknownKeyMessage(key: string, known: Iterable<string>): string {
  const hint = suggest(key, known);
  return `unknown key '${key}'${hint ? ` (did you mean '${hint}'?)` : ''}`;
}

export function suggest(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best !== undefined && bestD <= Math.max(1, Math.floor(word.length / 3)) ? best : undefined;
}
