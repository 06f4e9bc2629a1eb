/**
 * OSC 1.0 address patterns matched in linear time.
 *
 *   compileAddressPattern('/ch/{1,2}/mix/[0-9]?/level').test('/ch/1/mix/01/level')  // true
 *
 * A regex such as `^/[^/]*[^/]*...x$` backtracks: one 56-byte packet of stars froze the control plane
 * for seconds. Here a pattern is cut at `/` into parts, each part compiled to a small NFA (one node
 * per character it consumes), and an address is matched part by part by advancing the set of live
 * nodes one character at a time: the cost is at most (address length + 1) x (edges of the NFA), with
 * no backtracking whatever the input. Pattern length and edge count are capped, so the cost of one
 * match is bounded up front.
 *
 * Semantics (OSC 1.0): `?` one character, `*` any run including the empty one, `[a-z]` and `[!a]`
 * character classes (a `-` first or last is literal), `{foo,bar}` one of literal strings (an empty
 * one allowed). None crosses a `/`: a `/` inside `[...]` or `{...}` is refused, as is an unclosed one.
 */

/** Longest pattern compiled; longer ones are refused (no param address is near this long). */
export const MAX_PATTERN_LENGTH = 256;
/** Most NFA edges a pattern may compile to: bounds the work per address character. */
export const MAX_PATTERN_EDGES = 256;

/** A compiled pattern: `test` says whether a whole address matches. */
export interface AddressPattern {
  readonly source: string;
  test(address: string): boolean;
}

const ACCEPT = -1;

interface Node {
  /** The character codes this node consumes. */
  readonly test: (code: number) => boolean;
  /** Where it goes after consuming one: node indexes or ACCEPT, closed over empty moves. */
  out: number[];
}

/** One `/`-separated part: a literal to compare, or an NFA to run. */
type Part = { readonly literal: string } | { readonly nodes: Node[]; readonly start: number[] };

let steps = 0;

/** Matcher steps taken so far (nodes visited and edges followed), for tests and benchmarks. */
export function patternSteps(): number {
  return steps;
}

const ANY = (): boolean => true;

function classTest(body: string, pattern: string): (code: number) => boolean {
  const neg = body.startsWith('!');
  const items = neg ? body.slice(1) : body;
  const ranges: Array<[number, number]> = [];
  for (let i = 0; i < items.length; i++) {
    const lo = items.charCodeAt(i);
    if (items[i + 1] === '-' && i + 2 < items.length) {
      const hi = items.charCodeAt(i + 2);
      if (hi < lo) throw new SyntaxError(`reversed range ${items.slice(i, i + 3)} in address pattern ${pattern}`);
      ranges.push([lo, hi]);
      i += 2;
    } else ranges.push([lo, lo]);
  }
  return (code) => {
    let hit = false;
    for (const [lo, hi] of ranges) {
      if (code >= lo && code <= hi) {
        hit = true;
        break;
      }
    }
    return hit !== neg;
  };
}

const charTest =
  (code: number) =>
  (c: number): boolean =>
    c === code;

