/**
 * The page's copy of the mix: every param's definition (from /api/layout) and its latest value (from
 * OSC), with listeners per address. One rule makes touch work: while a control is held, values
 * arriving for its address are not shown; when it is let go, the page asks the daemon, and the answer
 * shows what it holds (whichever change came last, this page's or another surface's). Until then the
 * control stays where the hand left it: a value that arrived during the hold may be an echo older than
 * the page's last move, and showing it would flash the fader back for a moment.
 */
import { faderLaw, linearTaper, logTaper } from '../lib/params/taper.ts';

/** A param definition with its taper, numbers restored (JSON carries a fader's -inf as null). */
function defOf(p) {
  const num = (v, inf) => (v === null ? inf : v);
  const min = p.type === 'number' ? num(p.min, -Infinity) : p.min;
  const max = p.type === 'number' ? num(p.max, Infinity) : p.max;
  const dflt = p.type === 'number' ? num(p.def, -Infinity) : p.def;
  let taper;
  if (p.taper === 'fader') taper = faderLaw;
  else if (p.taper === 'log') taper = logTaper(min, max);
  else taper = linearTaper(min ?? 0, max > min ? max : 1);
  return { ...p, min, max, def: dflt, taperFn: taper };
}

export class Mix {
  constructor(layout, link) {
    this.layout = layout;
    this.link = link;
    this.readOnly = !!layout.readOnly;
    this.defs = new Map(layout.params.map((p) => [p.a, defOf(p)]));
    this.values = new Map();
    for (const d of this.defs.values()) this.values.set(d.a, d.def);
    this.listeners = new Map();
    this.held = new Map();
    /** Fine adjustment for every control (the toolbar's Fine button or a held Shift key). */
    this.fine = false;
  }

  def(a) {
    return this.defs.get(a);
  }

  get(a) {
    return this.values.get(a);
  }

  /** Calls fn(value) on every change of `a`; returns the unsubscribe. */
  on(a, fn) {
    let set = this.listeners.get(a);
    if (!set) this.listeners.set(a, (set = new Set()));
    set.add(fn);
    return () => set.delete(fn);
  }

  emit(a, v) {
    const set = this.listeners.get(a);
    if (set) for (const fn of set) fn(v);
  }

  /** A value from the daemon. */
  receive(a, raw) {
    const d = this.defs.get(a);
    if (!d) return;
    const v = coerce(d, raw);
    if (v === undefined) return;
    if (this.held.has(a)) return;
    this.values.set(a, v);
    this.emit(a, v);
  }

  /** A change made on this page: shown at once, sent to the daemon. */
  set(a, value) {
    const d = this.defs.get(a);
    if (!d || d.ro || this.readOnly) return;
    let v = value;
    if (d.type === 'number') v = Math.min(d.max, Math.max(d.min, v));
    const held = this.held.has(a);
    this.values.set(a, v);
    this.emit(a, v);
    this.link.send(a, argsOf(d, v));
    // Then ask for it back: a reply to an older query (the page's first read of the mix) may still be
    // on its way and would show the old value; the answer to this one comes after it and shows what
    // the daemon holds. While a control is held, release asks once instead.
    if (!held) this.link.send(a);
  }

  /** Sends an action (scene store/recall) without keeping a value. */
  act(a, text) {
    if (this.readOnly) return;
    this.link.send(a, [{ type: 's', value: text }]);
  }

  hold(a) {
    const h = this.held.get(a);
    if (h) h.count++;
    else this.held.set(a, { count: 1 });
  }

  release(a) {
    const h = this.held.get(a);
    if (!h || --h.count > 0) return;
    this.held.delete(a);
    this.link.send(a);
  }

  isHeld(a) {
    return this.held.has(a);
  }

  /** 0..1 travel of a value through the param's taper. */
  norm(a, v = this.get(a)) {
    const d = this.defs.get(a);
    if (!d) return 0;
    if (d.type === 'bool') return v ? 1 : 0;
    if (d.type === 'enum') return d.values.length > 1 ? Math.max(0, d.values.indexOf(v)) / (d.values.length - 1) : 0;
    return d.taperFn.toNormalized(v);
  }

  fromNorm(a, n) {
    const d = this.defs.get(a);
    if (d.type === 'bool') return n >= 0.5;
    if (d.type === 'enum') return d.values[Math.round(n * (d.values.length - 1))];
    return round(d, d.taperFn.fromNormalized(n));
  }
}

/** Keeps a number on its param's step (0.1 dB...), so values read cleanly and sends stay short. */
function round(d, v) {
  if (!Number.isFinite(v)) return v;
  const step = d.step ?? (d.unit === 'Hz' ? (v < 100 ? 0.1 : 1) : d.unit === 'ms' ? (v < 10 ? 0.01 : 0.1) : 0.01);
  return Math.round(v / step) * step;
}

function coerce(d, raw) {
  switch (d.type) {
    case 'bool':
      return raw === true || raw === 1 || raw === '1' || raw === 'true';
    case 'number':
      return typeof raw === 'number' ? raw : Number(raw);
    case 'enum':
      return typeof raw === 'number' ? d.values[raw] : String(raw);
    default:
      return String(raw);
  }
}

/** OSC arguments in units; a fader at -inf goes as the text `-inf`, which the store reads as off. */
function argsOf(d, v) {
  switch (d.type) {
    case 'bool':
      return [{ type: 'i', value: v ? 1 : 0 }];
    case 'number':
      return Number.isFinite(v) ? [{ type: 'f', value: v }] : [{ type: 's', value: v < 0 ? '-inf' : 'inf' }];
    default:
      return [{ type: 's', value: String(v) }];
  }
}

/** Text for a value in its unit: "-6.0 dB", "-∞ dB", "2.5 kHz", "L 30", "4.0:1". */
export function formatValue(d, v) {
  if (!d) return '';
  switch (d.type) {
    case 'bool':
      return v ? 'on' : 'off';
    case 'enum':
    case 'text':
      return String(v);
  }
  if (v === -Infinity) return `-∞ ${d.unit}`;
  switch (d.unit) {
    case 'dB':
    case 'dBTP':
    case 'LUFS':
    case 'LU':
      return `${v > 0 && d.unit === 'dB' ? '+' : ''}${v.toFixed(1)} ${d.unit}`;
    case 'Hz':
      return v >= 1000 ? `${(v / 1000).toFixed(v >= 10000 ? 1 : 2)} kHz` : `${v.toFixed(v < 100 ? 1 : 0)} Hz`;
    case 'ms':
      return v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${v.toFixed(v < 10 ? 2 : v < 100 ? 1 : 0)} ms`;
    case 'ratio':
      return d.a.endsWith('/ratio') ? `${v.toFixed(1)}:1` : v.toFixed(2);
    case 'pan':
      return Math.abs(v) < 0.005 ? 'C' : `${v < 0 ? 'L' : 'R'} ${Math.round(Math.abs(v) * 100)}`;
    case '%':
      return `${Math.round(v)} %`;
    case 'count':
      return String(Math.round(v));
    default:
      return String(Math.round(v * 100) / 100);
  }
}
