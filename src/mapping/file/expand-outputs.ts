/**
 * What one binding instance reads and shows on its surface: its source (MIDI, SysEx, OSC, text line or
 * SLIP frame pattern) and its feedback outputs (the source itself, LED rings, meters, LCD cells,
 * 7-segment digits, LEDs, OSC, lines), each evaluated for one combination of repeat values and
 * checked (ranges, the transport can carry it, the MIDI it would send is well formed).
 */
import { compileAddressPattern } from '../../util/osc-pattern.ts';
import { formatNumber, type Env } from './expr.ts';
import { familyOf } from './device.ts';
import { SOURCE_KINDS, type BindingDef, type FeedbackOutDef, type SourceDef } from './schema.ts';
import type { FeedbackOut, SourceSpec } from './types.ts';
import { escapeRegExp } from '../../util/regexp.ts';
import { outputProblem } from '../binding/codec.ts';
import type { BindingChecker, Path } from './expand-checks.ts';

const RING_MODE = { dot: 0, 'boost-cut': 1, wrap: 2, spread: 3 } as const;
export const MCU_LCD_HEADER = [0x00, 0x00, 0x66, 0x14, 0x12] as const;

type LcdOut = Extract<FeedbackOut, { kind: 'lcd' }>;

/** A source (or touch, or a midi feedback output) for one combination of repeat values. */
export function sourceSpec(x: BindingChecker, p: Path, s: SourceDef, env: Env): SourceSpec | undefined {
  const kind = SOURCE_KINDS.find((k) => s[k] !== undefined)!;
  x.checkTransport([...p, kind], familyOf(kind));
  const channel = (x.int([...p, 'channel'], s.channel, env, 1, 16, 1) ?? 1) - 1;
  const units = s.units ?? 'normalized';
  switch (kind) {
    case 'note': {
      const note = x.int([...p, 'note'], s.note, env, 0, 127);
      return note === undefined ? undefined : { kind, channel, note };
    }
    case 'cc': {
      const cc = x.int([...p, 'cc'], s.cc, env, 0, 127);
      return cc === undefined ? undefined : { kind, channel, cc };
    }
    case 'cc14': {
      const pair = Array.isArray(s.cc14) ? s.cc14 : undefined;
      const msb = x.int([...p, 'cc14', ...(pair ? [0] : [])], pair ? pair[0] : (s.cc14 as number | string), env, 0, pair ? 127 : 31);
      const lsb = pair ? x.int([...p, 'cc14', 1], pair[1], env, 0, 127) : msb === undefined ? undefined : msb + 32;
      return msb === undefined || lsb === undefined ? undefined : { kind, channel, msb, lsb };
    }
    case 'nrpn': {
      if (Array.isArray(s.nrpn)) {
        const hi = x.int([...p, 'nrpn', 0], s.nrpn[0], env, 0, 127);
        const lo = x.int([...p, 'nrpn', 1], s.nrpn[1], env, 0, 127);
        return hi === undefined || lo === undefined ? undefined : { kind, channel, param: (hi << 7) | lo };
      }
      const param = x.int([...p, 'nrpn'], s.nrpn, env, 0, 16383);
      return param === undefined ? undefined : { kind, channel, param };
    }
    case 'pitchbend':
    case 'pressure':
    case 'program':
      return { kind, channel };
    case 'polypressure': {
      const note = x.int([...p, 'polypressure'], s.polypressure, env, 0, 127);
      return note === undefined ? undefined : { kind, channel, note };
    }
    case 'sysex':
    case 'frame': {
      const pattern = x.bytePattern([...p, kind], s[kind]!, env, kind === 'sysex');
      return pattern ? { kind, pattern } : undefined;
    }
    case 'osc': {
      const t = x.template([...p, 'osc'], s.osc!, false);
      if (!t) return undefined;
      const address = t.render(env);
      return { kind, address, match: compileAddressPattern(address), args: s.args ?? 'f', arg: s.arg ?? 0, units };
    }
    case 'line': {
      const t = x.template([...p, 'line'], s.line!, false);
      if (!t) return undefined;
      if (!t.hasValue) {
        x.at([...p, 'line'], `${[...p, 'line'].join('.')}: a line pattern needs a {value} capture`);
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
}

/** Whether a source can show a value back (relative encoders, program changes and patterns with ?? cannot). */
export function canFeedBack(def: BindingDef, s: SourceSpec | undefined): boolean {
  return !!s && s.kind !== 'program' && !(s.kind === 'cc' && def.glue?.encoder) && !((s.kind === 'sysex' || s.kind === 'frame') && s.pattern.some((b) => 'any' in b));
}

/** An MCU-style LCD output: cells of `width` characters with a `gap`, at `offset` after the SysEx header. */
export function lcdOut(x: BindingChecker, p: Path, d: { offset: number | string; width?: number | undefined; gap?: number | undefined; header?: Array<number | string> | undefined }, env: Env): LcdOut | undefined {
  x.checkTransport(p, 'midi');
  const offset = x.int([...p, 'offset'], d.offset, env, 0, 111);
  const header = d.header ? d.header.map((b, k) => x.int([...p, 'header', k], b, env, 0, 127)) : [...MCU_LCD_HEADER];
  const width = d.width ?? 7;
  const gap = d.gap ?? 1;
  if (gap >= width) x.at([...p, 'gap'], `${[...p, 'gap'].join('.')}: the gap (${gap}) must leave room for text in a cell of width ${width}`);
  if (offset === undefined || header.some((b) => b === undefined) || gap >= width) return undefined;
  return { kind: 'lcd' as const, header: header as number[], offset, width, gap };
}

/** An output whose messages are all well formed; one that would send malformed MIDI is an issue here. */
export function wellFormed<T extends FeedbackOut>(x: BindingChecker, p: Path, out: T | undefined, vars: Env): T | undefined {
  const problem = out && outputProblem(out);
  const names = Object.keys(vars).filter((k) => x.repeatNames.includes(k));
  if (problem) x.at(p, `${problem}${names.length ? ` (with ${names.map((k) => `${k} = ${vars[k]}`).join(', ')})` : ''}`);
  return problem ? undefined : out;
}

/** One feedback output of a binding for one combination of repeat values. */
export function feedbackOut(x: BindingChecker, p: Path, f: FeedbackOutDef, src: SourceSpec | undefined, env: Env): FeedbackOut | undefined {
  if (f.source) {
    if (!canFeedBack(x.def, src)) {
      x.at(p, `${p.join('.')}: this binding's source cannot show a value (relative encoders, program changes and patterns with ?? take feedback through ring/led/lcd outputs)`);
      return undefined;
    }
    return { kind: 'source', source: src! };
  }
  if (f.ring) {
    x.checkTransport([...p, 'ring'], 'midi');
    const cc = x.int([...p, 'ring', 'cc'], f.ring.cc, env, 0, 127);
    const ch = x.int([...p, 'ring', 'channel'], f.ring.channel, env, 1, 16, 1);
    return cc === undefined || ch === undefined ? undefined : { kind: 'ring', channel: ch - 1, cc, mode: RING_MODE[f.ring.mode ?? 'dot'], center: f.ring.center ?? false };
  }
  if (f.meter) {
    x.checkTransport([...p, 'meter'], 'midi');
    const strip = x.int([...p, 'meter', 'strip'], f.meter.strip, env, 0, 15);
    const ch = x.int([...p, 'meter', 'channel'], f.meter.channel, env, 1, 16, 1);
    return strip === undefined || ch === undefined ? undefined : { kind: 'meter', channel: ch - 1, strip, ...(f.meter.refreshMs ? { refreshMs: f.meter.refreshMs } : {}) };
  }
  if (f.lcd) return lcdOut(x, [...p, 'lcd'], f.lcd, env);
  if (f.segments) {
    x.checkTransport([...p, 'segments'], 'midi');
    const cc = x.int([...p, 'segments', 'cc'], f.segments.cc, env, 0, 128 - f.segments.digits);
    const ch = x.int([...p, 'segments', 'channel'], f.segments.channel, env, 1, 16, 1);
    const text = f.segments.text !== undefined ? x.template([...p, 'segments', 'text'], f.segments.text, true) : undefined;
    if (cc === undefined || ch === undefined || (f.segments.text !== undefined && !text)) return undefined;
    return { kind: 'segments', channel: ch - 1, cc, digits: f.segments.digits, ...(text ? { text } : {}) };
  }
  if (f.led) {
    x.checkTransport([...p, 'led'], 'midi');
    const note = x.int([...p, 'led', 'note'], f.led.note, env, 0, 127);
    const ch = x.int([...p, 'led', 'channel'], f.led.channel, env, 1, 16, 1);
    if (note === undefined || ch === undefined) return undefined;
    return { kind: 'source', source: { kind: 'note', channel: ch - 1, note }, on: f.led.on === 'blink' ? 1 : (f.led.on ?? 0x7f), off: f.led.off ?? 0 };
  }
  if (f.midi) {
    const s = sourceSpec(x, [...p, 'midi'], f.midi, env);
    return s ? { kind: 'source', source: s } : undefined;
  }
  if (f.osc) {
    x.checkTransport([...p, 'osc'], 'osc');
    const t = x.template([...p, 'osc', 'address'], f.osc.address, false);
    return t ? { kind: 'osc', address: t.render(env), type: f.osc.type ?? 'f', units: f.osc.units ?? 'normalized' } : undefined;
  }
  x.checkTransport([...p, 'line'], 'line');
  const t = x.template([...p, 'line'], f.line!, false);
  return t ? { kind: 'line', format: t, env } : undefined;
}
