/**
 * Text-line framing: splits a byte stream into lines at `\n`, `\r\n` or `\r`. With `\n` or `\r\n`,
 * a `\r` just before the `\n` is no part of the line (Arduino's println ends lines with both), nor of
 * its length. A line longer than `maxLine` bytes is dropped whole (counted), up to its terminator, so
 * one runaway sender cannot grow memory or glue garbage to the next good line.
 *
 *   const f = new LineFramer({ ending: '\n', maxLine: 256, onLine: (s) => ... });
 *   f.push(Buffer.from('fader 1 0.5\nfa')); f.push(Buffer.from('der 2 0\n')); // two lines
 */

export interface LineFramerOptions {
  readonly ending?: '\n' | '\r\n' | '\r';
  /** Longest accepted line in bytes (terminator excluded). Default 1024. */
  readonly maxLine?: number;
  readonly onLine: (text: string) => void;
}

export class LineFramer {
  private readonly term: number;
  /** With a `\n` terminator, a trailing `\r` is stripped from each line. */
  private readonly stripCr: boolean;
  private readonly maxLine: number;
  private readonly onLine: (text: string) => void;
  private readonly buf: Uint8Array;
  private len = 0;
  private overflow = false;
  private readonly decoder = new TextDecoder('utf-8');
  /** Lines dropped for being too long. */
  dropped = 0;
  lines = 0;

  constructor(opts: LineFramerOptions) {
    const ending = opts.ending ?? '\n';
    this.term = ending === '\r' ? 0x0d : 0x0a;
    this.stripCr = ending !== '\r';
    this.maxLine = opts.maxLine ?? 1024;
    if (!(Number.isInteger(this.maxLine) && this.maxLine > 0)) throw new TypeError(`"maxLine" must be a positive integer, got ${opts.maxLine}`);
    this.onLine = opts.onLine;
    // One extra byte for the `\r` of a `\r\n` line of the maximum length.
    this.buf = new Uint8Array(this.maxLine + 1);
  }

  push(bytes: Uint8Array): void {
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i]!;
      if (b === this.term) {
        this.endLine();
        continue;
      }
      if (this.overflow) continue;
      if (this.len >= this.buf.length) {
        this.overflow = true;
        continue;
      }
      this.buf[this.len++] = b;
    }
  }

  reset(): void {
    this.len = 0;
    this.overflow = false;
  }

  private endLine(): void {
    let n = this.len;
    if (this.stripCr && n > 0 && this.buf[n - 1] === 0x0d) n--;
    const over = this.overflow || n > this.maxLine;
    this.len = 0;
    this.overflow = false;
    if (over) {
      this.dropped++;
      return;
    }
    this.lines++;
    this.onLine(this.decoder.decode(this.buf.subarray(0, n)));
  }
}

/** Encodes one line with its terminator. */
export function encodeLine(text: string, ending: '\n' | '\r\n' | '\r' = '\n'): Uint8Array {
  return new TextEncoder().encode(text + ending);
}
