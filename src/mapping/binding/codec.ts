/**
 * Source messages → control events, and feedback values → the exact messages a device expects.
 * Decoders are per binding instance and keep the little state a source needs (14-bit pairs, NRPN).
 */
import type { SurfaceMessage, OscArg } from '../../surfaces/types.ts';
import { argValue } from '../../surfaces/osc/codec.ts';
import type { ParamDef, ParamValue } from '../../params/registry.ts';
import { decodeRelative, formatForDisplay } from './glue.ts';
import { METER_OVERLOAD_CLEAR, METER_OVERLOAD_SET, lcdMessage, meterLevel, segmentCells } from './displays.ts';
import { midiProblem } from '../../surfaces/serial/framing/midi.ts';
import { dataLength } from '../../surfaces/midi/parser.ts';
import type { Encoding } from '../file/schema.ts';
import type { FeedbackOut, PatternByte, SourceSpec } from '../file/types.ts';
import type { Env } from '../file/expr.ts';

export type ControlEvent =
  /**
   * An absolute position: `raw` of `steps` (127, 16383...), `norm` = raw / steps. `clamped`: the device
   * sent a position outside 0..1 (`F1 1.5`), so it is not where the param ends up.
   */
  | { readonly kind: 'abs'; readonly norm: number; readonly raw: number; readonly steps: number; readonly clamped?: boolean }
  /** A value in the param's own unit (OSC/serial with `units: value`). */
  | { readonly kind: 'value'; readonly value: number }
  | { readonly kind: 'rel'; readonly ticks: number }
  | { readonly kind: 'press'; readonly down: boolean };

export interface DecodeOptions {
  readonly encoder?: Encoding | undefined;
  /** Treat a CC/OSC value as a button (above half = pressed). */
  readonly button?: boolean;
}

const abs = (raw: number, steps: number): ControlEvent => ({ kind: 'abs', norm: raw / steps, raw, steps });
/** A position 0..1 from a device that may send any number: kept within 0..1, and marked if it was not. */
const unit = (v: number): ControlEvent => (v >= 0 && v <= 1 ? { kind: 'abs', norm: v, raw: v, steps: 1 } : { kind: 'abs', norm: v > 1 ? 1 : 0, raw: v, steps: 1, clamped: true });

function matchPattern(pattern: readonly PatternByte[], data: Uint8Array): number | undefined {
  if (data.length !== pattern.length) return undefined;
  let value = 0;
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i]!;
    if ('byte' in p) {
      if (data[i] !== p.byte) return undefined;
    } else if ('value' in p) value = data[i]!;
  }
  return value;
}

/** An OSC argument as a number: T/F as 1/0, int64 included (osc.js gives it as a Long). */
function oscNumber(a: OscArg | undefined): number | undefined {
  const v = a && argValue(a);
  return typeof v === 'number' ? v : typeof v === 'boolean' ? (v ? 1 : 0) : undefined;
}

