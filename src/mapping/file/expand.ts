/**
 * One binding declaration → one instance per combination of its repeat variables, with every number
 * evaluated and range-checked, every template compiled and every target address checked by shape.
 *
 * The steps, in order: the repeat combinations (repeat.ts); the target, checked once with the first
 * combination and the surface state's initial values (resolveTarget); the glue against that target
 * (checkGlue); then, for each combination, the source, touch, feedback and display outputs
 * (expand-outputs.ts) into an instance (instances). Every step reports through one BindingChecker
 * (expand-checks.ts); a binding with any issue yields nothing, so the file's other problems are still
 * all reported.
 */
import type { ParamDef } from '../../params/registry.ts';
import { compileAddressPattern } from '../../util/osc-pattern.ts';
import { lookupShape, patternMatchesSomething } from './reference.ts';
import type { BindingDef, FeedbackOutDef } from './schema.ts';
import type { BindingInstance, FeedbackOut, Glue, TargetSpec } from './types.ts';
import { parseRepeat } from './repeat.ts';
import type { Env } from './expr.ts';
import { BindingChecker, type ExpandContext, type Path } from './expand-checks.ts';
import { canFeedBack, feedbackOut, lcdOut, sourceSpec, wellFormed } from './expand-outputs.ts';

export type { ExpandContext } from './expand-checks.ts';
export { MCU_LCD_HEADER } from './expand-outputs.ts';

/** Session sizes assumed when a load-time check has to evaluate a template. */
const CHECK_ENV = { channels: 8, buses: 2, fx: 2 };

type Combos = ReturnType<typeof parseRepeat>;

/** Expands a validated binding; problems go to ctx.issues and the binding yields nothing. */
export function expandBinding(def: BindingDef, index: number, ctx: ExpandContext): BindingInstance[] {
  const x = new BindingChecker(def, index, ctx);
  const combos = parseRepeat(def, x.at);
  const { target, targetDef } = resolveTarget(x, combos);
  checkGlue(x, target, targetDef);
  if (x.failed || !target) return [];
  return instances(x, combos, target);
}

/** The target, checked once with the first repeat values and the surface state's initial values. */
function resolveTarget(x: BindingChecker, combos: Combos): { target: TargetSpec | undefined; targetDef: ParamDef | undefined } {
  const def = x.def;
  const stateEnv: Record<string, number> = { ...CHECK_ENV };
  for (const s of x.ctx.stateVars) stateEnv[s.name] = s.initial;
  let target: TargetSpec | undefined;
  let targetDef: ParamDef | undefined;
  const env0: Env = { ...stateEnv, ...x.options, ...(combos[0] ?? {}) };
  const t = def.target;
  if (typeof t === 'string' || t.param !== undefined) {
    const p: Path = typeof t === 'string' ? ['target'] : ['target', 'param'];
    const tpl = x.template(p, typeof t === 'string' ? t : t.param!, true);
    if (tpl && combos.length) {
      const found = lookupShape(tpl.render(env0));
      if ('error' in found) x.at(p, found.error);
      else {
        targetDef = found.def;
        target = { kind: 'param', address: tpl, ...(typeof t !== 'string' && t.value !== undefined ? { value: t.value } : {}) };
      }
    }
  } else if (t.action === 'resync') {
    target = { kind: 'resync' };
  } else if (t.all !== undefined || t.action === 'solo-clear') {
    const tpl = x.template(['target', 'all'], t.all ?? '/{ch,bus,fx}/*/solo', true);
    if (tpl && combos.length) {
      let ok = false;
      try {
        ok = patternMatchesSomething(compileAddressPattern(tpl.render(env0)));
      } catch (e) {
        x.at(['target', 'all'], `target.all: ${(e as Error).message}`);
      }
      if (!ok) x.at(['target', 'all'], `target.all: no param matches ${tpl.text}`);
      else target = { kind: 'all', pattern: tpl, ...(t.action === 'solo-clear' ? { value: false } : t.value !== undefined ? { value: t.value } : {}) };
    }
  } else if (t.state !== undefined) {
    if (!x.stateNames.includes(t.state)) {
      const hint = x.stateNames.length ? ` (declared: ${x.stateNames.join(', ')})` : ' (declare it under state:)';
      x.at(['target', 'state'], `target.state: unknown surface state '${t.state}'${hint}`);
    } else {
      // Without a source, a state target only shows the state (a bank number on a display).
      const v = t.value === undefined && !def.source ? t.state : t.value;
      const e = v === undefined ? undefined : typeof v === 'boolean' ? undefined : x.expr(['target', 'value'], v, true);
      if (e) target = { kind: 'state', name: t.state, value: e };
      else if (v === undefined || typeof v === 'boolean') x.at(['target'], `target: a state target needs value: <expression>, e.g. '${t.state} + 8'`);
    }
  } else if (t.scene !== undefined) {
    if (!t.name) x.at(['target'], 'target: a scene target needs name: <scene name>');
    else target = { kind: 'scene', which: t.scene, name: t.name };
  }
  return { target, targetDef };
}

