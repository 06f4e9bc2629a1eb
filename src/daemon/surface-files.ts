/**
 * Where a session's surfaces find their mapping files, and the ids they go by: what `faderd check`
 * needs of surfaces.ts without loading the transports, MIDI and serial addons it starts (#20).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Session } from '../params/session.ts';

const SHIPPED = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'mappings');

/** Surface ids as the registry knows them: the session's `id`, or surfaceN. */
export function surfaceIds(session: Session): string[] {
  return session.surfaces.map((s, i) => s.id ?? `surface${i + 1}`);
}

/** A mapping path: relative to the session file, else the working directory, else the shipped mappings. */
export function resolveMappingFile(session: Session, mapping: string): string {
  const candidates = [path.resolve(session.dir, mapping), path.resolve(mapping), path.join(SHIPPED, mapping), path.join(SHIPPED, `${mapping}.yaml`)];
  return candidates.find((c) => fs.existsSync(c)) ?? candidates[0]!;
}
