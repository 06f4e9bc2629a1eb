import { FileReadError, readRegularText } from './read-file.ts';
import { LineCounter, parseDocument, isMap, isSeq, isScalar, isPair, visit, type Document, type Node } from 'yaml';
import type { z } from 'zod';
import { byPosition, ConfigError, unknownKeyMessage, type SourceIssue } from './source-error.ts';

/** Reads a user's file as text; an unreadable one is a ConfigError at its first line ("cannot read session: ..."). */
export function readSourceText(file: string, what: string): string {
  try {
    return readRegularText(file, what);
  } catch (e) {
    // FileReadError already says "cannot read <what>: ..."; other errors get it said.
    const message = e instanceof FileReadError ? e.message : `cannot read ${what}: ${(e as Error).message}`;
    throw new ConfigError([{ file, line: 1, col: 1, message }]);
  }
}

/** A YAML file parsed with positions kept, so any later check can point at a line and column. */
export class YamlSource {
  readonly file: string;
  readonly doc: Document;
  private readonly lines: LineCounter;

  private constructor(file: string, doc: Document, lines: LineCounter) {
    this.file = file;
    this.doc = doc;
    this.lines = lines;
  }

  /** Parses text; YAML syntax errors are thrown as a ConfigError with positions. */
  static parse(text: string, file: string): YamlSource {
    const lines = new LineCounter();
    // The parser's own check for repeated keys compares each key with every one before it in its
    // map: a session's params map of n keys costs n²/2 comparisons (a tenth of a 16-stem render's
    // time at 430 keys; a hostile file of 100,000 keys, minutes). duplicateKeys does it in one pass.
    const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: false });
    const src = new YamlSource(file, doc, lines);
    const issues: SourceIssue[] = doc.errors.map((e) => {
      const at = lines.linePos(e.pos[0]);
      return { file, line: at.line, col: at.col, message: e.message.split('\n')[0]! };
    });
    if (issues.length === 0) issues.push(...duplicateKeys(doc, file, lines));
    if (issues.length) throw new ConfigError(issues);
    src.js = src.resolveAliases();
    return src;
  }

  private js: unknown;

  /**
   * The document as plain data. Aliases are resolved once at parse time, so an unresolved alias
   * (`*missing`) or an alias bomb is a located ConfigError there, never a ReferenceError later.
   */
  toJS(): unknown {
    return this.js;
  }

  private resolveAliases(): unknown {
    try {
      return this.doc.toJS({ maxAliasCount: 1000 });
    } catch (e) {
      let offset = 0;
      let name = '';
      visit(this.doc, {
        Alias: (_k, node) => {
          if (node.resolve(this.doc) === undefined) {
            offset = node.range?.[0] ?? 0;
            name = node.source;
            return visit.BREAK;
          }
          return undefined;
        },
      });
      const at = this.lines.linePos(offset);
      const message = name ? `unresolved alias *${name} (no anchor &${name} before it)` : `cannot expand aliases: ${(e as Error).message}`;
      throw new ConfigError([{ file: this.file, line: at.line, col: at.col, message }]);
    }
  }

  /** Position of the node at `path` (or of its nearest existing ancestor); `key` points at a map key. */
  positionOf(path: ReadonlyArray<PropertyKey>, key = false): { line: number; col: number } {
    let node: unknown = this.doc.contents;
    let offset = 0;
    const startOf = (n: unknown): number | undefined => (n as Node | null)?.range?.[0];
    offset = startOf(node) ?? 0;
    for (let i = 0; i < path.length; i++) {
      const seg = path[i]!;
      const last = i === path.length - 1;
      if (isMap(node)) {
        const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
        if (!pair) break;
        if (last && key) {
          offset = startOf(pair.key) ?? offset;
          break;
        }
        node = pair.value;
        offset = startOf(node) ?? startOf(pair.key) ?? offset;
      } else if (isSeq(node)) {
        const item = node.items[Number(seg)];
        if (item === undefined) break;
        node = isPair(item) ? item.value : item;
        offset = startOf(node) ?? offset;
      } else break;
    }
    return this.lines.linePos(offset);
  }

  issue(path: ReadonlyArray<PropertyKey>, message: string, key = false): SourceIssue {
    const at = this.positionOf(path, key);
    return { file: this.file, line: at.line, col: at.col, message };
  }

  /** Turns a zod failure into located issues, with "did you mean" for misspelt keys. */
  zodIssues(error: z.ZodError, knownKeys?: (path: ReadonlyArray<PropertyKey>) => Iterable<string>): SourceIssue[] {
    const out: SourceIssue[] = [];
    for (const iss of error.issues) {
      const path = iss.path as PropertyKey[];
      if (iss.code === 'unrecognized_keys') {
        for (const k of iss.keys) {
          out.push(this.issue([...path, k], unknownKeyMessage(k, knownKeys ? knownKeys(path) : []), true));
        }
        continue;
      }
      const where = path.length ? `${path.map(String).join('.')}: ` : '';
      out.push(this.issue(path, `${where}${iss.message}`));
    }
    return out.sort(byPosition);
  }
}

/**
 * Keys repeated within one map, each located at the repeat and naming the line of the first: what
 * the parser's uniqueKeys check finds (scalar keys equal by value, any other key by identity), in
 * time linear in the keys.
 */
function duplicateKeys(doc: Document, file: string, lines: LineCounter): SourceIssue[] {
  const issues: SourceIssue[] = [];
  visit(doc, {
    Map: (_k, map) => {
      const seen = new Map<unknown, Node | null>();
      for (const pair of map.items) {
        const key = pair.key as Node | null;
        const id = isScalar(key) ? key.value : key;
        // NaN keys are never equal to each other (the parser compares with ===).
        if (typeof id === 'number' && Number.isNaN(id)) continue;
        const first = seen.get(id);
        if (first === undefined) {
          seen.set(id, key);
          continue;
        }
        const at = lines.linePos(key?.range?.[0] ?? 0);
        const was = lines.linePos(first?.range?.[0] ?? 0);
        const name = isScalar(key) ? JSON.stringify(String(key.value)) : 'key';
        issues.push({ file, line: at.line, col: at.col, message: `duplicate key ${name}: already set at line ${was.line}` });
      }
      return undefined;
    },
  });
  return issues;
}
