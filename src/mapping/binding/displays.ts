/**
 * The bytes of MCU-style displays: scribble-strip cells, 7-segment digits and meter levels. What each
 * shows is worked out here; the codec wraps them into keyed feedback messages.
 */
import type { SurfaceMessage } from '../../surfaces/types.ts';
import { fitText, toAscii } from './display-text.ts';

/**
 * Scribble-strip text as SysEx: header, offset, then a cell of `width` characters whose last `gap`
 * stay blank, so neighbouring cells never run together ("LeadVoc" next to "Backing" would read as
 * one word). An MCU strip cell is 7 characters: 6 of text and a space, as hosts write it. The text is
 * transliterated to ASCII and abbreviated to fit (see display-text.ts).
 */
export function lcdMessage(header: readonly number[], offset: number, width: number, text: string, gap = 1): SurfaceMessage {
  const shown = fitText(text, Math.max(0, width - gap));
  const cells = new Array<number>(width).fill(0x20);
  for (let i = 0; i < shown.length; i++) cells[i] = shown.charCodeAt(i);
  return { kind: 'midi', data: Uint8Array.from([0xf0, ...header, offset, ...cells, 0xf7]) };
}

/**
 * The cells of a 7-segment display for `text`, rightmost digit first (a timecode display reads right
 * to left from its first CC), right-aligned. A `.` lights the dot of the digit before it. Characters
 * map as the MCU takes them: 0x20-0x3F as is, letters as 0x01-0x1A (lower case shown as upper),
 * anything else blank; non-ASCII is transliterated first.
 */
export function segmentCells(text: string, digits: number): number[] {
  const cells: number[] = [];
  for (const ch of toAscii(text)) {
    if (ch === '.' && cells.length > 0 && !(cells[cells.length - 1]! & 0x40)) {
      cells[cells.length - 1]! |= 0x40;
      continue;
    }
    const c = ch.toUpperCase().charCodeAt(0);
    cells.push(c >= 0x20 && c <= 0x3f ? c : c >= 0x40 && c <= 0x5f ? c - 0x40 : 0x20);
  }
  const shown = cells.slice(-digits);
  const out: number[] = [];
  for (let k = 0; k < digits; k++) out.push(shown[shown.length - 1 - k] ?? 0x20);
  return out;
}

/**
 * The level an MCU meter shows for `db`: 0 (dark, below -60 dB) to 12 (0 dB and above). The steps
 * follow the scale the unit's meter segments stand for (TouchMCU's protocol notes), finer near the
 * top: every 2 dB from -10 dB to 0 dB, then -14, -20, and 10 dB steps down to -60 dB. Ardour's Mackie
 * surface uses a curve of the same shape (its IEC-style deflection).
 */
const METER_STEPS_DB = [-60, -50, -40, -30, -20, -14, -10, -8, -6, -4, -2, 0] as const;
export function meterLevel(db: number): number {
  let level = 0;
  while (level < METER_STEPS_DB.length && db >= METER_STEPS_DB[level]!) level++;
  return level;
}

/** MCU meter values beyond the 0..12 levels: the overload indicator on and off. */
export const METER_OVERLOAD_SET = 0x0e;
export const METER_OVERLOAD_CLEAR = 0x0f;
