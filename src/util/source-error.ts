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

/** Damerau-free edit distance, for "did you mean" hints on misspelt keys. */
export function editDistance(a: string, b: string): number {
  const dp: number[] = Array.from({ length: b.length + 1 }, (_, j) => j);
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
