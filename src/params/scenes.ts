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
import { ConfigError } from '../util/source-error.ts';
import { logger } from '../util/log.ts';

const log = logger(import.meta.url);
export const SCENE_VERSION = 1;
const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9 _.+-]{0,63}$/;

export class SceneError extends Error {}

export function checkSceneName(name: string): string {
  const n = name.trim();
  if (!NAME_RE.test(n)) throw new SceneError(`invalid scene name ${JSON.stringify(name)}: use 1-64 letters, digits, space, _ . + - (starting with a letter or digit)`);
  return n;
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

  constructor(
    private readonly params: ParamStore,
    stateDir: string,
  ) {
    this.dir = path.join(stateDir, 'scenes');
  }

  fileOf(name: string): string {
    return path.join(this.dir, `${checkSceneName(name)}.yaml`);
  }

  list(): string[] {
    if (!fs.existsSync(this.dir)) return [];
    return fs
      .readdirSync(this.dir)
      .filter((f) => f.endsWith('.yaml') && !f.startsWith('.'))
      .map((f) => f.slice(0, -5))
      .sort((a, b) => a.localeCompare(b));
  }

  /** Stores the current mix (everything persistent) under a name; overwrites an existing scene. */
  store(name: string): string {
    const file = this.fileOf(name);
    // The YAML is ours (read back byte for byte); the previous file is parsed before it becomes the .bak.
    writeFileAtomic(file, sceneYaml(checkSceneName(name), this.params.snapshot()), { keepBackup: true, validate: (t) => void parseScene(t, file), validateNew: false });
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
      scene = parseScene(fs.readFileSync(file, 'utf8'), file);
    } catch (e) {
      const bak = `${file}.bak`;
      if (!fs.existsSync(bak)) throw e;
      try {
        scene = parseScene(fs.readFileSync(bak, 'utf8'), bak);
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
              for (const w of r.warnings) log.warn(w);
            }
          } catch (e) {
            log.warn({ scene: name, origin: c.origin }, (e as Error).message);
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
