/**
 * Checks of a session that need more than its schema: initial params name real addresses with valid
 * values, and the stems it names exist. Each issue carries file:line:col. (Surfaces are checked by
 * `faderd check`, which can load mappings.)
 */
import fs from 'node:fs';
import path from 'node:path';
import { ParamRegistry } from './registry.ts';
import { ParamStore } from './store.ts';
import { sessionFromSource, type Session } from './session.ts';
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
  let session: Session;
  try {
    src = YamlSource.parse(text, file);
    session = sessionFromSource(src);
  } catch (e) {
    if (e instanceof ConfigError) return { issues: [...e.issues] };
    throw e;
  }
  const issues: SourceIssue[] = [];
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
