/**
 * The param store: the one source of truth. Every change carries its origin and leaves as part of a
 * batch (a single set is a batch of one; a scene recall is one batch), so observers see one
 * consistent jump. Emission is synchronous, in the caller's turn.
 *
 * Range policy: numbers outside a param's range are clamped to it (the change says `clamped`);
 * with `{ strict: true }` they throw ParamRangeError instead. NaN, infinities (but -inf on a param
 * whose range starts there), wrong types, unknown addresses
 * and writes to read-only params always throw, and nothing changes.
 */
import { Observable, Subject, filter, map, mergeMap, from, startWith, distinctUntilChanged } from 'rxjs';
import { compileAddressPattern } from '../util/osc-pattern.ts';
import { type ParamDef, type ParamRegistry, type ParamValue } from './registry.ts';
import { ParamRangeError, ParamTypeError, ReadOnlyParamError, UnknownParamError } from './errors.ts';
import { suggest } from '../util/source-error.ts';

/** Who made a change: a surface id (`surface:<id>`), `scene`, `engine`, `api`, `state`, `osc:<host>:<port>`... */
export type Origin = string;

export interface ParamChange {
  readonly def: ParamDef;
  readonly address: string;
  readonly value: ParamValue;
  readonly previous: ParamValue;
  readonly origin: Origin;
  readonly clamped: boolean;
}

export interface SetOptions {
  /** Throw on out-of-range numbers instead of clamping. */
  readonly strict?: boolean;
  /** Allow writing read-only params (engine meters, daemon status). */
  readonly internal?: boolean;
}

const MAX_TEXT = 64;

export class ParamStore {
  readonly registry: ParamRegistry;
  private readonly values: ParamValue[];
  private readonly subject = new Subject<readonly ParamChange[]>();
  /** Every change, in batches: one emission per set() or batch(). */
  readonly changes$: Observable<readonly ParamChange[]> = this.subject.asObservable();

  constructor(registry: ParamRegistry) {
    this.registry = registry;
    this.values = registry.defs.map((d) => d.default);
  }

  def(address: string): ParamDef {
    const d = this.registry.get(address);
    if (!d) {
      const hint = suggest(address, this.registry.defs.map((x) => x.address));
      throw new UnknownParamError(address, `unknown param address ${address}${hint ? ` (did you mean ${hint}?)` : ''}`);
    }
    return d;
  }

  get(address: string): ParamValue {
    return this.values[this.def(address).index]!;
  }

  getByIndex(index: number): ParamValue {
    return this.values[index]!;
  }

  /** The value in normalized 0..1 form through the param's taper (booleans 0/1, enums by index). */
  getNormalized(address: string): number {
    const d = this.def(address);
    return toNormalized(d, this.values[d.index]!);
  }

  /**
   * Validates and converts a raw value (from OSC, YAML, a CLI) to the param's type. Accepts numeric
   * strings and `-inf`; booleans from true/false, 0/1, on/off; enums by name or index.
   */
  coerce(def: ParamDef, raw: unknown, opts: SetOptions = {}): { value: ParamValue; clamped: boolean } {
    const a = def.address;
    switch (def.type) {
      case 'number': {
        const text = typeof raw === 'string' ? raw.trim() : '';
        const n = typeof raw === 'number' ? raw : text !== '' ? (/^-inf(inity)?$/i.test(text) ? -Infinity : Number(text)) : NaN;
        if (Number.isNaN(n)) throw new ParamTypeError(a, `${a} takes a number in ${def.unit || 'units'}, got ${describe(raw)}`);
        // An infinity from outside is never a level someone meant (`/master/fader inf` once gave +10 dB);
        // only -inf where it is a value of the param itself (a fader or send off). The engine's own
        // meters (internal writes) still clamp silence's -inf to their floor.
        if (!opts.internal && (n === Infinity || (n === -Infinity && def.min !== -Infinity))) throw new ParamTypeError(a, `${a} takes a finite number in ${def.unit || 'units'}, got ${describe(raw)}`);
        if (n < def.min || n > def.max) {
          if (opts.strict) throw new ParamRangeError(a, `${a} must be within ${fmtRange(def)}, got ${n}`);
          return { value: n < def.min ? def.min : def.max, clamped: true };
        }
        return { value: n, clamped: false };
      }
      case 'bool': {
        if (typeof raw === 'boolean') return { value: raw, clamped: false };
        if (raw === 0 || raw === 1) return { value: raw === 1, clamped: false };
        if (typeof raw === 'string') {
          const s = raw.trim().toLowerCase();
          if (s === 'true' || s === 'on' || s === '1') return { value: true, clamped: false };
          if (s === 'false' || s === 'off' || s === '0') return { value: false, clamped: false };
        }
        throw new ParamTypeError(a, `${a} takes a boolean (true/false, 1/0, on/off), got ${describe(raw)}`);
      }
      case 'enum': {
        const values = def.values!;
        if (typeof raw === 'string' && values.includes(raw)) return { value: raw, clamped: false };
        if (typeof raw === 'number' && Number.isInteger(raw) && raw >= 0 && raw < values.length) return { value: values[raw]!, clamped: false };
        throw new ParamTypeError(a, `${a} takes one of ${values.join(', ')} (or its index), got ${describe(raw)}`);
      }
      case 'text': {
        if (typeof raw !== 'string') throw new ParamTypeError(a, `${a} takes text, got ${describe(raw)}`);
        // eslint-disable-next-line no-control-regex
        const clean = raw.replace(/[\u0000-\u001f\u007f]/g, '');
        if (clean.length > MAX_TEXT) {
          if (opts.strict) throw new ParamRangeError(a, `${a} takes at most ${MAX_TEXT} characters`);
          return { value: clean.slice(0, MAX_TEXT), clamped: true };
        }
        return { value: clean, clamped: clean !== raw };
      }
    }
  }