/** A stateful decoder for one source: a message in, an event (or undefined if not ours) out. */
export function createDecoder(src: SourceSpec, opts: DecodeOptions): (msg: SurfaceMessage) => ControlEvent | undefined {
  const asButton = (e: ControlEvent | undefined): ControlEvent | undefined =>
    opts.button && e?.kind === 'abs' ? { kind: 'press', down: e.norm >= 0.5 } : e;
  switch (src.kind) {
    case 'osc':
      return (msg) => {
        if (msg.kind !== 'osc' || !src.match.test(msg.address)) return undefined;
        const v = oscNumber(msg.args[src.arg]);
        if (v === undefined || !Number.isFinite(v)) return undefined; // inf/NaN are never a position
        if (opts.encoder) return { kind: 'rel', ticks: Math.round(v) };
        if (src.units === 'value') return { kind: 'value', value: v };
        return asButton(unit(v));
      };
    case 'line':
      return (msg) => {
        if (msg.kind !== 'line') return undefined;
        const m = src.match.exec(msg.text.trim());
        if (!m) return undefined;
        const v = Number(m[1]);
        if (!Number.isFinite(v)) return undefined; // 400 digits read as Infinity
        if (src.units === 'value') return { kind: 'value', value: v };
        return asButton(unit(v));
      };
    case 'sysex':
    case 'frame':
      return (msg) => {
        if (msg.kind !== (src.kind === 'sysex' ? 'midi' : 'frame')) return undefined;
        const v = matchPattern(src.pattern, msg.data);
        return v === undefined ? undefined : asButton(abs(v, 127));
      };
    default:
      break;
  }
  const ch = src.channel;
  let msb = -1;
  let nrpnHi = -1;
  let nrpnLo = -1;
  let dataHi = -1;
  return (msg) => {
    if (msg.kind !== 'midi' || msg.data.length < 2) return undefined;
    const d = msg.data;
    const status = d[0]! & 0xf0;
    if ((d[0]! & 0x0f) !== ch) return undefined;
    switch (src.kind) {
      case 'note':
        if ((status === 0x90 || status === 0x80) && d[1] === src.note) return { kind: 'press', down: status === 0x90 && (d[2] ?? 0) > 0 };
        return undefined;
      case 'cc':
        if (status !== 0xb0 || d[1] !== src.cc) return undefined;
        if (opts.encoder) return { kind: 'rel', ticks: decodeRelative(opts.encoder, d[2] ?? 0) };
        return asButton(abs(d[2] ?? 0, 127));
      case 'cc14':
        if (status !== 0xb0) return undefined;
        if (d[1] === src.msb) msb = d[2] ?? 0;
        else if (d[1] === src.lsb && msb >= 0) return abs((msb << 7) | (d[2] ?? 0), 16383);
        return undefined;
      case 'nrpn':
        if (status !== 0xb0) return undefined;
        if (d[1] === 0x63) nrpnHi = d[2] ?? 0;
        else if (d[1] === 0x62) nrpnLo = d[2] ?? 0;
        else if ((nrpnHi << 7) + nrpnLo === src.param && nrpnHi >= 0 && nrpnLo >= 0) {
          if (d[1] === 0x06) dataHi = d[2] ?? 0;
          else if (d[1] === 0x26 && dataHi >= 0) return abs((dataHi << 7) | (d[2] ?? 0), 16383);
        }
        return undefined;
      case 'pitchbend':
        return status === 0xe0 && d.length >= 3 ? abs(((d[2]! << 7) | d[1]!), 16383) : undefined;
      case 'pressure':
        return status === 0xd0 ? abs(d[1]!, 127) : undefined;
      case 'polypressure':
        return status === 0xa0 && d[1] === src.note ? abs(d[2] ?? 0, 127) : undefined;
      case 'program':
        return status === 0xc0 ? abs(d[1]!, 127) : undefined;
    }
  };
}

/** What feedback knows about a value: the control position, the value itself and its param. */
export interface FeedbackValue {
  /** Control position 0..1 (the glue run backwards). */
  readonly norm: number;
  readonly value: ParamValue | undefined;
  readonly def: ParamDef | undefined;
  /** The target does not exist (banked past the last channel): show nothing. */
  readonly blank: boolean;
  /** Surface state, options and repeat variables, for outputs whose text is a template. */
  readonly env?: Env;
}

export interface Outgoing {
  /** One physical output (a fader, an LED, a ring, a cell): the coalescing key. */
  readonly key: string;
  readonly msg: SurfaceMessage;
  readonly except?: string;
  /**
   * Skip it when the output already shows exactly this (LEDs, rings, meters, text: outputs the
   * device cannot change itself). Never for motor faders and knobs, which the hand moves.
   */
  readonly dedupe?: boolean;
  /** A resync: sent even if identical to what was last sent. */
  readonly force?: boolean;
}

const midi = (...bytes: number[]): SurfaceMessage => ({ kind: 'midi', data: Uint8Array.from(bytes) });
const to7 = (n: number): number => Math.max(0, Math.min(127, Math.round(n * 127)));
const to14 = (n: number): number => Math.max(0, Math.min(16383, Math.round(n * 16383)));

/** Whether an output only displays (the device cannot move it), so identical resends can be skipped. */
export const displayOnly = (out: FeedbackOut): boolean =>
  out.kind === 'ring' || out.kind === 'meter' || out.kind === 'lcd' || out.kind === 'segments' || (out.kind === 'source' && out.source.kind === 'note');

