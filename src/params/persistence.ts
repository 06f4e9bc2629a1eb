/**
 * Live state: the mix autosaves (at most `autosaveMs` after the first unsaved change, atomically) and
 * is restored on the next start. A corrupt or truncated state file is set aside with a clear message
 * and the last good copy (`state.json.bak`) is used instead; failing that, defaults.
 *
 * Format (JSON, versioned): { "format": "faderd-state", "version": 1, "session": "...", "saved":
 * ISO time, "scene": last stored or recalled scene (optional), "params": { address: value } } with
 * -inf written as the string "-inf".
 *
 * A save that fails (disk full, read-only) leaves the previous file as it was; the manager remembers
 * which params changed since the last good save, so a failed final save can say what was lost.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Subscription } from 'rxjs';
import { isPersistent, type ParamStore } from './store.ts';
import type { ParamValue } from './registry.ts';
import type { Session } from './session.ts';
import { setAside, writeFileAtomic } from './atomic-file.ts';
import { logger } from '../util/log.ts';
import { readRegularText } from '../util/read-file.ts';

const log = logger(import.meta.url);
export const STATE_FORMAT = 'faderd-state';
export const STATE_VERSION = 1;
export const STATE_FILE = 'state.json';

/** Where a session's state and scenes live: FADERD_STATE_DIR, the session's `state.dir`, or XDG state. */
export function defaultStateDir(session: Session): string {
  if (process.env.FADERD_STATE_DIR) return path.resolve(process.env.FADERD_STATE_DIR);
  if (session.state.dir) return path.resolve(session.dir, session.state.dir);
  const base = process.env.XDG_STATE_HOME || path.join(os.homedir(), '.local', 'state');
  const slug = session.name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'default';
  return path.join(base, 'faderd', slug);
}

export function encodeValues(values: Record<string, ParamValue>): Record<string, ParamValue> {
  const out: Record<string, ParamValue> = {};
  for (const [k, v] of Object.entries(values)) out[k] = v === -Infinity ? '-inf' : v;
  return out;
}

export class StateFormatError extends Error {}

/** Parses a state file's text; throws StateFormatError saying what is wrong. */
export function parseStateText(text: string): { session?: string; scene?: string; saved?: string; params: Record<string, unknown> } {
  let js: unknown;
  try {
    js = JSON.parse(text);
  } catch (e) {
    throw new StateFormatError(`not valid JSON (${(e as Error).message})`);
  }
  if (!js || typeof js !== 'object' || Array.isArray(js)) throw new StateFormatError('not a faderd state object');
  const o = js as Record<string, unknown>;
  if (o.format !== STATE_FORMAT) throw new StateFormatError(`format is ${JSON.stringify(o.format)}, expected "${STATE_FORMAT}"`);
  if (typeof o.version !== 'number' || !Number.isInteger(o.version)) throw new StateFormatError('missing version');
  if (o.version > STATE_VERSION) throw new StateFormatError(`version ${o.version} is newer than this faderd understands (${STATE_VERSION})`);
  if (!o.params || typeof o.params !== 'object' || Array.isArray(o.params)) throw new StateFormatError('missing params');
  return {
    ...(typeof o.session === 'string' ? { session: o.session } : {}),
    ...(typeof o.scene === 'string' && o.scene !== '' ? { scene: o.scene } : {}),
    ...(typeof o.saved === 'string' ? { saved: o.saved } : {}),
    params: o.params as Record<string, unknown>,
  };
}

/** Largest magnitude a saved number may plausibly have (Hz, ms, dB all fit): beyond it, corruption. */
const PLAUSIBLE = 1e6;

function implausible(raw: unknown): boolean {
  const n = typeof raw === 'number' ? raw : typeof raw === 'string' ? Number(raw) : NaN;
  return Number.isFinite(n) && Math.abs(n) > PLAUSIBLE;
}

/**
 * Applies address → raw value pairs as one batch. Entries that are unknown or invalid are skipped with
 * a warning each (a session that changed since the file was written must not stop the rest).
 */
export function applyValues(store: ParamStore, values: Record<string, unknown>, origin: string, source: string): { applied: number; warnings: string[] } {
  const ok: Array<[string, unknown]> = [];
  const warnings: string[] = [];
  for (const [address, raw] of Object.entries(values)) {
    const def = store.registry.get(address);
    if (!def) {
      warnings.push(`${source}: skipped unknown param ${address}`);
      continue;
    }
    if (def.readOnly || def.action) {
      warnings.push(`${source}: skipped read-only param ${address}`);
      continue;
    }
    try {
      // A number absurdly beyond any range in a file is a corrupt or hostile value (1e308), not a move
      // to clamp; one just above the range (+10 dB over a -3 dB safety ceiling) is clamped as a move is.
      store.coerce(def, raw, { strict: def.type === 'number' && implausible(raw) });
      ok.push([address, raw]);
    } catch (e) {
      warnings.push(`${source}: skipped ${address}: ${(e as Error).message}`);
    }
  }
  store.batch(ok, origin);
  return { applied: ok.length, warnings };
}

