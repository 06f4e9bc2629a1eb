/**
 * Surfaces plugged in while faderd runs. Every `pollMs` the MIDI input ports are listed; a port that
 * a shipped mapping claims (Mackie Control and its extender, nanoKONTROL2) gets that mapping as a
 * surface of its own, and a port that goes away takes its surface with it: the mapping stops, the
 * transport closes, its status param reads false. The same port coming back is attached again (and
 * the surface is sent everything on connection, as at start).
 *
 * Where the platform has no MIDI subsystem the first listing says so; that is logged once and the
 * watcher stops listing (each RtMidi attempt prints the same ALSA errors again).
 */
import path from 'node:path';
import type { Logger } from 'pino';
import type { SurfaceSpec } from '../params/session.ts';
import type { listMidiPorts } from '../surfaces/midi/ports.ts';
import { matchShipped, shippedMappings, type ShippedMapping } from '../mapping/file/shipped.ts';

/** What the watcher needs of the running surfaces. */
export interface SurfaceHost {
  /**
   * Starts a surface; returns why it could not start, or undefined. `watched`: the watcher notices
   * the port going, so the transport need not look for it as often.
   */
  attach(spec: SurfaceSpec & { readonly id: string }, watched?: boolean): string | undefined;
  detach(id: string): Promise<void>;
  /** Whether a surface with this id runs (its id is taken). */
  has(id: string): boolean;
}

export interface HotplugOptions {
  /** Lists the MIDI ports (the daemon's discovery seam). */
  readonly midiPorts: typeof listMidiPorts;
  /** How often ports are listed; default 2000 ms. */
  readonly pollMs?: number;
  readonly log: Logger;
  /** Called once when the platform turns out to have no MIDI at all. */
  readonly onUnavailable?: (reason: string) => void;
}

/** The surface id of an automatically loaded shipped mapping: its file name, `-ext` for an extender. */
export function autoSurfaceId(m: ShippedMapping): string {
  return path.basename(m.file, '.yaml') + (m.options?.stripOffset ? '-ext' : '');
}

/** The ids automatic surfaces start from, one per shipped mapping that may load by itself (status params exist for these). */
export function autoSurfaceIds(): string[] {
  return [...new Set(shippedMappings().filter((m) => m.auto && m.match.transport === 'midi').map(autoSurfaceId))];
}

export class SurfaceWatcher {
  /** MIDI input port → the surface attached for it. */
  private readonly byPort = new Map<string, string>();
  /** Ports whose mapping could not start: not retried until they go away and come back. */
  private readonly refused = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private pending: Promise<void> = Promise.resolve();

  constructor(
    private readonly host: SurfaceHost,
    private readonly opts: HotplugOptions,
  ) {}

  /** Lists the ports now (or takes a listing already made) and attaches or detaches to match. */
  scan(listing: ReturnType<typeof listMidiPorts> = this.opts.midiPorts()): void {
    if (this.stopped) return;
    if ('unavailable' in listing) {
      this.opts.onUnavailable?.(listing.unavailable);
      this.stopped = true;
      this.stopTimer();
      return;
    }
    const present = new Set(listing.inputs);
    for (const [port, id] of [...this.byPort]) {
      if (present.has(port)) continue;
      this.byPort.delete(port);
      this.opts.log.info({ surface: id, port }, `surface ${id} detached: MIDI port "${port}" went away`);
      this.pending = this.pending.then(() => this.host.detach(id)).catch((e: unknown) => this.opts.log.warn({ surface: id }, `detaching surface ${id}: ${(e as Error).message}`));
    }
    for (const port of this.refused) if (!present.has(port)) this.refused.delete(port);
    for (const port of listing.inputs) {
      if (this.byPort.has(port) || this.refused.has(port)) continue;
      const [found] = matchShipped([port]);
      if (!found) continue;
      const id = this.freeId(autoSurfaceId(found.mapping));
      const spec = { mapping: found.mapping.file, id, device: found.device, ...(found.mapping.options ? { options: { ...found.mapping.options } } : {}) };
      const problem = this.host.attach(spec, true);
      if (problem) {
        this.refused.add(port);
        continue;
      }
      this.byPort.set(port, id);
      this.opts.log.info({ surface: id, port }, `surface ${id} attached: ${found.mapping.name} on MIDI port "${port}"`);
    }
  }

  private freeId(base: string): string {
    const taken = (id: string): boolean => this.host.has(id) || [...this.byPort.values()].includes(id);
    let id = base;
    for (let n = 2; taken(id); n++) id = `${base}${n}`;
    return id;
  }

  /** Polls from now on. */
  start(): void {
    if (this.stopped || this.timer) return;
    this.timer = setInterval(() => this.scan(), this.opts.pollMs ?? 2000);
    this.timer.unref();
  }

  private stopTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Stops polling and waits for detaches in progress; the surfaces themselves are closed by their owner. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.stopTimer();
    await this.pending;
  }

  /** The surfaces attached by the watcher, by port. */
  get attached(): ReadonlyMap<string, string> {
    return this.byPort;
  }
}
