/**
 * The pieces the X32 tree is built from (nodes, leaves, the builder the tree files fill), apart from
 * tree.ts so the tree files (tree-strips.ts, tree-console.ts) depend on them without importing the
 * tree that imports them.
 */
import type { Kind, X32Value } from './scales.ts';

export interface X32Leaf {
  /** `/ch/01/mix/fader` */
  readonly address: string;
  readonly name: string;
  readonly kind: Kind;
  readonly def: X32Value;
  readonly node: X32Node;
}

export interface X32Node {
  /** `ch/01/mix`: as `/node` asks for it, with no leading slash. */
  readonly path: string;
  readonly leaves: X32Leaf[];
}

/** A leaf as the tree files describe it: name, scale, reset value. */
export type LeafSpec = readonly [name: string, kind: Kind, def: X32Value];

/** Collects nodes in the console's order. */
export class TreeBuilder {
  readonly nodes: X32Node[] = [];
  node(path: string, leaves: readonly LeafSpec[]): void {
    const node: X32Node = { path, leaves: [] };
    for (const [name, kind, def] of leaves) node.leaves.push({ address: `/${path}/${name}`, name, kind, def, node });
    this.nodes.push(node);
  }
}
