/**
 * Issue #20's targets, printed after the bench table: each figure where it stood when the issue was
 * filed, its goal, and what this run measured (from the rows that carry a `target`). A figure no
 * section of this run measured says so instead of disappearing.
 */
import type { Row, Target } from './common.ts';

/** Every figure of the issue, in its order; rows fill in `measured` by figure prefix. */
const FIGURES: ReadonlyArray<Omit<Target, 'measured'> & { readonly prefix: string }> = [
  { prefix: 'render CPU / fair ffmpeg CPU, bench', figure: 'render CPU / fair ffmpeg graph CPU, bench stems', now: '0.81', target: '<= 0.50' },
  { prefix: 'render CPU / fair ffmpeg CPU, continuous', figure: 'render CPU / fair ffmpeg graph CPU, continuous stems', now: '1.39', target: '<= 0.50' },
  { prefix: "render peak RSS / ffmpeg's, bench", figure: "render peak RSS / ffmpeg's", now: '4.4', target: '<= 1.5' },
  { prefix: 'faderd loudness wall', figure: 'faderd loudness wall / ffmpeg ebur128, 4x / 1x the mix', now: '1.27 (12 min) / 2.4 (6 min)', target: '<= 1.0' },
  { prefix: "faderd loudness peak RSS", figure: "faderd loudness peak RSS / ffmpeg's", now: '11', target: '<= 2, flat with duration' },
  { prefix: 'engine, 64 ch', figure: 'engine, 64 ch full strip, 128 frames @48k', now: '28.5 % of a core', target: '<= 15 %' },
  { prefix: 'allocation per block', figure: 'allocation per block, worker loop, 3 param changes/block', now: '~120 B', target: '0' },
  { prefix: 'idle RSS', figure: 'idle RSS, default session', now: '~160 MB', target: '<= 100 MB' },
];

export function formatTargets(rows: readonly Row[]): string {
  const found = rows.flatMap((r) => (r.target ? [r.target] : []));
  const cells = FIGURES.map((f) => {
    const t = found.find((x) => x.figure.startsWith(f.prefix));
    const verdict = t === undefined ? 'not measured in this run' : t.met === undefined ? '' : t.met ? 'met' : 'not met';
    return [f.figure, f.now, f.target, t?.measured ?? '-', verdict];
  });
  const head = ['figure (#20)', 'when filed', 'target', 'measured', ''];
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: readonly string[]): string => `| ${c.map((x, i) => x.padEnd(widths[i]!)).join(' | ')} |`;
  return ['Targets (issue #20):', line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...cells.map(line)].join('\n') + '\n';
}

/** The exact commands behind the rows that name them, faderd's and the peer's. */
export function formatCommands(rows: readonly Row[]): string {
  const out: string[] = [];
  for (const r of rows) {
    if (!r.command && !r.peerCommand) continue;
    out.push(`${r.group}: ${r.what}`);
    if (r.command) out.push(`  faderd: ${r.command}`);
    if (r.peerCommand) out.push(`  peer:   ${r.peerCommand}`);
  }
  return out.length ? `Commands:\n${out.join('\n')}\n` : '';
}