export class StateManager {
  readonly file: string;
  private readonly autosaveMs: number;
  private sub: Subscription | undefined;
  private timer: NodeJS.Timeout | undefined;
  private dirty = false;
  private writable = true;
  /** Persistent params changed since the last good save: what a failed final save loses. */
  private readonly unsaved = new Set<string>();
  /** Why the last save failed (undefined after a good one). */
  lastError: string | undefined;
  /** Saves done since start (for status and tests). */
  saves = 0;

  constructor(
    private readonly store: ParamStore,
    readonly dir: string,
    opts: { autosaveMs?: number; sessionName?: string } = {},
  ) {
    this.file = path.join(dir, STATE_FILE);
    this.autosaveMs = opts.autosaveMs ?? 500;
    this.sessionName = opts.sessionName ?? '';
  }
  private readonly sessionName: string;

  /**
   * Loads the state file (or its last good copy) into the store as one batch with origin `state`, and
   * the last stored or recalled scene's name into `/scene/current`.
   */
  restore(): { restored: number; warnings: string[]; from?: string } {
    const warnings: string[] = [];
    for (const candidate of [this.file, `${this.file}.bak`]) {
      if (!fs.existsSync(candidate)) continue;
      let parsed;
      try {
        parsed = parseStateText(readRegularText(candidate, 'state file'));
      } catch (e) {
        const moved = setAside(candidate, 'corrupt');
        warnings.push(`${candidate} is unusable (${(e as Error).message}); moved it to ${moved}`);
        continue;
      }
      // Say plainly that the older copy is in use: the mix is as it was one save earlier.
      if (candidate !== this.file) warnings.push(`restored the last good copy ${candidate}${parsed.saved ? ` (saved ${parsed.saved})` : ''}`);
      const r = applyValues(this.store, parsed.params, 'state', candidate);
      warnings.push(...r.warnings);
      if (parsed.scene !== undefined && this.store.registry.get('/scene/current')) this.store.set('/scene/current', parsed.scene, 'state', { internal: true });
      for (const w of warnings) log.warn(w);
      return { restored: r.applied, warnings, from: candidate };
    }
    if (warnings.length) warnings.push('no good saved state left; starting from the session\'s values');
    for (const w of warnings) log.warn(w);
    return { restored: 0, warnings };
  }

  /** Starts autosave: a save at most `autosaveMs` after the first unsaved change. */
  start(): void {
    if (this.sub) return;
    this.sub = this.store.changes$.subscribe((batch) => {
      let persistent = false;
      for (const c of batch) {
        if (!isPersistent(c.def) && c.address !== '/scene/current') continue;
        persistent = true;
        this.unsaved.add(c.address);
      }
      if (!persistent) return;
      this.dirty = true;
      if (!this.timer) this.timer = setTimeout(() => this.flushQuietly(), this.autosaveMs);
    });
  }

  private flushQuietly(): void {
    this.timer = undefined;
    try {
      this.flush();
    } catch (e) {
      if (this.writable) log.error({ file: this.file }, `${(e as Error).message}; running in memory until the disk is writable`);
      this.writable = false;
    }
  }

  /** Saves now, synchronously (used on shutdown and by the autosave timer); throws AtomicWriteError. */
  flush(): void {
    const scene = this.store.registry.get('/scene/current') ? String(this.store.get('/scene/current')) : '';
    const body = {
      format: STATE_FORMAT,
      version: STATE_VERSION,
      session: this.sessionName,
      saved: new Date().toISOString(),
      ...(scene ? { scene } : {}),
      params: encodeValues(this.store.snapshot()),
    };
    try {
      writeFileAtomic(this.file, JSON.stringify(body, null, 1) + '\n', { keepBackup: true, validate: (t) => void parseStateText(t) });
    } catch (e) {
      this.lastError = (e as Error).message;
      throw e;
    }
    this.dirty = false;
    this.unsaved.clear();
    this.lastError = undefined;
    this.saves++;
    if (!this.writable) log.warn({ file: this.file }, 'state saves work again');
    this.writable = true;
  }

  /** Params changed since the last good save (empty when everything is on disk). */
  get unsavedAddresses(): string[] {
    return [...this.unsaved].sort();
  }

  /** Where the newest complete state on disk is, with its save time, or undefined when there is none. */
  lastGood(): { file: string; saved?: string } | undefined {
    for (const f of [this.file, `${this.file}.bak`]) {
      try {
        const p = parseStateText(fs.readFileSync(f, 'utf8'));
        return { file: f, ...(p.saved ? { saved: p.saved } : {}) };
      } catch {
        // Missing or unusable: try the older copy.
      }
    }
    return undefined;
  }

  get pending(): boolean {
    return this.dirty;
  }

  /** Stops autosave; saves what is pending first. */
  stop(): void {
    this.sub?.unsubscribe();
    this.sub = undefined;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.dirty) this.flushQuietly();
  }
}
