/**
 * The house keeps itself documented and untangled: no import cycle in src/ (type-only imports count,
 * as in `npx madge --circular --extensions ts src`: a cycle of types is still two files that cannot
 * be read apart), and every repository path the contributor documents name exists, so a moved file
 * shows here instead of in a reader's dead end.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

function tsFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? tsFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** Relative imports and re-exports of a file, static or dynamic, type-only ones included. */
function importsOf(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  const out: string[] = [];
  // Bounded: [^'";]* cannot backtrack past a quote, and the files are our own.
  for (const m of text.matchAll(/\b(?:import|export)\s[^'";]*?from\s*['"](\.[^'"]+)['"]|\bimport\s*\(\s*['"](\.[^'"]+)['"]\s*\)|\bimport\s*['"](\.[^'"]+)['"]/g)) {
    out.push(path.resolve(path.dirname(file), (m[1] ?? m[2] ?? m[3])!));
  }
  return out;
}

/** Every cycle's files, as found by a depth-first walk (one per back edge). */
function importCycles(files: readonly string[]): string[][] {
  const graph = new Map(files.map((f) => [f, importsOf(f).filter((d) => d.endsWith('.ts'))]));
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  const visit = (f: string): void => {
    state.set(f, 'open');
    stack.push(f);
    for (const d of graph.get(f) ?? []) {
      if (state.get(d) === 'open') cycles.push([...stack.slice(stack.indexOf(d)), d]);
      else if (!state.has(d)) visit(d);
    }
    stack.pop();
    state.set(f, 'done');
  };
  for (const f of graph.keys()) if (!state.has(f)) visit(f);
  return cycles;
}

/** Repository paths named in a document (`src/a/{b,c}.ts` expanded), placeholders like `<name>` left out. */
function pathsIn(text: string): string[] {
  const expand = (s: string): string[] => {
    const b = /\{([^{}]*)\}/.exec(s);
    return b ? b[1]!.split(',').flatMap((x) => expand(s.slice(0, b.index) + x + s.slice(b.index + b[0].length))) : [s];
  };
  return [...text.matchAll(/(?<![\w./-])((?:src|test|scripts|mappings|docs|native|web|bin|systemd)\/[\w./{},-]*[\w}/])(?![\w<*])/g)].flatMap((m) => expand(m[1]!));
}

describe('the house', () => {
  it('has no import cycle in src/', () => {
    const cycles = importCycles(tsFiles(path.join(ROOT, 'src')));
    expect(cycles.map((c) => c.map((f) => path.relative(ROOT, f)).join(' -> '))).toEqual([]);
  });

  it('finds a cycle when there is one (the check itself)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faderd-cycle-'));
    try {
      fs.writeFileSync(path.join(dir, 'a.ts'), "import type { B } from './b.ts';\nexport type A = B;\n");
      fs.writeFileSync(path.join(dir, 'b.ts'), "import {\n  a,\n} from './a.ts';\nexport type B = number;\n");
      expect(importCycles(tsFiles(dir))).toHaveLength(1);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each(['docs/architecture.md', 'CONTRIBUTING.md', 'README.md'])('%s names only paths that exist', (doc) => {
    const named = pathsIn(fs.readFileSync(path.join(ROOT, doc), 'utf8'));
    expect(named.length).toBeGreaterThan(0);
    expect(named.filter((p) => !fs.existsSync(path.join(ROOT, p)))).toEqual([]);
  });
});
