/**
 * SLIP framing (RFC 1055, as OSC 1.1 uses over serial): frames end with END (0xC0); END and ESC
 * inside a frame are sent as ESC ESC_END (DB DC) and ESC ESC_ESC (DB DD). Empty frames (back-to-back
 * ENDs, which senders use to flush line noise) are skipped. Over-long frames and bad escapes are
 * dropped whole and counted.
 *
 *   const f = new SlipDecoder({ maxFrame: 4096, onFrame: (bytes) => ... });
 *   f.push(Uint8Array.of(0xc0, 1, 0xdb, 0xdc, 2, 0xc0)); // one frame: 01 C0 02
 */

export const END = 0xc0;
export const ESC = 0xdb;
export const ESC_END = 0xdc;
export const ESC_ESC = 0xdd;

export interface SlipDecoderOptions {
  /** Longest accepted decoded frame in bytes. Default 4096. */
  readonly maxFrame?: number;
  readonly onFrame: (data: Uint8Array) => void;
}

export class SlipDecoder {
  private readonly maxFrame: number;
  private readonly onFrame: (data: Uint8Array) => void;
  private readonly buf: Uint8Array;
  private len = 0;
  private escaped = false;
  private bad = false;
  /** Frames dropped: too long or with a bad escape. */
  dropped = 0;
  frames = 0;

  constructor(opts: SlipDecoderOptions) {
    this.maxFrame = opts.maxFrame ?? 4096;
    if (!(Number.isInteger(this.maxFrame) && this.maxFrame > 0)) throw new TypeError(`"maxFrame" must be a positive integer, got ${opts.maxFrame}`);
    this.onFrame = opts.onFrame;
    this.buf = new Uint8Array(this.maxFrame);
  }

  push(bytes: Uint8Array): void {
    for (let i = 0; i < bytes.length; i++) {
      let b = bytes[i]!;
      if (b === END) {
        this.endFrame();
        continue;
      }
      if (this.bad) continue;
      if (this.escaped) {
        this.escaped = false;
        if (b === ESC_END) b = END;
        else if (b === ESC_ESC) b = ESC;
        else {
          this.bad = true;
          continue;
        }
      } else if (b === ESC) {
        this.escaped = true;
        continue;
      }
      if (this.len >= this.maxFrame) {
        this.bad = true;
        continue;
      }
      this.buf[this.len++] = b;
    }
  }

  reset(): void {
    this.len = 0;
    this.escaped = false;
    this.bad = false;
  }

  private endFrame(): void {
    const n = this.len;
    const bad = this.bad || this.escaped;
    this.reset();
    if (bad) {
      this.dropped++;
      return;
    }
    if (n === 0) return;
    this.frames++;
    this.onFrame(this.buf.slice(0, n));
  }
}

/** Encodes one frame, with a leading END to flush any noise the receiver holds. */
export function encodeSlip(data: Uint8Array): Uint8Array {
  let extra = 2;
  for (const b of data) if (b === END || b === ESC) extra++;
  const out = new Uint8Array(data.length + extra);
  let j = 0;
  out[j++] = END;
  for (const b of data) {
    if (b === END) {
      out[j++] = ESC;
      out[j++] = ESC_END;
    } else if (b === ESC) {
      out[j++] = ESC;
      out[j++] = ESC_ESC;
    } else out[j++] = b;
  }
  out[j] = END;
  return out;
}
