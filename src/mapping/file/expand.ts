/**
 * One binding declaration → one instance per combination of its repeat variables, with every number
 * evaluated and range-checked, every template compiled and every target address checked by shape.
 */
import type { ParamDef } from '../../params/registry.ts';
import { compileAddressPattern } from '../../util/osc-pattern.ts';
import type { SurfaceDeviceSpec } from '../../surfaces/types.ts';
import { compileNumber, compileTemplate, ExprError, formatNumber, type CompiledExpr, type CompiledTemplate, type Env } from './expr.ts';
import { carries, familyOf, type MessageFamily } from './device.ts';
import { lookupShape, patternMatchesSomething } from './reference.ts';
import { SOURCE_KINDS, type BindingDef, type FeedbackOutDef, type SourceDef } from './schema.ts';
import type { BindingInstance, FeedbackOut, Glue, PatternByte, SourceSpec, StateVarDef, TargetSpec } from './types.ts';
import type { IssueList } from './issues.ts';
import { parseRepeat } from './repeat.ts';
import { escapeRegExp } from '../../util/regexp.ts';
import { outputProblem } from '../binding/codec.ts';

const SESSION = ['channels', 'buses', 'fx'];
/** Session sizes assumed when a load-time check has to evaluate a template. */
const CHECK_ENV = { channels: 8, buses: 2, fx: 2 };
const RING_MODE = { dot: 0, 'boost-cut': 1, wrap: 2, spread: 3 } as const;
export const MCU_LCD_HEADER = [0x00, 0x00, 0x66, 0x14, 0x12] as const;

export interface ExpandContext {
  readonly issues: IssueList;
  readonly device: SurfaceDeviceSpec | undefined;
  readonly stateVars: readonly StateVarDef[];
  /** Option values, read by every expression like repeat variables. */
  readonly options?: Readonly<Record<string, number>>;
}

type Path = ReadonlyArray<PropertyKey>;

