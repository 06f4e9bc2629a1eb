/**
 * A small seeded PRNG (mulberry32) and byte/text mutators for fuzzing, so any failing input can be
 * reproduced from its seed and index alone.
 *
 *   const r = new Rng(42); r.int(10); r.bytes(16); mutateBytes(r, packet);
 */

export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0 || 0x9e3779b9;
  }

  /** A uniform 32-bit unsigned integer. */
  u32(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  float(): number {
    return this.u32() / 4294967296;
  }

  /** An integer in 0..n-1. */
  int(n: number): number {
    return Math.floor(this.float() * n);
  }

  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  chance(p: number): boolean {
    return this.float() < p;
  }

  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }

  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.u32() & 0xff;
    return out;
  }

  /** A length skewed toward small values, sometimes large: most bugs live at the edges. */
  size(max: number): number {
    const r = this.float();
    if (r < 0.6) return this.int(Math.min(max, 16) + 1);
    if (r < 0.9) return this.int(Math.min(max, 256) + 1);
    return this.int(max + 1);
  }
}

/** Values that break length fields and counters. */
const INTERESTING_U32 = [0, 1, 3, 4, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x7fffffff, 0x80000000, 0xfffffffc, 0xffffffff];

/** One to four random mutations of a byte string: flips, overwrites, inserts, deletes, splices, truncation. */
export function mutateBytes(r: Rng, input: Uint8Array, maxLen = 65536): Uint8Array {
  let b = Uint8Array.from(input);
  const n = 1 + r.int(4);
  for (let k = 0; k < n; k++) {
    const at = b.length === 0 ? 0 : r.int(b.length);
    switch (r.int(8)) {
      case 0:
        if (b.length) b[at] = b[at]! ^ (1 << r.int(8));
        break;
      case 1:
        if (b.length) b[at] = r.u32() & 0xff;
        break;
      case 2: {
        const v = r.pick(INTERESTING_U32);
        const pos = b.length >= 4 ? r.int(b.length - 3) & ~(r.chance(0.7) ? 3 : 0) : 0;
        if (b.length >= 4) new DataView(b.buffer, b.byteOffset).setUint32(Math.min(pos, b.length - 4), v);
        break;
      }
      case 3: {
        const ins = r.bytes(r.size(64));
        const out = new Uint8Array(b.length + ins.length);
        out.set(b.subarray(0, at));
        out.set(ins, at);
        out.set(b.subarray(at), at + ins.length);
        b = out;
        break;
      }
      case 4: {
        const len = r.size(b.length - at);
        b = Uint8Array.from([...b.subarray(0, at), ...b.subarray(at + len)]);
        break;
      }
      case 5: {
        const len = r.size(b.length - at);
        const chunk = b.slice(at, at + len);
        const reps = 1 + r.int(8);
        const out = new Uint8Array(b.length + chunk.length * reps);
        out.set(b);
        for (let i = 0; i < reps; i++) out.set(chunk, b.length + i * chunk.length);
        b = out;
        break;
      }
      case 6:
        b = b.subarray(0, r.int(b.length + 1));
        break;
      default:
        if (b.length) b[at] = r.pick([0, 0x2c, 0x2f, 0x23, 0x7f, 0x80, 0xff, 0xf0, 0xf7, 0xc0, 0xdb, 0x0a, 0x0d]);
    }
  }
  return b.length > maxLen ? b.subarray(0, maxLen) : b;
}

const TEXT_PIECES = ['\n', ':', ' ', '- ', '{', '}', '[', ']', '"', "'", '#', '&a', '*a', '!!binary', '0x', '-inf', 'NaN', '1e400', '-1', '99999', 'null', '~', '\t', '\u0000', '€', '  ', '..', '{bank + i}', '/ch/', '<<: *a'];

/** One to three mutations of a text file at the line and token level (YAML's failure modes). */
export function mutateText(r: Rng, text: string): string {
  let t = text;
  const n = 1 + r.int(3);
  for (let k = 0; k < n; k++) {
    const at = r.int(t.length + 1);
    switch (r.int(7)) {
      case 0:
        t = t.slice(0, at) + r.pick(TEXT_PIECES) + t.slice(at);
        break;
      case 1:
        t = t.slice(0, at) + t.slice(at + r.size(40));
        break;
      case 2: {
        const lines = t.split('\n');
        const i = r.int(lines.length);
        const j = r.int(lines.length);
        [lines[i], lines[j]] = [lines[j]!, lines[i]!];
        t = lines.join('\n');
        break;
      }
      case 3: {
        const lines = t.split('\n');
        const i = r.int(lines.length);
        lines[i] = (r.chance(0.5) ? ' ' : '') + lines[i]!.replace(/^ /, r.chance(0.5) ? '' : '   ');
        t = lines.join('\n');
        break;
      }
      case 4:
        t = t.slice(0, at);
        break;
      case 5:
        // A number replaced by an edge value.
        t = t.replace(/-?\d+(\.\d+)?/, () => r.pick(['-1', '0', '1e9', '-1e9', '0.5', 'NaN', '.inf', '-.inf', '65536', '"7"']));
        break;
      default: {
        const lines = t.split('\n');
        const i = r.int(lines.length);
        lines.splice(r.int(lines.length), 0, lines[i]!);
        t = lines.join('\n');
      }
    }
  }
  return t;
}
