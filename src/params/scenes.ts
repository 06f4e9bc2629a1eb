/**
 * Scenes: named snapshots of the mix, one readable YAML file each in `<state dir>/scenes/`, so a
 * user can copy, diff and hand-edit them. Each store keeps the previous good version as
 * `<name>.yaml.bak`, and recall falls back to it (with a warning) when the file no longer parses. Recall is one batch (origin `scene`), so every surface sees
 * one consistent jump. Writing a name to `/scene/store` or `/scene/recall` does the same from any
 * surface.
 */
import fs from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import type { Subscription } from 'rxjs';
import type { ParamStore } from './store.ts';
import type { ParamValue } from './registry.ts';
import { writeFileAtomic } from './atomic-file.ts';
import { applyValues } from './persistence.ts';
import { YamlSource } from '../util/yaml-source.ts';
import { FILE_LIMITS, readRegularText } from '../util/read-file.ts';
import { ConfigError } from '../util/source-error.ts';
import { SceneError } from './errors.ts';
import { logger, RateLimitedLog } from '../util/log.ts';

export { SceneError };

const log = logger(import.meta.url);
export const SCENE_VERSION = 1;
/** Scenes a library holds at most: new names past it are refused (any client can store one). */
export const MAX_SCENES = 500;
/** Control, format and unassigned characters, and line breaks: everything a name may not hold. */
const UNPRINTABLE = /[\p{C}\p{Zl}\p{Zp}]/u;
/** Characters kept as they are in a scene's file name; every other one is percent-encoded (UTF-8). */
const FILE_SAFE = /[A-Za-z0-9 _+.-]/;
/** Longest file name (bytes) a scene may need: below the 255 of common file systems, with room for `.yaml`. */
const MAX_FILE_NAME = 240;

/**
 * A scene name: any printable Unicode, 1-64 characters, trimmed and in NFC (so "é" typed either way is
 * one scene). Returns the name as stored.
 */
export function checkSceneName(name: string): string {
  const n = name.trim().normalize('NFC');
  const chars = [...n].length;
  if (chars < 1 || chars > 64 || UNPRINTABLE.test(n)) {
    throw new SceneError(`invalid scene name ${JSON.stringify(name)}: use 1-64 printable characters (letters of any script, digits, spaces, punctuation)`);
  }
  if (sceneFileStem(n).length > MAX_FILE_NAME) throw new SceneError(`invalid scene name ${JSON.stringify(name)}: too long for a file name; shorten it`);
  return n;
}

/**
 * The file name (without `.yaml`) of a scene: ASCII letters, digits, space and _ + - . as they are,
 * everything else percent-encoded, and a leading dot too, so any name is a safe, visible file name on
 * any file system, and the name reads back exactly (`Chorus é` ⇄ `Chorus %C3%A9.yaml`).
 */
export function sceneFileStem(name: string): string {
  let out = '';
  for (const ch of name) {
    if (FILE_SAFE.test(ch) && !(out === '' && ch === '.')) out += ch;
    else for (const b of Buffer.from(ch, 'utf8')) out += `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** The scene name a file name stands for; undefined for a file faderd did not name. */
export function sceneNameOfFile(stem: string): string | undefined {
  try {
    return decodeURIComponent(stem);
  } catch {
    return undefined;
  }
}

/** Parses a scene file's YAML; errors carry file:line:col. */
export function parseScene(text: string, file: string): { name: string; params: Record<string, unknown> } {
  const src = YamlSource.parse(text, file);
  const js = src.toJS() as Record<string, unknown> | null;
  if (!js || typeof js !== 'object' || Array.isArray(js)) throw new ConfigError([src.issue([], 'a scene file is a map with `version`, `name` and `params`')]);
  const issues = [];
  if (typeof js.version !== 'number' || js.version > SCENE_VERSION) issues.push(src.issue(['version'], `version must be ${SCENE_VERSION}`));
  if (!js.params || typeof js.params !== 'object' || Array.isArray(js.params)) issues.push(src.issue(['params'], 'params must be a map of address: value'));
  if (issues.length) throw new ConfigError(issues);
  return { name: typeof js.name === 'string' ? js.name : path.basename(file, '.yaml'), params: js.params as Record<string, unknown> };
}

export function sceneYaml(name: string, values: Record<string, ParamValue>): string {
  return (
    `# faderd scene. Edit values freely; unknown addresses are skipped on recall.\n` +
    stringify({ version: SCENE_VERSION, name, saved: new Date().toISOString(), params: values }, { lineWidth: 0 })
  );
}

