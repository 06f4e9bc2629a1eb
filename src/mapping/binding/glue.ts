/**
 * Glue arithmetic between a control's normalized position and a param value, both ways: the control
 * range (`in`), invert, the target range (`out`) and the taper. Feedback runs the same chain backwards
 * so a control and its feedback always agree.
 */
import { linearTaper, logTaper, tableTaper, type Taper } from '../../params/taper.ts';
import type { ParamDef, ParamValue } from '../../params/registry.ts';
import { fromNormalized, toNormalized } from '../../params/store.ts';
import type { Encoding } from '../file/schema.ts';
import type { Glue } from '../file/types.ts';

const clamp01 = (x: number): number => (x <= 0 ? 0 : x >= 1 ? 1 : x);

export interface Scale {
  /** Param value → the target's normalized form (through the glue's taper). */
  targetNorm(value: ParamValue): number;
  /** Target-normalized → param value. */
  fromTargetNorm(n: number): ParamValue;
  /** Control position (0..1) → param value. */
  toValue(controlNorm: number): ParamValue;
  /** Param value → control position (0..1), for feedback. */
  toControl(value: ParamValue): number;
}

function glueTaper(glue: Glue, def: ParamDef): Taper | undefined {
  if (glue.taper === 'param' || def.type !== 'number') return undefined;
  const lo = glue.range?.[0] ?? def.min;
  const hi = glue.range?.[1] ?? def.max;
  if (glue.taper === 'linear') return linearTaper(lo, hi);
  if (glue.taper === 'log') return logTaper(lo, hi);
  return tableTaper(glue.taper);
}

export function makeScale(glue: Glue, def: ParamDef): Scale {
  const taper = glueTaper(glue, def);
  const [i0, i1] = glue.in;
  const [o0, o1] = glue.out;
  const targetNorm = (v: ParamValue): number => (taper ? taper.toNormalized(v as number) : toNormalized(def, v));
  const fromTargetNorm = (n: number): ParamValue => (taper ? taper.fromNormalized(clamp01(n)) : fromNormalized(def, n));
  return {
    targetNorm,
    fromTargetNorm,
    toValue(c) {
      let x = clamp01((c - i0) / (i1 - i0));
      if (glue.invert) x = 1 - x;
      return fromTargetNorm(o0 + x * (o1 - o0));
    },
    toControl(v) {
      let x = clamp01((targetNorm(v) - o0) / (o1 - o0));
      if (glue.invert) x = 1 - x;
      return i0 + x * (i1 - i0);
    },
  };
}

/** Decodes one relative-encoder byte into signed ticks. */
export function decodeRelative(encoding: Encoding, v: number): number {
  switch (encoding) {
    case 'twos-complement':
      return v < 64 ? v : v - 128;
    case 'signed-bit':
      return v & 0x40 ? -(v & 0x3f) : v & 0x3f;
    case 'binary-offset':
      return v - 64;
  }
}

/** Encodes signed ticks as one byte (what a device would send); used by tests and simulators. */
export function encodeRelative(encoding: Encoding, ticks: number): number {
  switch (encoding) {
    case 'twos-complement':
      return ticks & 0x7f;
    case 'signed-bit':
      return (ticks < 0 ? 0x40 : 0) | Math.min(0x3f, Math.abs(ticks));
    case 'binary-offset':
      return 64 + ticks;
  }
}

/** A short text for a value on a scribble strip cell of `width` characters. */
export function formatForDisplay(def: ParamDef | undefined, value: ParamValue | undefined, width: number): string {
  if (!def || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 'On' : 'Off';
  const n = value;
  let s: string;
  switch (def.unit) {
    case 'pan': {
      const p = Math.round(n * 100);
      s = p === 0 ? '<C>' : p < 0 ? `L${-p}` : `R${p}`;
      break;
    }
    case 'Hz':
      s = n >= 1000 ? `${(n / 1000).toFixed(n >= 10000 ? 1 : 2)}k` : n.toFixed(n >= 100 ? 0 : 1);
      break;
    case 'dB':
    case 'dBTP':
    case 'LUFS':
    case 'LU':
      s = n === -Infinity ? '-inf' : n.toFixed(Math.abs(n) >= 100 ? 0 : 1);
      // A 14-bit fader cannot land exactly on 0 dB; "-0.0" would read as a cut.
      if (/^-0\.?0*$/.test(s)) s = s.slice(1);
      break;
    case 'ratio':
      s = n.toFixed(n >= 10 ? 1 : 2);
      break;
    default:
      s = Number.isInteger(n) ? String(n) : n.toFixed(1);
  }
  return s.length > width ? s.slice(0, width) : s;
}