/** The glue checked against the target param (ranges, tapers, encoders) and the binding's shape. */
function checkGlue(x: BindingChecker, target: TargetSpec | undefined, targetDef: ParamDef | undefined): void {
  const def = x.def;
  const g = def.glue ?? {};
  if (targetDef && def.source) {
    if (targetDef.readOnly) x.at(['target'], `target: ${targetDef.address.replace(/\/\d+\//g, '/<n>/')} is read-only; it can only be fed back (remove the source)`);
    const finite = Number.isFinite(targetDef.min) && Number.isFinite(targetDef.max);
    if (g.taper === 'linear' && !g.range && !finite) x.at(['glue', 'taper'], 'glue.taper: linear needs glue.range for a param whose range is unbounded (e.g. range: [-60, 10])');
    const lo = g.range?.[0] ?? targetDef.min;
    if (g.taper === 'log' && !(lo > 0)) x.at(['glue', 'taper'], `glue.taper: log needs a range above 0 (this param starts at ${lo}); use glue.range`);
    if (targetDef.type === 'text' && target?.kind === 'param' && target.value === undefined && g.value === undefined) x.at(['target'], 'target: a text param is written by a trigger with a value');
  }
  const table = Array.isArray(g.taper) ? g.taper : undefined;
  if (table?.some((pt, k) => k > 0 && !(pt[0] > table[k - 1]![0] && pt[1] > table[k - 1]![1]))) {
    x.at(['glue', 'taper'], 'a taper table needs increasing positions and increasing values, e.g. [[0, -60], [0.5, -10], [1, 10]] (use invert for a falling curve)');
  }
  if (g.encoder && def.source && !def.source.cc && !def.source.osc) x.at(['glue', 'encoder'], 'glue.encoder: relative encodings apply to cc (or osc) sources');
  if (!def.source && (def.feedback === undefined || def.feedback === true || def.feedback === false)) x.at(['feedback'], 'feedback: a binding without a source needs feedback outputs (ring, meter, lcd, segments, led, midi, osc, line)');
  if (def.when !== undefined) x.expr(['when'], def.when, true);
}

/** The glue with its defaults filled in. */
function glueOf(def: BindingDef): Glue {
  const g = def.glue ?? {};
  return {
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
}

/** One instance per combination of repeat values: source, touch, feedback and display evaluated for it. */
function instances(x: BindingChecker, combos: Combos, target: TargetSpec): BindingInstance[] {
  const def = x.def;
  const index = x.index;
  const touchDef = def.touch;
  const glue = glueOf(def);
  const when = def.when !== undefined ? (x.exprCache.get('when') ?? undefined) : undefined;
  const out: BindingInstance[] = [];
  const position = x.ctx.issues.src.positionOf(x.base);
  for (const repeatVars of combos) {
    const vars = { ...x.options, ...repeatVars };
    const src = def.source ? sourceSpec(x, ['source'], def.source, vars) : undefined;
    const touch = touchDef ? sourceSpec(x, ['touch'], touchDef, vars) : undefined;
    const fbDefs: FeedbackOutDef[] =
      def.feedback === undefined || def.feedback === true ? (canFeedBack(def, src) ? [{ source: true }] : []) : def.feedback === false ? [] : Array.isArray(def.feedback) ? def.feedback : [def.feedback];
    const feedback = fbDefs.map((f, k) => wellFormed(x, Array.isArray(def.feedback) ? ['feedback', k] : def.feedback === undefined || def.feedback === true ? ['source'] : ['feedback'], feedbackOut(x, Array.isArray(def.feedback) ? ['feedback', k] : ['feedback'], f, src, vars), vars));
    const display = def.display ? wellFormed(x, ['display', 'lcd'], lcdOut(x, ['display', 'lcd'], def.display.lcd, vars), vars) : undefined;
    if (x.failed) return [];
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
