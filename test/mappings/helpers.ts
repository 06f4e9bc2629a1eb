import path from 'node:path';
import { VirtualAction, VirtualTimeScheduler } from 'rxjs';
import { parseSession } from '../../src/params/session.ts';
import { ParamRegistry } from '../../src/params/registry.ts';
import { ParamStore } from '../../src/params/store.ts';
import { compileMapping, type CompiledMapping } from '../../src/mapping/binding/compile.ts';
import { loadMapping } from '../../src/mapping/file/load.ts';
import { MAPPINGS_DIR } from '../../src/mapping/file/shipped.ts';
import { TimedSurface } from '../mapping/helpers.ts';

export const MAPPINGS = MAPPINGS_DIR;

export function sessionStore(yaml = 'channels: 16\nbuses: 2\n'): ParamStore {
  return new ParamStore(ParamRegistry.fromSession(parseSession(yaml, 'test.yaml')));
}

/**
 * Virtual time that only moves when told: a mapping with periodic meter refresh never runs out of
 * timers, so "run everything" would never end.
 */
export class Clock extends VirtualTimeScheduler {
  constructor() {
    super(VirtualAction, 0);
  }
  /** Runs every timer due within the next `ms` of virtual time. */
  advance(ms: number): void {
    this.maxFrames = this.frame + ms;
    this.flush();
    this.frame = this.maxFrames;
  }
}

export interface Unit {
  readonly surface: TimedSurface;
  readonly compiled: CompiledMapping;
  /** Runs timers due within `ms` (default: one feedback period) and returns what was sent, as hex. */
  flush(ms?: number): string[];
  /** Runs timers due within `ms`, leaving what was sent in `surface.sent`. */
  advance(ms?: number): void;
}

/** Compiles a shipped mapping onto a memory surface with a virtual clock. */
export function unit(file: string, store: ParamStore, clock: Clock, opts: { id?: string; options?: Record<string, unknown> } = {}): Unit {
  const m = loadMapping(path.join(MAPPINGS, file), opts.options);
  const surface = new TimedSurface(clock);
  const compiled = compileMapping(m, store, surface, { id: opts.id ?? 'x', scheduler: clock });
  return {
    surface,
    compiled,
    flush(ms = 100) {
      clock.advance(ms);
      return surface.takeHex();
    },
    advance(ms = 100) {
      clock.advance(ms);
    },
  };
}

export const hex = (...b: number[]): string => b.map((x) => x.toString(16).toUpperCase().padStart(2, '0')).join(' ');
/** MCU LCD SysEx for `text` (padded to 7) at `offset`. */
export const lcd = (offset: number, text: string, deviceId = 0x14): string =>
  hex(0xf0, 0x00, 0x00, 0x66, deviceId, 0x12, offset, ...text.padEnd(7, ' ').split('').map((c) => c.charCodeAt(0)), 0xf7);
