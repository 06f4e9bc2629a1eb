/**
 * Text for fixed-width character displays (MCU scribble strips, 7-segment digits): transliterated to
 * ASCII, and abbreviated to fit a cell the way mixing hosts shorten track names, so "Lead Vocal" and
 * "Backing Vox 2" stay recognisable in six characters instead of being cut to "Lead V".
 *
 *   fitText('Overhead Left', 6)   // "OvrLft"
 *   fitText('Café', 6)            // "Cafe"
 *   fitText('Вокал', 6)           // "Vokal"
 */
import anyAscii from 'any-ascii';

/** Longest input considered: a display shows a few characters, and this bounds the work per name. */
const MAX_INPUT = 256;
const ASCII_PRINTABLE = /^[\x20-\x7e]$/;

/**
 * The text in printable ASCII: accented letters lose their accents (é → e), other scripts are
 * transliterated (Вокал → Vokal, 你好 → NiHao), control characters become spaces, and pictographs
 * (emoji, which transliterate to a long ":name:") are dropped. Whitespace runs collapse to one space.
 */
export function toAscii(text: string): string {
  let out = '';
  let n = 0;
  for (const ch of text) {
    if (++n > MAX_INPUT) break;
    if (ASCII_PRINTABLE.test(ch)) {
      out += ch;
      continue;
    }
    const code = ch.codePointAt(0)!;
    if (code < 0x80) {
      out += ' ';
      continue;
    }
    const t = anyAscii(ch);
    if (t.length > 2 && t.startsWith(':') && t.endsWith(':')) continue;
    out += t.replace(/[^\x20-\x7e]/g, '');
  }
  return out.replace(/\s+/g, ' ').trim();
}

const isAlnum = (c: string): boolean => /[A-Za-z0-9]/.test(c);
const isDigit = (c: string): boolean => c >= '0' && c <= '9';
const isLowerVowel = (c: string): boolean => 'aeiou'.includes(c);
const isLower = (c: string): boolean => c >= 'a' && c <= 'z';

interface Letter {
  readonly c: string;
  /** Index of the word it belongs to (-1 for spaces and punctuation). */
  readonly word: number;
  /** First letter of its word: kept until the very end, so every word leaves a trace. */
  readonly initial: boolean;
}

/** Splits into letters tagged with their word: words break at spaces and punctuation, at camelCase humps and before digits. */
function letters(text: string): Letter[] {
  const out: Letter[] = [];
  let word = -1;
  let prev = '';
  for (const c of text) {
    if (!isAlnum(c)) {
      out.push({ c, word: -1, initial: false });
      prev = c;
      continue;
    }
    const starts = !isAlnum(prev) || (isLower(prev) && c >= 'A' && c <= 'Z') || (isDigit(c) !== isDigit(prev));
    if (starts) word++;
    out.push({ c, word, initial: starts });
    prev = c;
  }
  return out;
}

/**
 * Removes, one at a time, the last letter matching `removable` from the longest word that has one
 * (the later word on a tie), until the text fits or nothing matches: long words give up letters first.
 */
function shrink(ls: Letter[], n: number, removable: (l: Letter) => boolean): void {
  while (ls.length > n) {
    const lengths = new Map<number, number>();
    for (const l of ls) if (l.word >= 0) lengths.set(l.word, (lengths.get(l.word) ?? 0) + 1);
    let best = -1;
    for (let i = ls.length - 1; i >= 0; i--) {
      const l = ls[i]!;
      if (!removable(l)) continue;
      if (best < 0 || (lengths.get(l.word) ?? 0) > (lengths.get(ls[best]!.word) ?? 0)) best = i;
    }
    if (best < 0) return;
    ls.splice(best, 1);
  }
}

/**
 * Shortens `text` to at most `n` characters the way a sound engineer would write it on tape: first
 * the spaces and punctuation go, then lower-case vowels, then lower-case consonants, then other
 * letters, taken from the longest word first and from its end; the first letter of each word and
 * every digit stay to the last ("Backing Vox 2" → "BckVx2"), capitalised where the space before it
 * went ("guitare électrique" → "GtrElc"). Only then is it cut.
 */
export function abbreviate(text: string, n: number): string {
  if (text.length <= n) return text;
  const ls = letters(text);
  const spaceOrMark = (l: Letter): boolean => l.word < 0;
  shrink(ls, n, (l) => spaceOrMark(l) && l.c === ' ');
  shrink(ls, n, spaceOrMark);
  shrink(ls, n, (l) => !l.initial && isLowerVowel(l.c));
  shrink(ls, n, (l) => !l.initial && isLower(l.c));
  shrink(ls, n, (l) => !l.initial && !isDigit(l.c));
  shrink(ls, n, (l) => !isDigit(l.c));
  // Where the space between two words went, the second word's capital keeps the boundary readable.
  return ls
    .map((l, i) => (l.initial && i > 0 && ls[i - 1]!.word >= 0 ? l.c.toUpperCase() : l.c))
    .join('')
    .slice(0, n);
}

/** ASCII text fitted to `n` characters: transliterated, then abbreviated. */
export function fitText(text: string, n: number): string {
  return abbreviate(toAscii(text), n);
}