/** The key of an output, independent of its value (`pb:0`, `c:0:48`, `lcd:7`...). */
export function outputKey(out: FeedbackOut): string {
  switch (out.kind) {
    case 'source': {
      const s = out.source;
      switch (s.kind) {
        case 'note':
        case 'polypressure':
          return `${s.kind}:${s.channel}:${s.note}`;
        case 'cc':
          return `c:${s.channel}:${s.cc}`;
        case 'cc14':
          return `c:${s.channel}:${s.msb}`;
        case 'nrpn':
          return `nrpn:${s.channel}:${s.param}`;
        case 'pitchbend':
        case 'pressure':
        case 'program':
          return `${s.kind}:${s.channel}`;
        case 'sysex':
        case 'frame':
          return `${s.kind}:${s.pattern.map((b) => ('byte' in b ? b.byte : 'v')).join(',')}`;
        case 'osc':
          return `osc:${s.address}`;
        case 'line':
          return `line:${s.format.render(s.env)}`;
      }
      break;
    }
    case 'ring':
      return `c:${out.channel}:${out.cc}`;
    case 'meter':
      return `meter:${out.channel}:${out.strip}`;
    case 'lcd':
      return `lcd:${out.header.join(',')}:${out.offset}`;
    case 'segments':
      return `seg:${out.channel}:${out.cc}`;
    case 'osc':
      return `osc:${out.address}`;
    case 'line':
      return `line:${out.format.render(out.env)}`;
  }
}

function oscArg(type: 'f' | 'i' | 's' | 'T', fb: FeedbackValue, units: 'normalized' | 'value'): OscArg {
  const num = units === 'value' && typeof fb.value === 'number' ? fb.value : typeof fb.value === 'boolean' && units === 'value' ? (fb.value ? 1 : 0) : fb.norm;
  if (type === 'T') return { type: fb.norm >= 0.5 ? 'T' : 'F' };
  if (type === 's') return { type: 's', value: formatForDisplay(fb.def, fb.value, 32) };
  if (type === 'i') return { type: 'i', value: Math.round(num) };
  return { type: 'f', value: Number.isFinite(num) ? num : 0 };
}

/** One message of a feedback output, with the key of the physical output it drives. */
export interface EncodedPart {
  readonly key: string;
  readonly msg: SurfaceMessage;
  /** Resent by a meter's periodic refresh (the level); other parts only when they change. */
  readonly refresh?: boolean;
}

/**
 * The messages that show `fb` on `out`, each keyed for coalescing and deduplication: one per digit
 * of a 7-segment display (so only the digits that change are sent), the level and the overload
 * indicator of a meter, one message for anything else.
 */
export function encodeOutput(out: FeedbackOut, key: string, fb: FeedbackValue): EncodedPart[] {
  if (out.kind === 'segments') {
    let text = '';
    if (!fb.blank && out.text) text = out.text.render(fb.env ?? {}, typeof fb.value === 'number' ? fb.value : fb.norm);
    else if (!fb.blank) text = formatForDisplay(fb.def, fb.value, out.digits * 2);
    return segmentCells(text, out.digits).map((cell, k) => ({ key: `${key}:${k}`, msg: midi(0xb0 | out.channel, out.cc + k, cell) }));
  }
  if (out.kind === 'meter') {
    const db = !fb.blank && typeof fb.value === 'number' ? fb.value : -Infinity;
    const status = 0xd0 | out.channel;
    // Above 0 dBFS the overload indicator lights; it is cleared once the level is back at or below it.
    return [
      { key, msg: midi(status, (out.strip << 4) | meterLevel(db)), refresh: true },
      { key: `${key}:over`, msg: midi(status, (out.strip << 4) | (db > 0 ? METER_OVERLOAD_SET : METER_OVERLOAD_CLEAR)) },
    ];
  }
  const msg = encodeFeedback(out, fb);
  if (msg.kind !== 'midi') return [{ key, msg }];
  // A 14-bit pair or an NRPN is several messages: each goes out on its own, in order.
  return splitMessages(msg.data).map((data, k) => ({ key: k === 0 ? key : `${key}:${k}`, msg: { kind: 'midi', data } }));
}

/** Channel messages written back to back, one array each; anything else (SysEx, a malformed run) stays whole. */
function splitMessages(data: Uint8Array): Uint8Array[] {
  if (data[0] === undefined || data[0] >= 0xf0) return [data];
  const out: Uint8Array[] = [];
  for (let i = 0; i < data.length; ) {
    const n = data[i]! >= 0x80 && data[i]! < 0xf0 ? 1 + dataLength(data[i]!) : 0;
    if (n === 0 || i + n > data.length) return [data];
    out.push(data.subarray(i, i + n));
    i += n;
  }
  return out;
}