/** Expands a validated binding; problems go to ctx.issues and the binding yields nothing. */
export function expandBinding(def: BindingDef, index: number, ctx: ExpandContext): BindingInstance[] {
  const base: Path = ['bindings', index];
  const before = ctx.issues.items.length;
  const at = (p: Path, m: string): void => {
    const rel = p.map(String).join('.');
    const msg = rel && m.startsWith(`${rel}: `) ? m.slice(rel.length + 2) : m;
    ctx.issues.add([...base, ...p], `${[...base, ...p].map(String).join('.')}: ${msg}`);
  };
  const repeatNames = Object.keys(def.repeat ?? {});
  const options = ctx.options ?? {};
  const optionNames = Object.keys(options);
  const stateNames = ctx.stateVars.map((s) => s.name);
  const dynamicNames = new Set([...repeatNames, ...optionNames, ...stateNames, ...SESSION]);
  const staticNames = new Set([...repeatNames, ...optionNames]);

  const exprCache = new Map<string, CompiledExpr | null>();
  const expr = (p: Path, v: number | string, dynamic: boolean): CompiledExpr | undefined => {
    const key = p.join('.');
    if (exprCache.has(key)) return exprCache.get(key) ?? undefined;
    let e: CompiledExpr | null = null;
    try {
      e = compileNumber(v);
      const allowed = dynamic ? dynamicNames : staticNames;
      for (const n of e.names) {
        if (!allowed.has(n)) {
          const hint = dynamic ? '' : stateNames.includes(n) ? ' (source numbers may use only repeat variables, not surface state)' : '';
          at(p, `${key}: unknown name '${n}'${hint}`);
          e = null;
          break;
        }
      }
    } catch (err) {
      if (!(err instanceof ExprError)) throw err;
      at(p, `${key}: ${err.message}`);
    }
    exprCache.set(key, e);
    return e ?? undefined;
  };
  const tplCache = new Map<string, CompiledTemplate | null>();
  const template = (p: Path, text: string, dynamic: boolean): CompiledTemplate | undefined => {
    const key = p.join('.');
    if (tplCache.has(key)) return tplCache.get(key) ?? undefined;
    let t: CompiledTemplate | null = null;
    try {
      t = compileTemplate(text);
      const allowed = dynamic ? dynamicNames : staticNames;
      const bad = [...t.names].find((n) => !allowed.has(n));
      if (bad) {
        at(p, `${key}: unknown name '${bad}' in template '${text}'`);
        t = null;
      }
    } catch (err) {
      if (!(err instanceof ExprError)) throw err;
      at(p, `${key}: ${err.message}`);
    }
    tplCache.set(key, t);
    return t ?? undefined;
  };
  /** A static integer within lo..hi, or undefined (with an issue). */
  const int = (p: Path, v: number | string | undefined, env: Env, lo: number, hi: number, dflt?: number): number | undefined => {
    if (v === undefined) return dflt;
    const e = expr(p, v, false);
    if (!e) return undefined;
    const n = e.evaluate(env);
    if (!Number.isInteger(n) || n < lo || n > hi) {
      at(p, `${p.join('.')}: must be an integer ${lo}..${hi}, got ${n}${e.text !== String(n) ? ` (from ${e.text})` : ''}`);
      return undefined;
    }
    return n;
  };

  const checkTransport = (p: Path, kind: MessageFamily): void => {
    if (!ctx.device || carries(ctx.device, kind)) return;
    const t = ctx.device.transport;
    const framing = t === 'serial' ? ctx.device.framing : undefined;
    const need = kind === 'osc' ? 'an OSC surface' : kind === 'line' ? 'a serial surface with framing: lines' : kind === 'frame' ? 'a serial surface with framing: slip' : 'a MIDI surface (or serial with framing: midi)';
    at(p, `${kind === 'midi' ? 'MIDI' : kind} messages need ${need}; this surface is ${t}${framing ? ` with framing: ${framing}` : ''}`);
  };

  const bytePattern = (p: Path, text: string, env: Env, sysex: boolean): PatternByte[] | undefined => {
    const out: PatternByte[] = [];
    for (const tok of text.match(/\{[^}]*\}|\S+/g) ?? []) {
      if (tok === 'vv') out.push({ value: true });
      else if (tok === '??') out.push({ any: true });
      else if (/^[0-9a-f]{2}$/i.test(tok)) out.push({ byte: parseInt(tok, 16) });
      else if (tok.startsWith('{')) {
        const e = expr([...p, tok], tok.slice(1, -1), false);
        if (!e) return undefined;
        out.push({ byte: e.evaluate(env) & 0xff });
      } else {
        at(p, `${p.join('.')}: '${tok}' is not a hex byte, vv, ?? or {expr}`);
        return undefined;
      }
    }
    if (sysex && (out[0] && 'byte' in out[0] ? out[0].byte : -1) !== 0xf0) at(p, `${p.join('.')}: a SysEx pattern starts with F0`);
    if (sysex && (out.at(-1) && 'byte' in out.at(-1)! ? (out.at(-1) as { byte: number }).byte : -1) !== 0xf7) at(p, `${p.join('.')}: a SysEx pattern ends with F7`);
    return out;
  };

  const source = (p: Path, s: SourceDef, env: Env): SourceSpec | undefined => {
    const kind = SOURCE_KINDS.find((k) => s[k] !== undefined)!;
    checkTransport([...p, kind], familyOf(kind));
    const channel = (int([...p, 'channel'], s.channel, env, 1, 16, 1) ?? 1) - 1;
    const units = s.units ?? 'normalized';
    switch (kind) {
      case 'note': {
        const note = int([...p, 'note'], s.note, env, 0, 127);
        return note === undefined ? undefined : { kind, channel, note };
      }
      case 'cc': {
        const cc = int([...p, 'cc'], s.cc, env, 0, 127);
        return cc === undefined ? undefined : { kind, channel, cc };
      }
      case 'cc14': {
        const pair = Array.isArray(s.cc14) ? s.cc14 : undefined;
        const msb = int([...p, 'cc14', ...(pair ? [0] : [])], pair ? pair[0] : (s.cc14 as number | string), env, 0, pair ? 127 : 31);
        const lsb = pair ? int([...p, 'cc14', 1], pair[1], env, 0, 127) : msb === undefined ? undefined : msb + 32;
        return msb === undefined || lsb === undefined ? undefined : { kind, channel, msb, lsb };
      }
      case 'nrpn': {
        if (Array.isArray(s.nrpn)) {
          const hi = int([...p, 'nrpn', 0], s.nrpn[0], env, 0, 127);
          const lo = int([...p, 'nrpn', 1], s.nrpn[1], env, 0, 127);
          return hi === undefined || lo === undefined ? undefined : { kind, channel, param: (hi << 7) | lo };
        }
        const param = int([...p, 'nrpn'], s.nrpn, env, 0, 16383);
        return param === undefined ? undefined : { kind, channel, param };
      }
      case 'pitchbend':
      case 'pressure':
      case 'program':
        return { kind, channel };
      case 'polypressure': {
        const note = int([...p, 'polypressure'], s.polypressure, env, 0, 127);
        return note === undefined ? undefined : { kind, channel, note };
      }
      case 'sysex':
      case 'frame': {
        const pattern = bytePattern([...p, kind], s[kind]!, env, kind === 'sysex');
        return pattern ? { kind, pattern } : undefined;
      }
      case 'osc': {
        const t = template([...p, 'osc'], s.osc!, false);
        if (!t) return undefined;
        const address = t.render(env);
        return { kind, address, match: compileAddressPattern(address), args: s.args ?? 'f', arg: s.arg ?? 0, units };
      }
      case 'line': {
        const t = template([...p, 'line'], s.line!, false);
        if (!t) return undefined;
        if (!t.hasValue) {
          at([...p, 'line'], `${[...p, 'line'].join('.')}: a line pattern needs a {value} capture`);
          return undefined;
        }
        let re = '^';
        for (const part of t.parts) {
          if (part.literal !== undefined) re += escapeRegExp(part.literal);
          else if (part.value) re += '(-?\\d+(?:\\.\\d+)?)';
          else re += escapeRegExp(formatNumber(part.expr!.evaluate(env), part.format));
        }
        return { kind, match: new RegExp(re + '$'), format: t, env, units };
      }
    }
  };

  const canFeedBack = (s: SourceSpec | undefined): boolean =>
    !!s && s.kind !== 'program' && !(s.kind === 'cc' && def.glue?.encoder) && !((s.kind === 'sysex' || s.kind === 'frame') && s.pattern.some((b) => 'any' in b));

  const lcd = (p: Path, d: { offset: number | string; width?: number | undefined; gap?: number | undefined; header?: Array<number | string> | undefined }, env: Env) => {
    checkTransport(p, 'midi');
    const offset = int([...p, 'offset'], d.offset, env, 0, 111);
    const header = d.header ? d.header.map((b, k) => int([...p, 'header', k], b, env, 0, 127)) : [...MCU_LCD_HEADER];
    const width = d.width ?? 7;
    const gap = d.gap ?? 1;
    if (gap >= width) at([...p, 'gap'], `${[...p, 'gap'].join('.')}: the gap (${gap}) must leave room for text in a cell of width ${width}`);
    if (offset === undefined || header.some((b) => b === undefined) || gap >= width) return undefined;
    return { kind: 'lcd' as const, header: header as number[], offset, width, gap };
  };

  /** An output whose messages are all well formed; one that would send malformed MIDI is an issue here. */
  const wellFormed = <T extends FeedbackOut>(p: Path, out: T | undefined, vars: Env): T | undefined => {
    const problem = out && outputProblem(out);
    const names = Object.keys(vars).filter((k) => repeatNames.includes(k));
    if (problem) at(p, `${problem}${names.length ? ` (with ${names.map((k) => `${k} = ${vars[k]}`).join(', ')})` : ''}`);
    return problem ? undefined : out;
  };

  const feedbackOut = (p: Path, f: FeedbackOutDef, src: SourceSpec | undefined, env: Env): FeedbackOut | undefined => {
    if (f.source) {
      if (!canFeedBack(src)) {
        at(p, `${p.join('.')}: this binding's source cannot show a value (relative encoders, program changes and patterns with ?? take feedback through ring/led/lcd outputs)`);
        return undefined;
      }
      return { kind: 'source', source: src! };
    }
    if (f.ring) {
      checkTransport([...p, 'ring'], 'midi');
      const cc = int([...p, 'ring', 'cc'], f.ring.cc, env, 0, 127);
      const ch = int([...p, 'ring', 'channel'], f.ring.channel, env, 1, 16, 1);
      return cc === undefined || ch === undefined ? undefined : { kind: 'ring', channel: ch - 1, cc, mode: RING_MODE[f.ring.mode ?? 'dot'], center: f.ring.center ?? false };
    }
    if (f.meter) {
      checkTransport([...p, 'meter'], 'midi');
      const strip = int([...p, 'meter', 'strip'], f.meter.strip, env, 0, 15);
      const ch = int([...p, 'meter', 'channel'], f.meter.channel, env, 1, 16, 1);
      return strip === undefined || ch === undefined ? undefined : { kind: 'meter', channel: ch - 1, strip, ...(f.meter.refreshMs ? { refreshMs: f.meter.refreshMs } : {}) };
    }
    if (f.lcd) return lcd([...p, 'lcd'], f.lcd, env);
    if (f.segments) {
      checkTransport([...p, 'segments'], 'midi');
      const cc = int([...p, 'segments', 'cc'], f.segments.cc, env, 0, 128 - f.segments.digits);
      const ch = int([...p, 'segments', 'channel'], f.segments.channel, env, 1, 16, 1);
      const text = f.segments.text !== undefined ? template([...p, 'segments', 'text'], f.segments.text, true) : undefined;
      if (cc === undefined || ch === undefined || (f.segments.text !== undefined && !text)) return undefined;
      return { kind: 'segments', channel: ch - 1, cc, digits: f.segments.digits, ...(text ? { text } : {}) };
    }
    if (f.led) {
      checkTransport([...p, 'led'], 'midi');
      const note = int([...p, 'led', 'note'], f.led.note, env, 0, 127);
      const ch = int([...p, 'led', 'channel'], f.led.channel, env, 1, 16, 1);
      if (note === undefined || ch === undefined) return undefined;
      return { kind: 'source', source: { kind: 'note', channel: ch - 1, note }, on: f.led.on === 'blink' ? 1 : (f.led.on ?? 0x7f), off: f.led.off ?? 0 };
    }
    if (f.midi) {
      const s = source([...p, 'midi'], f.midi, env);
      return s ? { kind: 'source', source: s } : undefined;
    }
    if (f.osc) {
      checkTransport([...p, 'osc'], 'osc');
      const t = template([...p, 'osc', 'address'], f.osc.address, false);
      return t ? { kind: 'osc', address: t.render(env), type: f.osc.type ?? 'f', units: f.osc.units ?? 'normalized' } : undefined;
    }
    checkTransport([...p, 'line'], 'line');
    const t = template([...p, 'line'], f.line!, false);
    return t ? { kind: 'line', format: t, env } : undefined;
  };

  // Target: checked once with the first repeat values and the initial state.
  const stateEnv: Record<string, number> = { ...CHECK_ENV };
  for (const s of ctx.stateVars) stateEnv[s.name] = s.initial;
  let target: TargetSpec | undefined;
  let targetDef: ParamDef | undefined;
  const combos = parseRepeat(def, at);
  const env0 = { ...stateEnv, ...options, ...(combos[0] ?? {}) };
  const t = def.target;
  if (typeof t === 'string' || t.param !== undefined) {
    const p: Path = typeof t === 'string' ? ['target'] : ['target', 'param'];
    const tpl = template(p, typeof t === 'string' ? t : t.param!, true);
    if (tpl && combos.length) {
      const found = lookupShape(tpl.render(env0));
      if ('error' in found) at(p, found.error);
      else {
        targetDef = found.def;
        target = { kind: 'param', address: tpl, ...(typeof t !== 'string' && t.value !== undefined ? { value: t.value } : {}) };
      }
    }
  } else if (t.action === 'resync') {
    target = { kind: 'resync' };
  } else if (t.all !== undefined || t.action === 'solo-clear') {
    const tpl = template(['target', 'all'], t.all ?? '/{ch,bus,fx}/*/solo', true);
    if (tpl && combos.length) {
      let ok = false;
      try {
        ok = patternMatchesSomething(compileAddressPattern(tpl.render(env0)));
      } catch (e) {
        at(['target', 'all'], `target.all: ${(e as Error).message}`);
      }
      if (!ok) at(['target', 'all'], `target.all: no param matches ${tpl.text}`);
      else target = { kind: 'all', pattern: tpl, ...(t.action === 'solo-clear' ? { value: false } : t.value !== undefined ? { value: t.value } : {}) };
    }
  } else if (t.state !== undefined) {
    if (!stateNames.includes(t.state)) {
      const hint = stateNames.length ? ` (declared: ${stateNames.join(', ')})` : ' (declare it under state:)';
      at(['target', 'state'], `target.state: unknown surface state '${t.state}'${hint}`);
    } else {
      // Without a source, a state target only shows the state (a bank number on a display).
      const v = t.value === undefined && !def.source ? t.state : t.value;
      const e = v === undefined ? undefined : typeof v === 'boolean' ? undefined : expr(['target', 'value'], v, true);
      if (e) target = { kind: 'state', name: t.state, value: e };
      else if (v === undefined || typeof v === 'boolean') at(['target'], `target: a state target needs value: <expression>, e.g. '${t.state} + 8'`);
    }
  } else if (t.scene !== undefined) {
    if (!t.name) at(['target'], 'target: a scene target needs name: <scene name>');
    else target = { kind: 'scene', which: t.scene, name: t.name };
  }

  const g = def.glue ?? {};
  if (targetDef && def.source) {
    if (targetDef.readOnly) at(['target'], `target: ${targetDef.address.replace(/\/\d+\//g, '/<n>/')} is read-only; it can only be fed back (remove the source)`);
    const finite = Number.isFinite(targetDef.min) && Number.isFinite(targetDef.max);
    if (g.taper === 'linear' && !g.range && !finite) at(['glue', 'taper'], 'glue.taper: linear needs glue.range for a param whose range is unbounded (e.g. range: [-60, 10])');
    const lo = g.range?.[0] ?? targetDef.min;
    if (g.taper === 'log' && !(lo > 0)) at(['glue', 'taper'], `glue.taper: log needs a range above 0 (this param starts at ${lo}); use glue.range`);
    if (targetDef.type === 'text' && target?.kind === 'param' && target.value === undefined && g.value === undefined) at(['target'], 'target: a text param is written by a trigger with a value');
  }
  const table = Array.isArray(g.taper) ? g.taper : undefined;
  if (table?.some((pt, k) => k > 0 && !(pt[0] > table[k - 1]![0] && pt[1] > table[k - 1]![1]))) {
    at(['glue', 'taper'], 'a taper table needs increasing positions and increasing values, e.g. [[0, -60], [0.5, -10], [1, 10]] (use invert for a falling curve)');
  }
  if (g.encoder && def.source && !def.source.cc && !def.source.osc) at(['glue', 'encoder'], 'glue.encoder: relative encodings apply to cc (or osc) sources');
  if (!def.source && (def.feedback === undefined || def.feedback === true || def.feedback === false)) at(['feedback'], 'feedback: a binding without a source needs feedback outputs (ring, meter, lcd, segments, led, midi, osc, line)');
  if (def.when !== undefined) expr(['when'], def.when, true);
  if (ctx.issues.items.length > before || !target) return [];

  const touchDef = def.touch;
  const glue: Glue = {
    in: g.in ?? [0, 1],
    out: g.out ?? [0, 1],
    invert: g.invert ?? false,
    taper: g.taper ?? 'param',
    ...(g.range ? { range: g.range } : {}),
    ...(g.encoder ? { encoder: g.encoder } : {}),
    step: g.step ?? 0.01,
    ...(g.accel ? { accel: g.accel } : {}),
    ...(g.button ? { button: g.button } : {}),
    holdMs: g.holdMs ?? 500,
    ...(g.pickup ? { pickup: typeof g.pickup === 'object' ? g.pickup.threshold : 0.03 } : {}),
    deadband: g.deadband ?? 0,
    ...(g.value !== undefined ? { value: g.value } : {}),
  };
  const when = def.when !== undefined ? (exprCache.get('when') ?? undefined) : undefined;
  const out: BindingInstance[] = [];
  const position = ctx.issues.src.positionOf(base);
  for (const repeatVars of combos) {
    const vars = { ...options, ...repeatVars };
    const src = def.source ? source(['source'], def.source, vars) : undefined;
    const touch = touchDef ? source(['touch'], touchDef, vars) : undefined;
    const fbDefs: FeedbackOutDef[] =
      def.feedback === undefined || def.feedback === true ? (canFeedBack(src) ? [{ source: true }] : []) : def.feedback === false ? [] : Array.isArray(def.feedback) ? def.feedback : [def.feedback];
    const feedback = fbDefs.map((f, k) => wellFormed(Array.isArray(def.feedback) ? ['feedback', k] : def.feedback === undefined || def.feedback === true ? ['source'] : ['feedback'], feedbackOut(Array.isArray(def.feedback) ? ['feedback', k] : ['feedback'], f, src, vars), vars));
    const display = def.display ? wellFormed(['display', 'lcd'], lcd(['display', 'lcd'], def.display.lcd, vars), vars) : undefined;
    if (ctx.issues.items.length > before) return [];
    const relative = !!glue.encoder;
    const button = src?.kind === 'note' || !!glue.button;
    out.push({
      label: `bindings[${index}]${Object.keys(repeatVars).length ? ' ' + Object.entries(repeatVars).map(([k, v]) => `${k}=${v}`).join(' ') : ''}${def.name ? ` (${def.name})` : ''}`,
      line: position.line,
      col: position.col,
      vars,
      ...(when ? { when } : {}),
      ...(src ? { source: src } : {}),
      ...(touch ? { touch } : {}),
      glue,
      target,
      feedback: feedback as FeedbackOut[],
      echo: def.echo ?? (relative || button || !src),
      ...(display ? { display: { lcd: display, holdMs: def.display!.holdMs ?? 1000 } } : {}),
    });
  }
  return out;
}
