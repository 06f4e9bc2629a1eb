/**
 * The small expression language of mapping files: `0x68 + i`, `bank + i + 1`, `page == 1 && layer != 2`.
 * Numbers (decimal, hex, float), names (repeat variables, surface state, `channels`/`buses`/`fx`),
 * + - * / %, comparisons, && || !, parentheses and min/max/floor/ceil/abs/clamp. Values are numbers;
 * comparisons give 1 or 0. Compiled once at load, evaluated per event with no allocation.
 */

export type Env = Readonly<Record<string, number>>;

export class ExprError extends Error {
  /** Offset in the expression text where the problem is. */
  readonly offset: number;
  constructor(message: string, offset: number) {
    super(message);
    this.name = 'ExprError';
    this.offset = offset;
  }
}

export interface CompiledExpr {
  readonly text: string;
  /** Every name the expression reads, so a loader can say which are unknown before running it. */
  readonly names: ReadonlySet<string>;
  evaluate(env: Env): number;
}

type Node = (env: Env) => number;

const FUNCS: Record<string, { arity: number; fn: (...a: number[]) => number }> = {
  min: { arity: 2, fn: Math.min },
  max: { arity: 2, fn: Math.max },
  floor: { arity: 1, fn: Math.floor },
  ceil: { arity: 1, fn: Math.ceil },
  abs: { arity: 1, fn: Math.abs },
  round: { arity: 1, fn: Math.round },
  clamp: { arity: 3, fn: (x, lo, hi) => Math.min(hi, Math.max(lo, x)) },
};

const BINARY: Array<{ ops: string[]; apply: (op: string, a: number, b: number) => number }> = [
  { ops: ['||'], apply: (_o, a, b) => (a !== 0 || b !== 0 ? 1 : 0) },
  { ops: ['&&'], apply: (_o, a, b) => (a !== 0 && b !== 0 ? 1 : 0) },
  { ops: ['==', '!='], apply: (o, a, b) => ((a === b) === (o === '==') ? 1 : 0) },
  {
    ops: ['<=', '>=', '<', '>'],
    apply: (o, a, b) => (o === '<' ? a < b : o === '>' ? a > b : o === '<=' ? a <= b : a >= b) ? 1 : 0,
  },
  { ops: ['+', '-'], apply: (o, a, b) => (o === '+' ? a + b : a - b) },
  { ops: ['*', '/', '%'], apply: (o, a, b) => (o === '*' ? a * b : o === '/' ? a / b : a % b) },
];

interface Tok {
  readonly t: 'num' | 'name' | 'op' | 'end';
  readonly v: string;
  readonly at: number;
}

function tokenize(text: string): Tok[] {
  const out: Tok[] = [];
  const re = /\s*(?:(0x[0-9a-fA-F]+|\d+(?:\.\d+)?(?:e[+-]?\d+)?)|([A-Za-z_][A-Za-z0-9_]*)|(\|\||&&|==|!=|<=|>=|[-+*/%()<>!,]))/y;
  let pos = 0;
  while (pos < text.length) {
    if (/^\s*$/.test(text.slice(pos))) break;
    re.lastIndex = pos;
    const m = re.exec(text);
    if (!m) {
      const at = pos + (text.slice(pos).length - text.slice(pos).trimStart().length);
      throw new ExprError(`unexpected '${text[at]}' in expression '${text}'`, at);
    }
    const at = m.index + m[0].length - (m[1] ?? m[2] ?? m[3])!.length;
    if (m[1] !== undefined) out.push({ t: 'num', v: m[1], at });
    else if (m[2] !== undefined) out.push({ t: 'name', v: m[2], at });
    else out.push({ t: 'op', v: m[3]!, at });
    pos = re.lastIndex;
  }
  out.push({ t: 'end', v: '', at: text.length });
  return out;
}

