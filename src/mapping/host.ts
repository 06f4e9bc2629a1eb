/**
 * Hot reload of one mapping file on one surface. reload() parses the file again; a file with an error
 * is refused (its issues returned, with file:line:col) and the running mapping keeps running; a good
 * file replaces it, and the new one resyncs the surface.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { ParamStore } from '../params/store.ts';
import type { SurfaceTransport } from '../surfaces/types.ts';
import { logger } from '../util/log.ts';
import { ConfigError, formatIssue, type SourceIssue } from '../util/source-error.ts';
import { compileMapping, type CompileOptions, type CompiledMapping } from './binding/compile.ts';
import { resolveDevice } from './file/device.ts';
import { loadMapping } from './file/load.ts';
import type { MappingFile } from './file/types.ts';

export { resolveDevice } from './file/device.ts';

const log = logger(import.meta.url);
const DEBOUNCE_MS = 150;

export type HostOptions = CompileOptions & {
  readonly deviceOverride?: Record<string, unknown>;
  /** The session's `options:` for this surface: overrides of the mapping's declared options. */
  readonly options?: Readonly<Record<string, unknown>>;
};

export class MappingHost {
  private current: CompiledMapping | undefined;
  /** The file the running mapping was compiled from: recompiled if a new one fails to compile. */
  private loaded: MappingFile | undefined;
  private watcher: fs.FSWatcher | undefined;
  private debounce: NodeJS.Timeout | undefined;

  constructor(
    readonly file: string,
    private readonly store: ParamStore,
    private readonly transport: SurfaceTransport,
    private readonly opts: HostOptions,
  ) {}

  /** The running mapping, if any. */
  get compiled(): CompiledMapping | undefined {
    return this.current;
  }

  /** Loads and starts the mapping; throws ConfigError if the file is bad (nothing runs then). */
  start(): void {
    const r = this.reload();
    if (!r.ok) throw new ConfigError(r.issues);
  }

  /**
   * Loads the file again. Any failure (a refused file, or an unexpected error while compiling) keeps
   * the previous mapping running and returns the issues: this runs from a file watcher during a show,
   * so it never throws.
   */
  reload(): { ok: true } | { ok: false; issues: SourceIssue[] } {
    let mapping: MappingFile;
    try {
      mapping = loadMapping(this.file, this.opts.options);
      resolveDevice(mapping, this.opts.deviceOverride);
    } catch (e) {
      return this.refuse(e instanceof ConfigError ? [...e.issues] : [{ file: this.file, line: 1, col: 1, message: `cannot load: ${(e as Error).message}` }]);
    }
    this.current?.dispose();
    this.current = undefined;
    try {
      this.current = compileMapping(mapping, this.store, this.transport, this.opts);
    } catch (e) {
      const issues = e instanceof ConfigError ? [...e.issues] : [{ file: this.file, line: 1, col: 1, message: `cannot compile: ${(e as Error).message}` }];
      if (this.loaded) {
        try {
          this.current = compileMapping(this.loaded, this.store, this.transport, this.opts);
        } catch (again) {
          log.error({ file: this.file, err: (again as Error).message }, 'the previous mapping could not be restored');
        }
      }
      return this.refuse(issues);
    }
    this.loaded = mapping;
    // After a refusal (a warning), the fix is said at the same level, or the user never learns it took.
    if (this.refused) log.warn({ file: this.file, surface: this.opts.id }, 'mapping corrected: the new file is loaded and running');
    else log.info({ file: this.file, surface: this.opts.id }, 'mapping loaded');
    this.refused = false;
    return { ok: true };
  }

  /** The last load was refused: the next good one says so loudly. */
  private refused = false;

  private refuse(issues: SourceIssue[]): { ok: false; issues: SourceIssue[] } {
    this.refused = true;
    log.warn({ file: this.file, issues: issues.map(formatIssue) }, this.current ? 'mapping refused; the previous one keeps running' : 'mapping refused');
    return { ok: false, issues };
  }

  /**
   * Reloads when the file changes. Watches its folder, not the file: editors that save by writing a
   * new file and renaming it over the old one would leave a file watch on a deleted inode. Editors
   * write in bursts, hence the debounce.
   */
  watch(): void {
    if (this.watcher) return;
    const name = path.basename(this.file);
    this.watcher = fs.watch(path.dirname(path.resolve(this.file)), (_event, changed) => {
      if (changed !== null && changed.toString() !== name) return;
      clearTimeout(this.debounce);
      this.debounce = setTimeout(() => {
        this.debounce = undefined;
        if (this.watcher) this.reload();
      }, DEBOUNCE_MS);
    });
    this.watcher.on('error', (e) => log.warn({ file: this.file, err: e.message }, 'cannot watch mapping file'));
  }

  dispose(): void {
    clearTimeout(this.debounce);
    this.watcher?.close();
    this.watcher = undefined;
    this.current?.dispose();
    this.current = undefined;
  }
}