const PROBES: readonly FeedbackValue[] = [
  { norm: 0, value: undefined, def: undefined, blank: true },
  { norm: 0, value: undefined, def: undefined, blank: false },
  { norm: 1, value: undefined, def: undefined, blank: false },
];

/**
 * Why an output would put a malformed MIDI message on the wire (a status byte inside a SysEx, a CC
 * number past 127...), or undefined when every message it can send is well formed. A mapping is
 * checked with this when it loads, so `faderd check` refuses it instead of the device never lighting.
 */
export function outputProblem(out: FeedbackOut): string | undefined {
  // Rendered text is always 7-bit; a text template cannot be evaluated without the session.
  const probes = out.kind === 'segments' && out.text ? PROBES.slice(0, 1) : PROBES;
  for (const fb of probes) {
    for (const { msg } of encodeOutput(out, '', fb)) {
      if (msg.kind !== 'midi') continue;
      const problem = midiProblem(msg.data);
      if (problem) return `would send a malformed MIDI message (${Array.from(msg.data, (b) => b.toString(16).toUpperCase().padStart(2, '0')).join(' ')}): ${problem}`;
    }
  }
  return undefined;
}

/**
 * The message that shows `fb` on an output other than segments and meters (see encodeOutput). A
 * 14-bit pair or an NRPN comes back as its messages back to back; encodeOutput sends them one by one.
 */
export function encodeFeedback(out: Exclude<FeedbackOut, { kind: 'segments' | 'meter' }>, fb: FeedbackValue): SurfaceMessage {
  const n = fb.blank ? 0 : fb.norm;
  switch (out.kind) {
    case 'source': {
      const s = out.source;
      switch (s.kind) {
        case 'note':
          return midi(0x90 | s.channel, s.note, n >= 0.5 ? (out.on ?? 0x7f) : (out.off ?? 0));
        case 'cc':
          return midi(0xb0 | s.channel, s.cc, to7(n));
        case 'cc14': {
          const v = to14(n);
          return { kind: 'midi', data: Uint8Array.from([0xb0 | s.channel, s.msb, v >> 7, 0xb0 | s.channel, s.lsb, v & 0x7f]) };
        }
        case 'nrpn': {
          const v = to14(n);
          const c = 0xb0 | s.channel;
          return { kind: 'midi', data: Uint8Array.from([c, 0x63, s.param >> 7, c, 0x62, s.param & 0x7f, c, 0x06, v >> 7, c, 0x26, v & 0x7f]) };
        }
        case 'pitchbend': {
          const v = to14(n);
          return midi(0xe0 | s.channel, v & 0x7f, v >> 7);
        }
        case 'pressure':
          return midi(0xd0 | s.channel, to7(n));
        case 'polypressure':
          return midi(0xa0 | s.channel, s.note, to7(n));
        case 'program':
          return midi(0xc0 | s.channel, to7(n));
        case 'sysex':
        case 'frame': {
          const data = Uint8Array.from(s.pattern.map((b) => ('byte' in b ? b.byte : to7(n))));
          return s.kind === 'sysex' ? { kind: 'midi', data } : { kind: 'frame', data };
        }
        case 'osc':
          return { kind: 'osc', address: s.address, args: [oscArg(s.args[s.arg] === 'i' ? 'i' : s.args[s.arg] === 'T' || s.args[s.arg] === 'F' ? 'T' : 'f', fb, s.units)] };
        case 'line':
          return { kind: 'line', text: s.format.render(s.env, s.units === 'value' && typeof fb.value === 'number' ? fb.value : n) };
      }
      break;
    }
    case 'ring': {
      // Spread lights outwards from the centre: six steps (1..6) cover it. Wrap fills from the left,
      // so its bottom (a send at -inf) is dark: 0..11. Dot and boost/cut always show a position: 1..11.
      const pos = fb.blank ? 0 : out.mode === 2 ? Math.round(n * 11) : 1 + Math.round(n * (out.mode === 3 ? 5 : 10));
      return midi(0xb0 | out.channel, out.cc, (out.center && !fb.blank ? 0x40 : 0) | (out.mode << 4) | pos);
    }
    case 'lcd':
      return lcdMessage(out.header, out.offset, out.width, fb.blank ? '' : formatForDisplay(fb.def, fb.value, out.width - out.gap), out.gap);
    case 'osc':
      return { kind: 'osc', address: out.address, args: [oscArg(out.type, fb, out.units)] };
    case 'line':
      return { kind: 'line', text: out.format.render(out.env, n) };
  }
}