export class SceneLibrary {
  readonly dir: string;
  private sub: Subscription | undefined;
  /** Failed store/recall requests: one line per client per interval, however fast a client asks. */
  private readonly failed = new RateLimitedLog(log, 'scene request failed');
  private readonly skipped = new RateLimitedLog(log, 'scene recalled with entries skipped');
  private readonly maxScenes: number;

  constructor(
    private readonly params: ParamStore,
    stateDir: string,
    opts: { maxScenes?: number } = {},
  ) {
    this.dir = path.join(stateDir, 'scenes');
    this.maxScenes = opts.maxScenes ?? MAX_SCENES;
  }

  fileOf(name: string): string {
    return path.join(this.dir, `${sceneFileStem(checkSceneName(name))}.yaml`);
  }

  list(): string[] {
    if (!fs.existsSync(this.dir)) return [];
    return fs
      .readdirSync(this.dir)
      .filter((f) => f.endsWith('.yaml') && !f.startsWith('.'))
      .flatMap((f) => sceneNameOfFile(f.slice(0, -5)) ?? [])
      .sort((a, b) => a.localeCompare(b));
  }

  /**
   * Stores the current mix (everything persistent) under a name; overwrites an existing scene. Any
   * client may ask (`/scene/store`), so a new name past MAX_SCENES, or a scene past the size a scene
   * file may be read back at, is refused rather than filling the disk.
   */
  store(name: string): string {
    const file = this.fileOf(name);
    if (!fs.existsSync(file) && this.list().length >= this.maxScenes) {
      throw new SceneError(`scene ${JSON.stringify(name)} not stored: there are already ${this.maxScenes} scenes (remove some, or store over an existing name)`);
    }
    const text = sceneYaml(checkSceneName(name), this.params.snapshot());
    if (Buffer.byteLength(text) > FILE_LIMITS.scene) throw new SceneError(`scene ${JSON.stringify(name)} not stored: ${Buffer.byteLength(text)} bytes is more than a scene may be`);
    // The YAML is ours (read back byte for byte); the previous file is parsed before it becomes the .bak.
    writeFileAtomic(file, text, { keepBackup: true, validate: (t) => void parseScene(t, file), validateNew: false });
    this.params.set('/scene/current', checkSceneName(name), 'scene', { internal: true });
    return file;
  }

  /** Recalls a scene as one batch; returns warnings for entries that were skipped. */
  recall(name: string): { applied: number; warnings: string[] } {
    const file = this.fileOf(name);
    if (!fs.existsSync(file)) throw new SceneError(`no scene named ${JSON.stringify(name)} (have: ${this.list().join(', ') || 'none'})`);
    let scene;
    let from = file;
    const fallback: string[] = [];
    try {
      scene = parseScene(readRegularText(file, 'scene'), file);
    } catch (e) {
      const bak = `${file}.bak`;
      if (!fs.existsSync(bak)) throw e;
      try {
        scene = parseScene(readRegularText(bak, 'scene'), bak);
      } catch {
        throw e;
      }
      from = bak;
      fallback.push(`${file} is unusable (${(e as Error).message.split('\n')[0]}); recalled its last good copy ${bak}`);
    }
    const r = applyValues(this.params, scene.params, 'scene', from);
    this.params.set('/scene/current', checkSceneName(name), 'scene', { internal: true });
    return { applied: r.applied, warnings: [...fallback, ...r.warnings] };
  }

  remove(name: string): void {
    const file = this.fileOf(name);
    if (!fs.existsSync(file)) throw new SceneError(`no scene named ${JSON.stringify(name)}`);
    fs.unlinkSync(file);
    fs.rmSync(`${file}.bak`, { force: true });
  }

  /** Listens to the `/scene/store` and `/scene/recall` action params. */
  bindActions(): void {
    if (this.sub) return;
    this.sub = this.params.changes$.subscribe((batch) => {
      for (const c of batch) {
        if (c.address !== '/scene/store' && c.address !== '/scene/recall') continue;
        const name = String(c.value);
        // Deferred: recall is itself a batch, and must not run inside another batch's emission.
        queueMicrotask(() => {
          try {
            if (c.address === '/scene/store') this.store(name);
            else {
              const r = this.recall(name);
              if (r.warnings.length) this.skipped.hit(`${c.origin}: ${name}: ${r.warnings.length} entries skipped: ${r.warnings.slice(0, 3).join('; ')}`, c.origin);
            }
          } catch (e) {
            this.failed.hit(`${c.origin}: ${(e as Error).message}`, c.origin);
          }
        });
      }
    });
  }

  dispose(): void {
    this.sub?.unsubscribe();
    this.sub = undefined;
  }
}