/** Compiles one part (no `/` in it) into nodes; returns the start set. */
function compilePart(part: string, pattern: string, budget: { edges: number }): Part {
  if (!/[*?[{]/.test(part)) return { literal: part };
  // Tokens first, then nodes from the last token back, so each `out` is the closure of what follows.
  type Tok = { kind: 'one'; test: (c: number) => boolean } | { kind: 'star' } | { kind: 'alt'; words: string[] };
  const toks: Tok[] = [];
  for (let i = 0; i < part.length; i++) {
    const c = part[i]!;
    if (c === '*') {
      if (toks.at(-1)?.kind !== 'star') toks.push({ kind: 'star' }); // `**` is `*`
    } else if (c === '?') toks.push({ kind: 'one', test: ANY });
    else if (c === '[') {
      const end = part.indexOf(']', i + 1);
      if (end < 0) throw new SyntaxError(`unclosed [ in address pattern ${pattern}`);
      toks.push({ kind: 'one', test: classTest(part.slice(i + 1, end), pattern) });
      i = end;
    } else if (c === '{') {
      const end = part.indexOf('}', i + 1);
      if (end < 0) throw new SyntaxError(`unclosed { in address pattern ${pattern}`);
      toks.push({ kind: 'alt', words: [...new Set(part.slice(i + 1, end).split(','))] });
      i = end;
    } else toks.push({ kind: 'one', test: charTest(part.charCodeAt(i)) });
  }
  const nodes: Node[] = [];
  const add = (test: (c: number) => boolean, out: number[]): number => {
    budget.edges += out.length + 1;
    if (budget.edges > MAX_PATTERN_EDGES) throw new SyntaxError(`address pattern too complex (more than ${MAX_PATTERN_EDGES} steps per character): ${pattern.slice(0, 80)}`);
    nodes.push({ test, out });
    return nodes.length - 1;
  };
  let next: number[] = [ACCEPT];
  for (let t = toks.length - 1; t >= 0; t--) {
    const tok = toks[t]!;
    if (tok.kind === 'one') next = [add(tok.test, next)];
    else if (tok.kind === 'star') {
      const n = add(ANY, next);
      nodes[n]!.out = [n, ...next];
      budget.edges += 1;
      next = [n, ...next];
    } else {
      const starts = new Set<number>();
      for (const w of tok.words) {
        if (w === '') {
          for (const s of next) starts.add(s);
          continue;
        }
        let chain = next;
        for (let k = w.length - 1; k >= 0; k--) chain = [add(charTest(w.charCodeAt(k)), chain)];
        starts.add(chain[0]!);
      }
      next = [...starts];
    }
  }
  return { nodes, start: next };
}

/** Runs one part's NFA over `text` (one address part): true when it ends on ACCEPT. */
function runPart(p: { nodes: Node[]; start: number[] }, text: string, mark: Int32Array, gen: { n: number }): boolean {
  let cur = p.start;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const nxt: number[] = [];
    const g = ++gen.n;
    for (const s of cur) {
      steps++;
      if (s === ACCEPT || !p.nodes[s]!.test(code)) continue;
      for (const o of p.nodes[s]!.out) {
        steps++;
        const slot = o === ACCEPT ? p.nodes.length : o;
        if (mark[slot] === g) continue;
        mark[slot] = g;
        nxt.push(o);
      }
    }
    if (nxt.length === 0) return false;
    cur = nxt;
  }
  return cur.includes(ACCEPT);
}

/** Compiles an OSC address pattern; throws a SyntaxError saying what is wrong with a bad one. */
export function compileAddressPattern(pattern: string): AddressPattern {
  if (pattern.length > MAX_PATTERN_LENGTH) throw new SyntaxError(`address pattern longer than ${MAX_PATTERN_LENGTH} characters`);
  const budget = { edges: 0 };
  // A `/` inside brackets leaves an opener without its closer in its part: refused as unclosed.
  const raw = pattern.split('/');
  const parts = raw.map((r) => compilePart(r, pattern, budget));
  const size = parts.reduce((n, p) => Math.max(n, 'nodes' in p ? p.nodes.length + 1 : 0), 0);
  const mark = new Int32Array(size);
  const gen = { n: 0 };
  return {
    source: pattern,
    test(address: string): boolean {
      // Literal parts first: most addresses fail on them at the cost of a string compare.
      let from = 0;
      const texts: string[] = [];
      for (let k = 0; k < parts.length; k++) {
        const last = k === parts.length - 1;
        const end = last ? address.length : address.indexOf('/', from);
        if (end < 0) return false;
        const text = address.slice(from, end);
        if (last && text.includes('/')) return false;
        const p = parts[k]!;
        if ('literal' in p && p.literal !== text) return false;
        texts.push(text);
        from = end + 1;
      }
      for (let k = 0; k < parts.length; k++) {
        const p = parts[k]!;
        if ('nodes' in p) {
          if (gen.n > 0x7fff0000) {
            mark.fill(0);
            gen.n = 0;
          }
          if (!runPart(p, texts[k]!, mark, gen)) return false;
        }
      }
      return true;
    },
  };
}
