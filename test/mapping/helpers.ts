import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { VirtualTimeScheduler } from 'rxjs';
import { parseSession } from '../../src/params/session.ts';
import { ParamRegistry } from '../../src/params/registry.ts';
import { ParamStore } from '../../src/params/store.ts';
import { MemorySurface } from '../../src/surfaces/memory.ts';
import { compileMapping, type CompiledMapping } from '../../src/mapping/binding/compile.ts';
import { loadMapping, parseMapping } from '../../src/mapping/file/load.ts';
import type { MappingFile } from '../../src/mapping/file/types.ts';
import type { SendOptions, SurfaceMessage } from '../../src/surfaces/types.ts';

export const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');

export function makeStore(channels = 16): ParamStore {
  return new ParamStore(ParamRegistry.fromSession(parseSession(`channels: ${channels}\n`, 'test.yaml')));
}

/** A memory surface that also records the virtual time of each message it is sent. */
export class TimedSurface extends MemorySurface {
  readonly times: number[] = [];
  constructor(private readonly clock: { now(): number }) {
    super('x');
  }
  override send(msg: SurfaceMessage, opts?: SendOptions): void {
    this.times.push(this.clock.now());
    super.send(msg, opts);
  }
}

export interface Rig {
  readonly store: ParamStore;
  readonly surface: TimedSurface;
  readonly scheduler: VirtualTimeScheduler;
  readonly compiled: CompiledMapping;
  readonly mapping: MappingFile;
  /** Runs every pending timer (coalesced feedback) and returns what was sent, as hex. */
  flush(): string[];
}

export function rig(mapping: MappingFile | string, opts: { channels?: number; rateHz?: number; store?: ParamStore } = {}): Rig {
  const m = typeof mapping === 'string' ? (mapping.includes('\n') ? parseMapping(mapping, 'inline.yaml') : loadMapping(path.join(FIXTURES, mapping))) : mapping;
  const store = opts.store ?? makeStore(opts.channels ?? 16);
  const scheduler = new VirtualTimeScheduler();
  const surface = new TimedSurface(scheduler);
  const compiled = compileMapping(m, store, surface, { id: 'x', scheduler, ...(opts.rateHz ? { feedbackRateHz: opts.rateHz } : {}) });
  return {
    store,
    surface,
    scheduler,
    compiled,
    mapping: m,
    flush() {
      scheduler.flush();
      return surface.takeHex();
    },
  };
}

/** MCU pitch-bend bytes for a 14-bit position. */
export const pb = (strip: number, raw: number): string => hex(0xe0 | strip, raw & 0x7f, raw >> 7);
export const hex = (...b: number[]): string => b.map((x) => x.toString(16).toUpperCase().padStart(2, '0')).join(' ');
