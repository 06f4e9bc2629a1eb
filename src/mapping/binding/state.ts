/**
 * Surface-local state: bank offset, page, layer, selected channel, V-Pot assignment... whatever the
 * mapping declares under `state:`. Templates read it; state targets write it; every change makes the
 * compiled mapping resync the whole surface.
 */
import { Subject, type Observable, type Subscription } from 'rxjs';
import type { Env } from '../file/expr.ts';
import type { StateVarDef } from '../file/types.ts';

export interface SessionSizes {
  readonly channels: number;
  readonly buses: number;
  readonly fx: number;
}

/** One shared variable: its latest value and who must hear of a change. */
interface SharedCell {
  value: number | undefined;
  readonly changes: Subject<number>;
}

/**
 * Variables shared between surfaces (`shared: mcu`): an MCU and its extender bank together. One
 * table per store, so two daemons' worth of tests never see each other's banks.
 */
export class SharedStates {
  private readonly cells = new Map<string, SharedCell>();
  private static readonly byOwner = new WeakMap<object, SharedStates>();

  /** The table of one owner (the param store the surfaces drive). */
  static of(owner: object): SharedStates {
    let t = SharedStates.byOwner.get(owner);
    if (!t) {
      t = new SharedStates();
      SharedStates.byOwner.set(owner, t);
    }
    return t;
  }

  cell(group: string, name: string): SharedCell {
    const key = `${group}/${name}`;
    let c = this.cells.get(key);
    if (!c) {
      c = { value: undefined, changes: new Subject<number>() };
      this.cells.set(key, c);
    }
    return c;
  }
}

export class SurfaceState {
  private readonly shared = new Map<string, SharedCell>();
  private readonly links: Subscription[] = [];
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
    sharedStates?: SharedStates,
  ) {
    const sizeEnv: Env = { ...sizes };
    for (const d of defs) {
      const min = d.min ? d.min.evaluate(sizeEnv) : -Infinity;
      const max = Math.max(min, d.max ? d.max.evaluate(sizeEnv) : Infinity);
      this.bounds.set(d.name, { min, max });
      const cell = d.shared && sharedStates ? sharedStates.cell(d.shared, d.name) : undefined;
      this.values[d.name] = Math.min(max, Math.max(min, cell?.value ?? d.initial));
      if (cell) {
        this.shared.set(d.name, cell);
        cell.value ??= this.values[d.name];
        this.links.push(cell.changes.subscribe((v) => this.apply(d.name, v)));
      }
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
    const cell = this.shared.get(name);
    if (cell) {
      // Every sharing surface (this one included) takes the value through the cell.
      cell.value = v;
      cell.changes.next(v);
      return true;
    }
    return this.apply(name, v);
  }

  private apply(name: string, value: number): boolean {
    const b = this.bounds.get(name)!;
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
    for (const l of this.links) l.unsubscribe();
    this.subject.complete();
  }
}
