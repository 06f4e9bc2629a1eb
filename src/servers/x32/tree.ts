/**
 * The X32's parameter tree: every node a console answers `/node` for (`ch/01/mix`), each with its
 * leaves in the console's order (`on fader st pan mono mlevel`), their scales and the values a
 * console has after a reset. The tree is the same whatever the session: an app expects 32 channels,
 * 16 buses and 8 DCAs whatever faderd has, and gets a well-formed reply for each. Which leaves carry
 * faderd's params is the bindings' business (bindings.ts).
 */
import { oscType, toText, type X32Value } from './scales.ts';
import { TreeBuilder, type X32Node, type X32Leaf } from './tree-builder.ts';
import { stripNodes } from './tree-strips.ts';
import { consoleNodes } from './tree-console.ts';

export type { LeafSpec, X32Leaf, X32Node } from './tree-builder.ts';

export class X32Tree {
  readonly nodes: readonly X32Node[];
  private readonly byPath = new Map<string, X32Node>();
  private readonly byAddress = new Map<string, X32Leaf>();

  constructor(nodes: readonly X32Node[]) {
    this.nodes = nodes;
    for (const n of nodes) {
      this.byPath.set(n.path, n);
      for (const l of n.leaves) this.byAddress.set(l.address, l);
    }
  }

  /** A leaf by its OSC address (`/ch/01/mix/fader`). */
  leaf(address: string): X32Leaf | undefined {
    return this.byAddress.get(address);
  }

  /** A node by its path, with or without the leading slash. */
  node(path: string): X32Node | undefined {
    return this.byPath.get(path.startsWith('/') ? path.slice(1) : path);
  }

  /** The first node under a container path (`ch` → `ch/01/config`), as a console answers `/node ,s ch`. */
  firstUnder(path: string): X32Node | undefined {
    const p = (path.startsWith('/') ? path.slice(1) : path).replace(/\/$/, '');
    if (p === '') return undefined;
    return this.nodes.find((n) => n.path.startsWith(p + '/'));
  }

  get leafCount(): number {
    return this.byAddress.size;
  }
}

/** The whole console: strips, then configuration, outputs, preferences and status. */
export function buildTree(consoleName = 'faderd'): X32Tree {
  const b = new TreeBuilder();
  consoleNodes(b, 'config');
  stripNodes(b);
  consoleNodes(b, 'rest', consoleName);
  return new X32Tree(b.nodes);
}

/** One OSC argument for a leaf value. */
export function leafArg(leaf: X32Leaf, v: X32Value): { type: 'f' | 'i' | 's'; value: number | string } {
  const type = oscType(leaf.kind);
  return { type, value: type === 's' ? String(v) : Number(v) };
}

/** A `/node` line: `/ch/01/mix ON  -10.0 ON +0 OFF   -oo` (no line feed). */
export function nodeLine(path: string, texts: readonly string[]): string {
  return `/${path} ${texts.join(' ')}`;
}

export { toText };
