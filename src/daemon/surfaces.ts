/**
 * The session's control surfaces: for each, its mapping file, the transport its device description
 * asks for, a MappingHost that joins them to the store (and hot-reloads the file when it changes),
 * and the /surface/ID/connected status param. A surface whose mapping is bad is refused with
 * file:line:col and the others still start; a missing device is not an error (transports wait).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import type { Subscription } from 'rxjs';
import type { ParamStore } from '../params/store.ts';
import type { Session, SurfaceSpec } from '../params/session.ts';
import { MappingHost, resolveDevice } from '../mapping/host.ts';
import { loadMapping } from '../mapping/file/load.ts';
import { createTransport } from '../surfaces/index.ts';
import type { SurfaceTransport } from '../surfaces/types.ts';
import { ConfigError, formatIssue } from '../util/source-error.ts';
import { matchShipped } from '../mapping/file/shipped.ts';
import type { listMidiPorts } from '../surfaces/midi/ports.ts';

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

/**
 * DESIGN "Defaults": a session that lists no surfaces gets the shipped mappings whose devices are
 * connected now (one per MIDI input port that a shipped mapping claims). Returns the session with
 * those surfaces, and what to log once: why MIDI is unavailable, or what was found.
 */
export function withAutoSurfaces(session: Session, ports: ReturnType<typeof listMidiPorts>): { session: Session; unavailable?: string; found?: string } {
  if (!session.autoSurfaces || session.surfaces.length > 0) return { session };
  if ('unavailable' in ports) return { session, unavailable: `${ports.unavailable}; OSC and serial surfaces still work` };
  const found = matchShipped(ports.inputs);
  if (found.length === 0) return { session };
  const taken = new Set<string>();
  const surfaces: SurfaceSpec[] = found.map((m) => {
    const base = path.basename(m.mapping.file, '.yaml') + (m.mapping.options?.stripOffset ? '-ext' : '');
    let id = base;
    for (let n = 2; taken.has(id); n++) id = `${base}${n}`;
    taken.add(id);
    return { mapping: m.mapping.file, id, device: m.device, ...(m.mapping.options ? { options: { ...m.mapping.options } } : {}) };
  });
  return { session: { ...session, surfaces }, found: `connected surfaces: ${found.map((m) => m.mapping.name).join(', ')}` };
}

interface Running {
  readonly id: string;
  readonly host: MappingHost;
  readonly transport: SurfaceTransport;
  readonly sub: Subscription;
}

export class SurfaceSet {
  private running: Running[] = [];

  constructor(
    private readonly store: ParamStore,
    private readonly log: Logger,
  ) {}

  /** Starts every surface it can; returns one message per surface that could not start. */
  start(session: Session): string[] {
    const problems: string[] = [];
    const ids = surfaceIds(session);
    session.surfaces.forEach((spec, i) => {
      const id = ids[i]!;
      try {
        this.running.push(this.startOne(session, spec, id));
      } catch (e) {
        const msg = e instanceof ConfigError ? e.issues.map(formatIssue).join('\n') : `surface ${id}: ${(e as Error).message}`;
        this.log.error({ surface: id }, msg);
        problems.push(msg);
      }
    });
    return problems;
  }

  private startOne(session: Session, spec: SurfaceSpec, id: string): Running {
    const file = resolveMappingFile(session, spec.mapping);
    const mapping = loadMapping(file, spec.options);
    const transport = createTransport(id, resolveDevice(mapping, spec.device));
    const host = new MappingHost(file, this.store, transport, { id, ...(spec.device ? { deviceOverride: { ...spec.device } } : {}), ...(spec.options ? { options: spec.options } : {}) });
    try {
      host.start();
    } catch (e) {
      void transport.close();
      throw e;
    }
    host.watch();
    const address = `/surface/${id}/connected`;
    const sub = transport.connected$.subscribe((c) => {
      if (this.store.registry.has(address)) this.store.set(address, c, 'engine', { internal: true });
    });
    return { id, host, transport, sub };
  }

  get ids(): string[] {
    return this.running.map((r) => r.id);
  }

  /** Stops every surface, last started first. */
  async close(): Promise<void> {
    const all = this.running.reverse();
    this.running = [];
    for (const r of all) {
      r.sub.unsubscribe();
      r.host.dispose();
      await r.transport.close().catch((e: unknown) => this.log.warn({ surface: r.id }, `closing surface: ${(e as Error).message}`));
    }
  }
}
