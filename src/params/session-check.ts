/**
 * Checks of a session that need more than its schema: initial params name real addresses with valid
 * values, and the stems it names exist. Each issue carries file:line:col. (Surfaces are checked by
 * `faderd check`, which can load mappings.)
 *
 * Schema errors do not hide the rest: the parts of the file that passed the schema still make a
 * session whose params are checked, so one run of `faderd check` lists every problem.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ParamRegistry } from './registry.ts';
import { ParamStore } from './store.ts';
import { resolveSession, SessionSchema, sessionFromSource, type Session } from './session.ts';
import { YamlSource } from '../util/yaml-source.ts';
import { byPosition, ConfigError, type SourceIssue } from '../util/source-error.ts';

export interface SessionCheck {
  readonly session?: Session;
  /** The parsed file with positions, for callers that check more (surfaces) and must point at lines. */
  readonly source?: YamlSource;
  readonly issues: SourceIssue[];
}

/** Validates session text deeply; never throws for bad input, returns every issue found. */
export function checkSessionText(text: string, file: string, opts: { stems?: boolean } = {}): SessionCheck {
  let src: YamlSource;
  try {
    src = YamlSource.parse(text, file);
  } catch (e) {
    if (e instanceof ConfigError) return { issues: [...e.issues] };
    throw e;
  }
  const issues: SourceIssue[] = [];
  let session: Session | undefined;
  try {
    session = sessionFromSource(src);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    issues.push(...e.issues);
    session = sessionFromValidParts(src);
    if (!session) return { source: src, issues: issues.sort(byPosition) };
  }
  const surfaceIds = session.surfaces.map((s, i) => s.id ?? `surface${i + 1}`);
  const store = new ParamStore(ParamRegistry.fromSession(session, { surfaceIds }));
  for (const [address, raw] of Object.entries(session.params)) {
    try {
      const def = store.def(address);
      if (def.readOnly || def.action) throw new Error(`${address} is read-only and cannot be set in a session`);
      store.coerce(def, raw, { strict: true });
    } catch (e) {
      issues.push(src.issue(['params', address], (e as Error).message, true));
    }
  }
  if (opts.stems) {
    session.channels.forEach((c, i) => {
      if (c.file && !fs.existsSync(path.resolve(session.dir, c.file))) issues.push(src.issue(['channels', i, 'file'], `stem not found: ${c.file}`));
    });
  }
  return { session, source: src, issues: issues.sort(byPosition) };
}

/** Keys that shape the address space: when one of them is broken, param addresses cannot be judged. */
const ADDRESS_KEYS = new Set(['channels', 'buses', 'fx', 'surfaces']);

/**
 * The session made of the parts of the file that passed the schema (broken top-level keys, unknown
 * keys and broken param entries left out), for checking the rest; undefined when a part that shapes
 * the address space is broken or the file is not a map, since every param check would then mislead.
 */
function sessionFromValidParts(src: YamlSource): Session | undefined {
  const js = src.toJS();
  if (!js || typeof js !== 'object' || Array.isArray(js)) return undefined;
  const data: Record<string, unknown> = { ...(js as Record<string, unknown>) };
  if (data.params && typeof data.params === 'object' && !Array.isArray(data.params)) data.params = { ...(data.params as Record<string, unknown>) };
  const first = SessionSchema.safeParse(data);
  // Passed the schema but failed a later rule (stereo inputs, web listener): those keys keep their shape.
  if (first.success) return resolveSession(first.data, src.file);
  for (const issue of first.error.issues) {
    const [top, entry] = issue.path.map(String);
    if (top === undefined) {
      if (issue.code !== 'unrecognized_keys') return undefined;
      for (const k of issue.keys) delete data[k];
    } else if (top === 'params' && entry !== undefined) delete (data.params as Record<string, unknown>)[entry];
    else if (ADDRESS_KEYS.has(top)) return undefined;
    else delete data[top];
  }
  const second = SessionSchema.safeParse(data);
  return second.success ? resolveSession(second.data, src.file) : undefined;
}
