/**
 * Surface-local state: bank offset, page, layer, selected channel, V-Pot assignment... whatever the
 * mapping declares under `state:`. Templates read it; state targets write it; every change makes the
 * compiled mapping resync the whole surface.
 */
import { Subject, type Observable } from 'rxjs';
import type { Env } from './expr.ts';
import type { StateVarDef } from './types.ts';

export interface SessionSizes {
  readonly channels: number;
  readonly buses: number;
  readonly fx: number;
}

export class SurfaceState {
  private readonly values: Record<string, number> = {};
  private readonly bounds = new Map<string, { min: number; max: number }>();
  private readonly subject = new Subject<{ name: string; value: number }>();
  /** One emission per variable that actually changed. */
  readonly changes$: Observable<{ name: string; value: number }> = this.subject.asObservable();
  /** Session sizes plus state, for evaluating templates (rebuilt on change, read per event). */
  private envCache: Env;

  constructor(
    defs: readonly StateVarDef[],
    readonly sizes: SessionSizes,
  ) {
    const sizeEnv: Env = { ...sizes };
    for (const d of defs) {
      const min = d.min ? d.min.evaluate(sizeEnv) : -Infinity;
      const max = Math.max(min, d.max ? d.max.evaluate(sizeEnv) : Infinity);
      this.bounds.set(d.name, { min, max });
      this.values[d.name] = Math.min(max, Math.max(min, d.initial));
    }
    this.envCache = { ...sizes, ...this.values };
  }

  get(name: string): number {
    const v = this.values[name];
    if (v === undefined) throw new RangeError(`unknown surface state '${name}'`);
    return v;
  }

  /** Sets a variable, clamped to its declared bounds; returns whether it changed. */
  set(name: string, value: number): boolean {
    const b = this.bounds.get(name);
    if (!b || !Number.isFinite(value)) return false;
    const v = Math.min(b.max, Math.max(b.min, value));
    if (this.values[name] === v) return false;
    this.values[name] = v;
    this.envCache = { ...this.sizes, ...this.values };
    this.subject.next({ name, value: v });
    return true;
  }

  get env(): Env {
    return this.envCache;
  }

  snapshot(): Record<string, number> {
    return { ...this.values };
  }

  dispose(): void {
    this.subject.complete();
  }
}
