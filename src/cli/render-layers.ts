/**
 * The `--state` and `--scene` files of `faderd render`, as value layers over the session's params.
 *
 * They follow recall: a scene or state saved with another session holds addresses this session does
 * not have (`/ch/12/...` in an 8-channel session) and read-only ones; those are skipped, and said once
 * in one summary line rather than one error each. A value that is wrong for an address the session
 * has is an error at its own line and column.
 */
import { ParamRegistry } from '../params/registry.ts';
import { ParamStore } from '../params/store.ts';
import { parseStateText } from '../params/persistence.ts';
import { parseScene } from '../params/scenes.ts';
import type { Session } from '../params/session.ts';
import type { ValueLayer } from '../audio/file/render.ts';
import { ConfigError, type SourceIssue } from '../util/source-error.ts';
import { YamlSource } from '../util/yaml-source.ts';
import { readUserFile } from './errors.ts';

export interface CheckedLayer {
  readonly layer: ValueLayer;
  /** One line saying what was skipped, when anything was. */
  readonly warning?: string;
}

/** Addresses skipped, shown by their first few. */
function skippedLine(file: string, kind: string, unknown: string[], readOnly: string[]): string | undefined {
  if (unknown.length === 0 && readOnly.length === 0) return undefined;
  const some = (list: string[]) => list.slice(0, 3).join(', ') + (list.length > 3 ? ', ...' : '');
  const parts = [
    ...(unknown.length ? [`${unknown.length} address${unknown.length === 1 ? '' : 'es'} this session does not have (${some(unknown)})`] : []),
    ...(readOnly.length ? [`${readOnly.length} read-only (${some(readOnly)})`] : []),
  ];
  return `${kind} ${file}: skipped ${parts.join(' and ')}, as recall does`;
}

/** Keeps the entries the session can take; wrong values are located errors. */
function checkLayer(session: Session, file: string, kind: string, params: Record<string, unknown>, src: YamlSource | undefined): CheckedLayer {
  const store = new ParamStore(ParamRegistry.fromSession(session));
  const kept: Record<string, unknown> = {};
  const unknown: string[] = [];
  const readOnly: string[] = [];
  const issues: SourceIssue[] = [];
  for (const [address, raw] of Object.entries(params)) {
    const def = store.registry.get(address);
    if (!def) unknown.push(address);
    else if (def.readOnly || def.action) readOnly.push(address);
    else {
      try {
        store.coerce(def, raw, { strict: true });
        kept[address] = raw;
      } catch (e) {
        const at = src ? src.positionOf(['params', address]) : { line: 1, col: 1 };
        const message = (e as Error).message;
        issues.push({ file, ...at, message: message.includes(address) ? message : `${address}: ${message}` });
      }
    }
  }
  if (issues.length) throw new ConfigError(issues);
  const warning = skippedLine(file, kind, unknown, readOnly);
  return { layer: { source: file, params: kept }, ...(warning ? { warning } : {}) };
}

/** Positions for messages; a file YAML cannot parse has none (its parser already said why). */
function positions(text: string, file: string): YamlSource | undefined {
  try {
    return YamlSource.parse(text, file);
  } catch {
    return undefined;
  }
}

export function stateLayer(session: Session, file: string): CheckedLayer {
  const text = readUserFile(file, 'state file').toString('utf8');
  let params: Record<string, unknown>;
  try {
    params = parseStateText(text).params as Record<string, unknown>;
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    throw new ConfigError([{ file, line: 1, col: 1, message: `not a faderd state file: ${(e as Error).message}` }]);
  }
  return checkLayer(session, file, 'state', params, positions(text, file));
}

export function sceneLayer(session: Session, file: string): CheckedLayer {
  const text = readUserFile(file, 'scene').toString('utf8');
  return checkLayer(session, file, 'scene', parseScene(text, file).params, positions(text, file));
}
