/**
 * SIGHUP as a transaction. The session file is read and checked; every part that changed (OSC
 * listener, X32 server, web mixer, surfaces, params) is built and checked before anything running is
 * touched; only when all of that succeeded are the new parts swapped in. A reload that fails leaves
 * the running configuration complete, says why with the file position, and a later corrected reload
 * works. Requests are serialized: a SIGHUP during a reload runs one more reload after it.
 */
import type { Logger } from 'pino';
import type { Session } from '../params/session.ts';
import type { ParamStore } from '../params/store.ts';
import { loadMapping } from '../mapping/file/load.ts';
import { resolveMappingFile } from './surfaces.ts';
import { sessionFrom } from '../cli/session-option.ts';
import { ConfigError, formatIssue } from '../util/source-error.ts';
import { logger, notice } from '../util/log.ts';

const log = logger(import.meta.url);

export class ReloadError extends Error {}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** What changed between the running session and the re-read one. */
export interface SessionDiff {
  readonly needsRestart: string[];
  readonly osc: boolean;
  readonly http: boolean;
  readonly x32: boolean;
  readonly surfaces: boolean;
  readonly params: boolean;
}

export function diffSessions(prev: Session, next: Session): SessionDiff {
  const needsRestart: string[] = [];
  if (!same(prev.channels, next.channels) || !same(prev.buses, next.buses) || !same(prev.fx, next.fx) || !same(prev.master, next.master)) needsRestart.push('mixer layout');
  if (!same(prev.audio, next.audio)) needsRestart.push('audio');
  // The safety ceiling is fixed in the registry at start: raising it is a deliberate restart.
  if (!same(prev.safety, next.safety)) needsRestart.push('safety');
  if (!same(prev.state, next.state)) needsRestart.push('state');
  return {
    needsRestart,
    osc: !same(prev.osc, next.osc),
    http: !same(prev.http, next.http),
    x32: !same(prev.x32, next.x32),
    surfaces: !same(prev.surfaces, next.surfaces) || prev.autoSurfaces !== next.autoSurfaces,
    params: !same(prev.params, next.params),
  };
}

/** Loads every surface's mapping file of the new session; throws ConfigError (file:line:col) for a bad one. */
export function checkSurfaceMappings(session: Session): void {
  for (const spec of session.surfaces) loadMapping(resolveMappingFile(session, spec.mapping), spec.options);
}

/** Checks every value of the new session's params block against the running registry. */
export function checkParams(store: ParamStore, session: Session): void {
  const problems: string[] = [];
  for (const [address, raw] of Object.entries(session.params)) {
    const def = store.registry.get(address);
    if (!def) problems.push(`params: unknown param ${address}`);
    else if (def.readOnly || def.action) problems.push(`params: ${address} is read-only`);
    else {
      try {
        store.coerce(def, raw);
      } catch (e) {
        problems.push(`params: ${(e as Error).message}`);
      }
    }
  }
  if (problems.length) throw new ReloadError(`${session.file ?? '<session>'}: ${problems.join('; ')}`);
}

/**
 * Starts a listener on the address the old one just released; if that fails, starts the old
 * configuration again (`restore`) so the listener is never gone, and throws the reason.
 */
export async function swapIn<S extends { start(): Promise<void> }>(server: S, restore: () => S, set: (s: S | undefined) => void, log: Logger): Promise<void> {
  try {
    await server.start();
  } catch (e) {
    try {
      const back = restore();
      await back.start();
      set(back);
    } catch (e2) {
      set(undefined);
      log.error(`cannot restore the previous listener: ${(e2 as Error).message}`);
    }
    throw new ReloadError(`${(e as Error).message}; kept the previous settings`);
  }
}

/** The part of the daemon a reload drives. */
export interface Reloadable {
  reload(next: Session): Promise<{ applied: string[]; needsRestart: string[] }>;
}

/** Turns SIGHUPs into serialized reloads of the session file, with a notice for each outcome. */
export class Reloader {
  private running: Promise<void> | undefined;
  private again = false;
  /** Outcomes so far (for tests and status). */
  applied = 0;
  refused = 0;

  constructor(
    private readonly daemon: Reloadable,
    private readonly file: string | undefined,
  ) {}

  /** Reloads now, or once more after the reload in progress. */
  request(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        await this.once();
      } while (this.again);
      this.running = undefined;
    })();
    return this.running;
  }

  private async once(): Promise<void> {
    if (!this.file) {
      log.warn('SIGHUP: the embedded default session has no file to reload');
      return;
    }
    try {
      const next = sessionFrom(this.file);
      const r = await this.daemon.reload(next);
      this.applied++;
      const what = r.applied.length ? `applied ${r.applied.join(', ')}` : 'nothing changed that can change live';
      notice(`faderd: reload of ${this.file}: ${what}${r.needsRestart.length ? `; restart faderd to apply: ${r.needsRestart.join(', ')}` : ''}`, { event: 'reload', ...r });
    } catch (e) {
      this.refused++;
      // A broken file keeps the running session; say exactly where the problem is.
      const why = e instanceof ConfigError ? e.issues.map(formatIssue).join('\n') : (e as Error).message;
      notice(`faderd: reload refused, the running configuration is unchanged: ${why}`, { event: 'reload-refused', level: 40 });
    }
  }
}
