import fs from 'node:fs';
import { parseDocument, isMap, isScalar } from 'yaml';
import { FileReadError, readRegularFile } from '../../util/read-file.ts';
import { checkSessionText } from '../../params/session-check.ts';
import { sessionWarnings } from '../../params/session.ts';
import { loadMapping, parseMapping } from '../../mapping/file/load.ts';
import { resolveDevice } from '../../mapping/file/device.ts';
import { resolveMappingFile, surfaceIds } from '../../daemon/surface-files.ts';
import { byPosition, ConfigError, formatIssue, type SourceIssue } from '../../util/source-error.ts';
import { loadSession, type Session } from '../../params/session.ts';
import { fsReason, readRefusal } from '../errors.ts';

type Kind = 'session' | 'mapping';

/** A file with `bindings` or `surface` at the top is a mapping; anything else is a session. */
export function detectKind(text: string): Kind {
  // Only the top keys matter here; repeated keys are judged (in one pass) when the file is parsed for real.
  const doc = parseDocument(text, { uniqueKeys: false });
  if (isMap(doc.contents)) {
    const keys = doc.contents.items.map((p) => (isScalar(p.key) ? String(p.key.value) : ''));
    if (keys.includes('bindings') || keys.includes('surface')) return 'mapping';
  }
  return 'session';
}

/**
 * Why a file cannot be a session or mapping at all, before its YAML is judged line by line: a WAV or
 * other binary file, or text whose top level is not a map, would otherwise give hundreds of errors.
 */
export function notYamlReason(bytes: Buffer): string | undefined {
  const what = 'not a YAML session or mapping file';
  const head = bytes.subarray(0, 4).toString('latin1');
  if (head === 'RIFF' || head === 'RF64') return `${what} (this is a WAV file: sessions name their stems under channels[].file)`;
  if (bytes.includes(0) || bytes.toString('utf8').includes('\uFFFD')) return `${what} (binary data, not UTF-8 text)`;
  const doc = parseDocument(bytes.toString('utf8'), { uniqueKeys: false });
  if (doc.contents && !isMap(doc.contents)) return `${what} (its top level is ${isScalar(doc.contents) ? 'plain text' : 'a list'}, not a map of keys such as channels: or bindings:)`;
  return undefined;
}

/** Checks one file; returns its issues (empty when valid). `surfaces: false` skips the mapping files a session names. */
export function checkFile(file: string, forced?: Kind, opts: { stems?: boolean; surfaces?: boolean } = {}): { kind: Kind; issues: SourceIssue[]; warnings?: SourceIssue[] } {
  let bytes: Buffer;
  try {
    bytes = readRegularFile(file, forced ?? 'session');
  } catch (e) {
    return { kind: forced ?? 'session', issues: [{ file, line: 1, col: 1, message: e instanceof FileReadError ? readRefusal(e) : `cannot read: ${fsReason(e as NodeJS.ErrnoException)}` }] };
  }
  const notYaml = notYamlReason(bytes);
  if (notYaml) return { kind: forced ?? 'session', issues: [{ file, line: 1, col: 1, message: notYaml }] };
  const text = bytes.toString('utf8');
  const kind = forced ?? detectKind(text);
  if (kind === 'session') {
    const res = checkSessionText(text, file, opts);
    const issues = [...res.issues];
    const { session, source } = res;
    if (session && source && opts.surfaces !== false) {
      const ids = surfaceIds(session);
      session.surfaces.forEach((s, i) => {
        const at = (message: string) => issues.push(source.issue(['surfaces', i], message));
        if (ids.indexOf(ids[i]!) !== i) at(`surface id '${ids[i]}' is used twice; give each surface its own id`);
        const mappingFile = resolveMappingFile(session, s.mapping);
        if (!fs.existsSync(mappingFile)) return void at(`mapping file not found: ${s.mapping} (looked next to the session, in the working directory and in the shipped mappings)`);
        try {
          resolveDevice(loadMapping(mappingFile, s.options), s.device);
        } catch (e) {
          if (e instanceof ConfigError) for (const i2 of e.issues) at(`surface ${ids[i]}: ${formatIssue(i2)}`);
          else at(`surface ${ids[i]}: ${(e as Error).message}`);
        }
      });
    }
    return { kind, issues: issues.sort(byPosition), ...(session && source ? { warnings: sessionWarnings(source, session) } : {}) };
  }
  try {
    parseMapping(text, file);
    return { kind, issues: [] };
  } catch (e) {
    if (e instanceof ConfigError) return { kind, issues: [...e.issues] };
    throw e;
  }
}

/**
 * A session file validated as `faderd check` validates it (schema, params, and the mappings of its
 * surfaces unless `surfaces: false`), so every command accepts and refuses the same files: a
 * ConfigError listing every problem (exit code 3).
 */
export function loadCheckedSession(file: string, opts: { surfaces?: boolean } = {}): Session {
  const { issues } = checkFile(file, 'session', opts);
  if (issues.length) throw new ConfigError(issues);
  return loadSession(file);
}

/** `faderd check FILE...`: validate sessions and mappings, every error in one run (exit 3 if any; options: specs.ts). */
export function check(files: string[], opts: { session?: boolean; mapping?: boolean; stems?: boolean }): void {
  const forced: Kind | undefined = opts.session ? 'session' : opts.mapping ? 'mapping' : undefined;
  let bad = 0;
  for (const f of files) {
    const { kind, issues, warnings } = checkFile(f, forced, { stems: opts.stems ?? false });
    for (const w of warnings ?? []) process.stderr.write(formatIssue(w) + '\n');
    if (issues.length === 0) process.stdout.write(`${f}: ok (${kind})\n`);
    else {
      bad++;
      for (const i of issues) process.stderr.write(formatIssue(i) + '\n');
      process.stderr.write(`${f}: ${issues.length} problem${issues.length === 1 ? '' : 's'} (${kind})\n`);
    }
  }
  if (bad) process.exitCode = 3;
}