  private prepare(address: string, raw: unknown, origin: Origin, opts: SetOptions): ParamChange | undefined {
    const def = this.def(address);
    if (def.readOnly && !opts.internal) throw new ReadOnlyParamError(address, `${address} is read-only (set by ${def.volatile ? 'the engine' : 'faderd'})`);
    const { value, clamped } = this.coerce(def, raw, opts);
    const previous = this.values[def.index]!;
    if (Object.is(previous, value) && !def.action) return undefined;
    return { def, address, value, previous, origin, clamped };
  }

  /** Sets one param; returns the change, or undefined when the value did not change. */
  set(address: string, raw: unknown, origin: Origin, opts: SetOptions = {}): ParamChange | undefined {
    const ch = this.prepare(address, raw, origin, opts);
    if (!ch) return undefined;
    this.commit([ch]);
    return ch;
  }

  /** Sets from the normalized 0..1 form through the param's taper. */
  setNormalized(address: string, norm: number, origin: Origin, opts: SetOptions = {}): ParamChange | undefined {
    const def = this.def(address);
    if (typeof norm !== 'number' || !Number.isFinite(norm)) throw new ParamTypeError(address, `${address} normalized value must be a number 0..1, got ${describe(norm)}`);
    if ((norm < 0 || norm > 1) && opts.strict) throw new ParamRangeError(address, `${address} normalized value must be within 0..1, got ${norm}`);
    return this.set(address, fromNormalized(def, norm), origin, opts);
  }

  /**
   * Sets many params as one batch: all are validated first, and if any fails nothing changes.
   * Observers get a single emission with every change.
   */
  batch(entries: Iterable<readonly [string, unknown]>, origin: Origin, opts: SetOptions = {}): ParamChange[] {
    const out: ParamChange[] = [];
    const seen = new Map<number, number>();
    for (const [address, raw] of entries) {
      const ch = this.prepare(address, raw, origin, opts);
      if (!ch) continue;
      const prevAt = seen.get(ch.def.index);
      if (prevAt !== undefined) out[prevAt] = { ...ch, previous: out[prevAt]!.previous };
      else {
        seen.set(ch.def.index, out.length);
        out.push(ch);
      }
    }
    if (out.length) this.commit(out);
    return out;
  }

  private commit(changes: readonly ParamChange[]): void {
    for (const c of changes) if (!c.def.action) this.values[c.def.index] = c.value;
    this.subject.next(changes);
  }

  /** Current value, then every change of one address. */
  observe(address: string): Observable<ParamValue> {
    const def = this.def(address);
    return this.changes$.pipe(
      mergeMap((batch) => from(batch)),
      filter((c) => c.def === def),
      map((c) => c.value),
      startWith(this.values[def.index]!),
      distinctUntilChanged(),
    );
  }

  /** Every change whose address matches an OSC-style pattern (`/ch/*\/mute`), one by one. */
  changesOf(pattern: string): Observable<ParamChange> {
    const re = compileAddressPattern(pattern);
    return this.changes$.pipe(
      mergeMap((batch) => from(batch)),
      filter((c) => re.test(c.address)),
    );
  }

  /** Reads every param matching a pattern: [address, value] in registry order. */
  read(pattern: string): Array<[string, ParamValue]> {
    return this.registry.match(pattern).map((d) => [d.address, this.values[d.index]!]);
  }

  /** The persistent part of the mix (no meters, status or actions), as address → value. */
  snapshot(): Record<string, ParamValue> {
    const out: Record<string, ParamValue> = {};
    for (const d of this.registry.defs) if (isPersistent(d)) out[d.address] = this.values[d.index]!;
    return out;
  }
}

/** Whether a param is part of the saved mix (not a meter, status or action). */
export const isPersistent = (def: ParamDef): boolean => !def.volatile && !def.action && !def.readOnly;

export function toNormalized(def: ParamDef, value: ParamValue): number {
  switch (def.type) {
    case 'bool':
      return value ? 1 : 0;
    case 'enum':
      return def.values!.length <= 1 ? 0 : def.values!.indexOf(String(value)) / (def.values!.length - 1);
    case 'number':
      return def.taper.toNormalized(value as number);
    case 'text':
      return 0;
  }
}

export function fromNormalized(def: ParamDef, norm: number): ParamValue {
  const n = norm <= 0 ? 0 : norm >= 1 ? 1 : norm;
  switch (def.type) {
    case 'bool':
      return n >= 0.5;
    case 'enum':
      return def.values![Math.round(n * (def.values!.length - 1))]!;
    case 'number':
      return def.taper.fromNormalized(n);
    case 'text':
      throw new ParamTypeError(def.address, `${def.address} is text and has no normalized form`);
  }
}

function describe(raw: unknown): string {
  if (typeof raw === 'string') return JSON.stringify(raw.length > 40 ? raw.slice(0, 40) + '…' : raw);
  if (raw === null) return 'null';
  if (Array.isArray(raw)) return 'a list';
  if (typeof raw === 'object') return 'an object';
  return `${typeof raw} ${String(raw)}`;
}

function fmtRange(def: ParamDef): string {
  const f = (n: number) => (n === -Infinity ? '-inf' : String(n));
  return `${f(def.min)}..${f(def.max)} ${def.unit}`;
}