/** Compiles an expression; throws ExprError (with the offset) on a syntax error. */
export function compileExpr(text: string): CompiledExpr {
  const toks = tokenize(text);
  const names = new Set<string>();
  let i = 0;
  const peek = (): Tok => toks[i]!;
  const expect = (v: string): void => {
    const t = toks[i]!;
    if (t.v !== v || t.t !== 'op') throw new ExprError(`expected '${v}' in expression '${text}'`, t.at);
    i++;
  };

  const parseLevel = (level: number): Node => {
    if (level >= BINARY.length) return parseUnary();
    let left = parseLevel(level + 1);
    const { ops, apply } = BINARY[level]!;
    for (;;) {
      const t = peek();
      if (t.t !== 'op' || !ops.includes(t.v)) return left;
      i++;
      const right = parseLevel(level + 1);
      const l = left;
      const op = t.v;
      left = (env) => apply(op, l(env), right(env));
    }
  };

  const parseUnary = (): Node => {
    const t = peek();
    if (t.t === 'op' && (t.v === '-' || t.v === '+' || t.v === '!')) {
      i++;
      const inner = parseUnary();
      return t.v === '-' ? (env) => -inner(env) : t.v === '!' ? (env) => (inner(env) === 0 ? 1 : 0) : inner;
    }
    return parsePrimary();
  };

  const parsePrimary = (): Node => {
    const t = peek();
    i++;
    if (t.t === 'num') {
      const n = Number(t.v);
      return () => n;
    }
    if (t.t === 'name') {
      if (peek().t === 'op' && peek().v === '(') {
        const f = FUNCS[t.v];
        if (!f) throw new ExprError(`unknown function '${t.v}' (known: ${Object.keys(FUNCS).join(', ')})`, t.at);
        i++;
        const args: Node[] = [];
        if (!(peek().t === 'op' && peek().v === ')')) {
          args.push(parseLevel(0));
          while (peek().t === 'op' && peek().v === ',') {
            i++;
            args.push(parseLevel(0));
          }
        }
        expect(')');
        if (args.length !== f.arity) throw new ExprError(`${t.v}() takes ${f.arity} argument(s), got ${args.length}`, t.at);
        const vals = new Array<number>(args.length);
        return (env) => {
          for (let k = 0; k < args.length; k++) vals[k] = args[k]!(env);
          return f.fn(...vals);
        };
      }
      names.add(t.v);
      const name = t.v;
      return (env) => {
        const v = env[name];
        if (v === undefined) throw new ExprError(`unknown name '${name}'`, t.at);
        return v;
      };
    }
    if (t.t === 'op' && t.v === '(') {
      const inner = parseLevel(0);
      expect(')');
      return inner;
    }
    throw new ExprError(t.t === 'end' ? `expression '${text}' ends too early` : `unexpected '${t.v}' in expression '${text}'`, t.at);
  };

  const root = parseLevel(0);
  if (peek().t !== 'end') throw new ExprError(`unexpected '${peek().v}' in expression '${text}'`, peek().at);
  return { text, names, evaluate: root };
}

/** A number given either as a number or as an expression string. */
export function compileNumber(v: number | string): CompiledExpr {
  if (typeof v === 'number') return { text: String(v), names: new Set(), evaluate: () => v };
  return compileExpr(v);
}

export interface TemplatePart {
  readonly literal?: string;
  readonly expr?: CompiledExpr;
  /** `02` pads to two digits; `.3f` gives three decimals. */
  readonly format?: string;
  /** The reserved `{value}` placeholder (a capture in patterns, the value in feedback formats). */
  readonly value?: boolean;
  /** Offset of the part in the template text. */
  readonly at: number;
}

export interface CompiledTemplate {
  readonly text: string;
  readonly parts: readonly TemplatePart[];
  readonly names: ReadonlySet<string>;
  readonly hasValue: boolean;
  /** Renders with `{value}` replaced by `value` (formatted), or left as `{value}` when none is given. */
  render(env: Env, value?: number): string;
}

export function formatNumber(n: number, format: string | undefined): string {
  if (!format) return Number.isInteger(n) ? String(n) : String(Math.round(n * 1000) / 1000);
  const dec = /^\.(\d)f$/.exec(format);
  if (dec) return n.toFixed(Number(dec[1]));
  const pad = /^0(\d)$/.exec(format);
  if (pad) return String(Math.round(n)).padStart(Number(pad[1]), '0');
  return String(n);
}

/** Compiles `text {expr} text {value:.3f}` (`{a,b}` stays literal); throws ExprError with the offset in the template. */
export function compileTemplate(text: string): CompiledTemplate {
  const parts: TemplatePart[] = [];
  const names = new Set<string>();
  let hasValue = false;
  let pos = 0;
  while (pos < text.length) {
    const open = text.indexOf('{', pos);
    if (open < 0) {
      parts.push({ literal: text.slice(pos), at: pos });
      break;
    }
    if (open > pos) parts.push({ literal: text.slice(pos, open), at: pos });
    const close = text.indexOf('}', open);
    if (close < 0) throw new ExprError(`unclosed '{' in '${text}'`, open);
    const body = text.slice(open + 1, close);
    if (/^[\w-]+(,[\w-]+)+$/.test(body)) {
      // `{ch,bus}`: an OSC alternation in an address pattern, not an expression.
      parts.push({ literal: text.slice(open, close + 1), at: open });
      pos = close + 1;
      continue;
    }
    const colon = body.lastIndexOf(':');
    const exprText = colon >= 0 ? body.slice(0, colon) : body;
    const format = colon >= 0 ? body.slice(colon + 1) : undefined;
    if (format !== undefined && !/^(\.\df|0\d)$/.test(format)) throw new ExprError(`unknown format ':${format}' (use :02 or :.3f)`, open + 1 + colon);
    if (exprText.trim() === 'value') {
      hasValue = true;
      parts.push({ value: true, at: open, ...(format !== undefined ? { format } : {}) });
    } else {
      let expr: CompiledExpr;
      try {
        expr = compileExpr(exprText);
      } catch (e) {
        if (e instanceof ExprError) throw new ExprError(e.message, open + 1 + e.offset);
        throw e;
      }
      for (const n of expr.names) names.add(n);
      parts.push({ expr, at: open, ...(format !== undefined ? { format } : {}) });
    }
    pos = close + 1;
  }
  return {
    text,
    parts,
    names,
    hasValue,
    render(env, value) {
      let s = '';
      for (const p of parts) {
        if (p.literal !== undefined) s += p.literal;
        else if (p.value) s += value === undefined ? '{value}' : formatNumber(value, p.format);
        else s += formatNumber(p.expr!.evaluate(env), p.format);
      }
      return s;
    },
  };
}
