/**
 * The checks every step of expanding one binding shares (see expand.ts): where an issue goes (located
 * under bindings.N), numbers and templates compiled once per place with their names checked against
 * what that place may read, static integers range-checked, and whether the surface can carry a kind
 * of message.
 */
import type { SurfaceDeviceSpec } from '../../surfaces/types.ts';
import { compileNumber, compileTemplate, ExprError, type CompiledExpr, type CompiledTemplate, type Env } from './expr.ts';
import { carries, type MessageFamily } from './device.ts';
import type { BindingDef } from './schema.ts';
import type { PatternByte, StateVarDef } from './types.ts';
import type { IssueList } from './issues.ts';

/** Session sizes, readable by every dynamic expression. */
export const SESSION = ['channels', 'buses', 'fx'];

export interface ExpandContext {
  readonly issues: IssueList;
  readonly device: SurfaceDeviceSpec | undefined;
  readonly stateVars: readonly StateVarDef[];
  /** Option values, read by every expression like repeat variables. */
  readonly options?: Readonly<Record<string, number>>;
}

export type Path = ReadonlyArray<PropertyKey>;

export class BindingChecker {
  readonly base: Path;
  readonly repeatNames: readonly string[];
  readonly options: Readonly<Record<string, number>>;
  readonly stateNames: readonly string[];
  /** Names a dynamic place (target, feedback text, when) may read; static places (sources) fewer. */
  private readonly dynamicNames: Set<string>;
  private readonly staticNames: Set<string>;
  /** Compiled expressions by path (null: it had an issue); `when` is read back from here. */
  readonly exprCache = new Map<string, CompiledExpr | null>();
  private readonly tplCache = new Map<string, CompiledTemplate | null>();
  private readonly before: number;

  constructor(
    readonly def: BindingDef,
    readonly index: number,
    readonly ctx: ExpandContext,
  ) {
    this.base = ['bindings', index];
    this.before = ctx.issues.items.length;
    this.repeatNames = Object.keys(def.repeat ?? {});
    this.options = ctx.options ?? {};
    const optionNames = Object.keys(this.options);
    this.stateNames = ctx.stateVars.map((s) => s.name);
    this.dynamicNames = new Set([...this.repeatNames, ...optionNames, ...this.stateNames, ...SESSION]);
    this.staticNames = new Set([...this.repeatNames, ...optionNames]);
  }

  /** Whether this binding has had any issue so far. */
  get failed(): boolean {
    return this.ctx.issues.items.length > this.before;
  }

  /** Records an issue at `p` under this binding (a message already naming the path is not prefixed twice). */
  readonly at = (p: Path, m: string): void => {
    const rel = p.map(String).join('.');
    const msg = rel && m.startsWith(`${rel}: `) ? m.slice(rel.length + 2) : m;
    this.ctx.issues.add([...this.base, ...p], `${[...this.base, ...p].map(String).join('.')}: ${msg}`);
  };

  /** A number or expression compiled once per path; names checked against what the place may read. */
  expr(p: Path, v: number | string, dynamic: boolean): CompiledExpr | undefined {
    const key = p.join('.');
    if (this.exprCache.has(key)) return this.exprCache.get(key) ?? undefined;
    let e: CompiledExpr | null = null;
    try {
      e = compileNumber(v);
      const allowed = dynamic ? this.dynamicNames : this.staticNames;
      for (const n of e.names) {
        if (!allowed.has(n)) {
          const hint = dynamic ? '' : this.stateNames.includes(n) ? ' (source numbers may use only repeat variables, not surface state)' : '';
          this.at(p, `${key}: unknown name '${n}'${hint}`);
          e = null;
          break;
        }
      }
    } catch (err) {
      if (!(err instanceof ExprError)) throw err;
      this.at(p, `${key}: ${err.message}`);
    }
    this.exprCache.set(key, e);
    return e ?? undefined;
  }

  /** A template compiled once per path, its names checked likewise. */
  template(p: Path, text: string, dynamic: boolean): CompiledTemplate | undefined {
    const key = p.join('.');
    if (this.tplCache.has(key)) return this.tplCache.get(key) ?? undefined;
    let t: CompiledTemplate | null = null;
    try {
      t = compileTemplate(text);
      const allowed = dynamic ? this.dynamicNames : this.staticNames;
      const bad = [...t.names].find((n) => !allowed.has(n));
      if (bad) {
        this.at(p, `${key}: unknown name '${bad}' in template '${text}'`);
        t = null;
      }
    } catch (err) {
      if (!(err instanceof ExprError)) throw err;
      this.at(p, `${key}: ${err.message}`);
    }
    this.tplCache.set(key, t);
    return t ?? undefined;
  }

  /** A static integer within lo..hi, or undefined (with an issue). */
  int(p: Path, v: number | string | undefined, env: Env, lo: number, hi: number, dflt?: number): number | undefined {
    if (v === undefined) return dflt;
    const e = this.expr(p, v, false);
    if (!e) return undefined;
    const n = e.evaluate(env);
    if (!Number.isInteger(n) || n < lo || n > hi) {
      this.at(p, `${p.join('.')}: must be an integer ${lo}..${hi}, got ${n}${e.text !== String(n) ? ` (from ${e.text})` : ''}`);
      return undefined;
    }
    return n;
  }

  /** An issue when the surface's transport cannot carry this kind of message. */
  checkTransport(p: Path, kind: MessageFamily): void {
    if (!this.ctx.device || carries(this.ctx.device, kind)) return;
    const t = this.ctx.device.transport;
    const framing = t === 'serial' ? this.ctx.device.framing : undefined;
    const need = kind === 'osc' ? 'an OSC surface' : kind === 'line' ? 'a serial surface with framing: lines' : kind === 'frame' ? 'a serial surface with framing: slip' : 'a MIDI surface (or serial with framing: midi)';
    this.at(p, `${kind === 'midi' ? 'MIDI' : kind} messages need ${need}; this surface is ${t}${framing ? ` with framing: ${framing}` : ''}`);
  }

  /** A SysEx or SLIP frame pattern: hex bytes, vv (the value), ?? (any) and {expr}. */
  bytePattern(p: Path, text: string, env: Env, sysex: boolean): PatternByte[] | undefined {
    const out: PatternByte[] = [];
    for (const tok of text.match(/\{[^}]*\}|\S+/g) ?? []) {
      if (tok === 'vv') out.push({ value: true });
      else if (tok === '??') out.push({ any: true });
      else if (/^[0-9a-f]{2}$/i.test(tok)) out.push({ byte: parseInt(tok, 16) });
      else if (tok.startsWith('{')) {
        const e = this.expr([...p, tok], tok.slice(1, -1), false);
        if (!e) return undefined;
        out.push({ byte: e.evaluate(env) & 0xff });
      } else {
        this.at(p, `${p.join('.')}: '${tok}' is not a hex byte, vv, ?? or {expr}`);
        return undefined;
      }
    }
    if (sysex && (out[0] && 'byte' in out[0] ? out[0].byte : -1) !== 0xf0) this.at(p, `${p.join('.')}: a SysEx pattern starts with F0`);
    if (sysex && (out.at(-1) && 'byte' in out.at(-1)! ? (out.at(-1) as { byte: number }).byte : -1) !== 0xf7) this.at(p, `${p.join('.')}: a SysEx pattern ends with F7`);
    return out;
  }
}
