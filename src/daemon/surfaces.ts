/**
 * The session's control surfaces: for each, its mapping file, the transport its device description
 * asks for, a MappingHost that joins them to the store (and hot-reloads the file when it changes),
 * and the /surface/ID/connected status param. A surface whose mapping is bad is refused with
 * file:line:col and the others still start; a missing device is not an error (transports wait).
 * A session that lists no surfaces gets the shipped mappings of MIDI surfaces as they come and go
 * (hotplug.ts).
 */
import type { Logger } from 'pino';
import type { Subscription } from 'rxjs';
import type { ParamStore } from '../params/store.ts';
import type { Session, SurfaceSpec } from '../params/session.ts';
import { MappingHost, resolveDevice } from '../mapping/host.ts';
import { loadMapping } from '../mapping/file/load.ts';
import { createTransport } from '../surfaces/index.ts';
import type { SurfaceTransport } from '../surfaces/types.ts';
import { ConfigError, formatIssue } from '../util/source-error.ts';
import { listMidiPorts } from '../surfaces/midi/ports.ts';
import type { TransportOptions } from '../surfaces/index.ts';
import { SurfaceWatcher, type SurfaceHost } from './hotplug.ts';
import { resolveMappingFile, surfaceIds } from './surface-files.ts';

export { resolveMappingFile, surfaceIds };

interface Running {
  readonly id: string;
  readonly host: MappingHost;
  readonly transport: SurfaceTransport;
  readonly sub: Subscription;
}

export interface SurfaceSetOptions {
  /** Where transports find their devices (tests pass a simulated MIDI backend or serial port list). */
  readonly transports?: TransportOptions;
  /** MIDI port discovery for shipped mappings loaded by themselves (the daemon's seam). */
  readonly midiPorts?: typeof listMidiPorts;
  /** How often MIDI ports are listed for surfaces plugged in while running; default 2000 ms. */
  readonly hotplugPollMs?: number;
}

/**
 * The running surfaces: the session's, and (for a session that lists none) the shipped mapping of
 * every MIDI surface that is connected now or plugged in later, detached again when it goes.
 */
export class SurfaceSet implements SurfaceHost {
  private running: Running[] = [];
  private session: Session | undefined;
  private watcher: SurfaceWatcher | undefined;

  constructor(
    private readonly store: ParamStore,
    private readonly log: Logger,
    private readonly opts: SurfaceSetOptions = {},
  ) {}

  /** Starts every surface it can; returns one message per surface that could not start. */
  start(session: Session): string[] {
    this.session = session;
    const problems: string[] = [];
    const ids = surfaceIds(session);
    session.surfaces.forEach((spec, i) => {
      const problem = this.attach({ ...spec, id: ids[i]! });
      if (problem) problems.push(problem);
    });
    if (session.autoSurfaces && session.surfaces.length === 0) {
      const pollMs = this.opts.hotplugPollMs ?? 2000;
      this.watcher = new SurfaceWatcher(this, {
        midiPorts: this.opts.midiPorts ?? (() => listMidiPorts(this.opts.transports?.midi?.backend)),
        pollMs,
        log: this.log,
        onUnavailable: (reason) => this.log.warn(`${reason}; OSC and serial surfaces still work`),
      });
      this.watcher.scan();
      this.watcher.start();
    }
    return problems;
  }

  /** Starts one surface; returns why it could not (also logged), or undefined. */
  attach(spec: SurfaceSpec & { readonly id: string }, watched = false): string | undefined {
    const id = spec.id;
    try {
      this.running.push(this.startOne(this.session!, spec, id, watched));
      return undefined;
    } catch (e) {
      const msg = e instanceof ConfigError ? e.issues.map(formatIssue).join('\n') : `surface ${id}: ${(e as Error).message}`;
      this.log.error({ surface: id }, msg);
      return msg;
    }
  }

  has(id: string): boolean {
    return this.running.some((r) => r.id === id);
  }

  private startOne(session: Session, spec: SurfaceSpec, id: string, watched: boolean): Running {
    const file = resolveMappingFile(session, spec.mapping);
    const mapping = loadMapping(file, spec.options);
    // A watched port's going is the watcher's to notice (it detaches the surface and says so once).
    const transports = watched ? { ...this.opts.transports, midi: { ...this.opts.transports?.midi, pollMs: 10 * (this.opts.hotplugPollMs ?? 2000) } } : this.opts.transports;
    const transport = createTransport(id, resolveDevice(mapping, spec.device), transports);
    const host = new MappingHost(file, this.store, transport, { id, ...(spec.device ? { deviceOverride: { ...spec.device } } : {}), ...(spec.options ? { options: spec.options } : {}) });
    try {
      host.start();
    } catch (e) {
      void transport.close();
      throw e;
    }
    host.watch();
    const sub = transport.connected$.subscribe((c) => this.setConnected(id, c));
    return { id, host, transport, sub };
  }

  private setConnected(id: string, connected: boolean): void {
    const address = `/surface/${id}/connected`;
    if (this.store.registry.has(address)) this.store.set(address, connected, 'engine', { internal: true });
  }

  /** Stops one surface: its mapping ends, its transport closes, its status reads disconnected. */
  async detach(id: string): Promise<void> {
    const r = this.running.find((x) => x.id === id);
    if (!r) return;
    this.running = this.running.filter((x) => x !== r);
    await this.stopOne(r);
    this.setConnected(id, false);
  }

  private async stopOne(r: Running): Promise<void> {
    r.sub.unsubscribe();
    r.host.dispose();
    await r.transport.close().catch((e: unknown) => this.log.warn({ surface: r.id }, `closing surface: ${(e as Error).message}`));
  }

  get ids(): string[] {
    return this.running.map((r) => r.id);
  }

  /** Stops watching for new surfaces, then stops every surface, last started first. */
  async close(): Promise<void> {
    await this.watcher?.stop();
    this.watcher = undefined;
    const all = this.running.reverse();
    this.running = [];
    for (const r of all) await this.stopOne(r);
  }
}
