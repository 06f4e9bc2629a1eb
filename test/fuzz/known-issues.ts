/**
 * Contract breaks the fuzzers found whose fix belongs to code outside the reliability suites. Each is
 * counted (and printed by `npm run fuzz`) rather than failing every run, and each has a pinned
 * reproduction in test/reliability/known-issues.test.ts marked `it.fails`: when the fix lands, that
 * test turns red and the entry here must go.
 */
export interface KnownIssue {
  readonly id: string;
  readonly matches: (message: string) => boolean;
  readonly fix: string;
}

/** Empty while every contract the fuzzers check holds; fixed ones keep a regression test in
 *  test/reliability/fuzz-regressions.test.ts. */
export const KNOWN_ISSUES: readonly KnownIssue[] = [];

export function knownIssue(message: string): KnownIssue | undefined {
  return KNOWN_ISSUES.find((k) => k.matches(message));
}
