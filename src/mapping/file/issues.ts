/**
 * The issues found in one mapping file, each located at file:line:col, with "did you mean" hints for
 * misspelt keys. Loading collects every problem (not only the first) and throws them as one ConfigError.
 */
import { z } from 'zod';
import type { YamlSource } from '../../util/yaml-source.ts';
import { unknownKeyMessage, type SourceIssue } from '../../util/source-error.ts';
import { BINDING_KEYS, FEEDBACK_KINDS, GLUE_KEYS, SOURCE_KEYS, TOP_KEYS } from './schema.ts';

const KNOWN_KEYS: Record<string, readonly string[]> = {
  glue: GLUE_KEYS,
  source: SOURCE_KEYS,
  touch: SOURCE_KEYS,
  target: ['param', 'all', 'state', 'scene', 'name', 'action', 'value'],
  feedback: FEEDBACK_KINDS,
  display: ['lcd', 'holdMs'],
};

function knownKeysFor(path: ReadonlyArray<PropertyKey>): readonly string[] {
  if (path.length === 0) return TOP_KEYS;
  if (path[0] === 'bindings') {
    const inner = path.slice(2).filter((p) => typeof p === 'string') as string[];
    if (inner.length === 0) return BINDING_KEYS;
    return KNOWN_KEYS[inner[inner.length - 1]!] ?? KNOWN_KEYS[inner[0]!] ?? BINDING_KEYS;
  }
  return [];
}

/** Collects located issues for one file. */
export class IssueList {
  readonly items: SourceIssue[] = [];
  private readonly seen = new Set<string>();
  constructor(readonly src: YamlSource) {}

  add(path: ReadonlyArray<PropertyKey>, message: string, key = false): void {
    const id = `${path.join('.')}|${message}`;
    if (this.seen.has(id)) return;
    this.seen.add(id);
    this.items.push(this.src.issue(path, message, key));
  }

  /** Adds a zod failure found under `prefix`, with "did you mean" hints for misspelt keys. */
  zod(error: z.ZodError, prefix: ReadonlyArray<PropertyKey>): void {
    // "a source needs one of ..." says nothing more than "unknown key 'not' (did you mean 'note'?)".
    const misspelt = new Set(error.issues.filter((i) => i.code === 'unrecognized_keys').map((i) => i.path.join('.')));
    for (const iss of error.issues) {
      if (iss.code === 'custom' && misspelt.has(iss.path.join('.'))) continue;
      const path = [...prefix, ...(iss.path as PropertyKey[])];
      if (iss.code === 'unrecognized_keys') {
        for (const k of iss.keys) this.add([...path, k], unknownKeyMessage(k, knownKeysFor(path)), true);
      } else if (iss.code === 'invalid_union' && 'errors' in iss && Array.isArray(iss.errors)) {
        // Report the branch that got furthest (the object form of a target), not "invalid input".
        const branches = iss.errors as z.core.$ZodIssue[][];
        const best = branches.reduce((a, b) => (b.length && (!a.length || b.some((x) => x.code !== 'invalid_type')) ? b : a), [] as z.core.$ZodIssue[]);
        if (best.length && best.some((x) => x.code !== 'invalid_type')) this.zod(new z.ZodError(best), path);
        else this.add(path, `${path.map(String).join('.')}: ${iss.message}`);
      } else {
        this.add(path, `${path.map(String).join('.')}: ${iss.message}`);
      }
    }
  }
}

