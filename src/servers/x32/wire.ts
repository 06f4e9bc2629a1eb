/**
 * The replies an X32 sends that are not OSC 1.0 messages, so no OSC library will write them: `/node`
 * answers go to the address `node` (no leading slash: the protocol document notes it as a console
 * quirk, and clients match on it), and `/formatsubscribe`/`/batchsubscribe` answers go to whatever
 * alias the client chose (`testme`). Encoded here, byte for byte: a padded address, a padded type tag
 * string, then big-endian ints and floats, padded strings and size-prefixed blobs.
 *
 * Also the text side of `/node` and `/`: tokens of a node line, where quoted strings may hold spaces.
 */

export type WireArg = { readonly type: 's'; readonly value: string } | { readonly type: 'b'; readonly value: Uint8Array } | { readonly type: 'i' | 'f'; readonly value: number };

const pad4 = (n: number): number => (n + 3) & ~3;

function str(s: string): Uint8Array {
  const bytes = Buffer.from(s, 'utf8');
  const out = new Uint8Array(pad4(bytes.length + 1));
  out.set(bytes);
  return out;
}

/** One message as bytes; the address may be anything (`node`, `testme`). */
export function encodeWire(address: string, args: readonly WireArg[]): Uint8Array {
  const parts: Uint8Array[] = [str(address), str(',' + args.map((a) => a.type).join(''))];
  for (const a of args) {
    if (a.type === 's') parts.push(str(a.value));
    else if (a.type === 'b') {
      const out = new Uint8Array(4 + pad4(a.value.length));
      new DataView(out.buffer).setInt32(0, a.value.length);
      out.set(a.value, 4);
      parts.push(out);
    } else {
      const out = new Uint8Array(4);
      const view = new DataView(out.buffer);
      if (a.type === 'i') view.setInt32(0, a.value);
      else view.setFloat32(0, a.value);
      parts.push(out);
    }
  }
  return Buffer.concat(parts);
}

/** A `/node` answer: `node ,s "/ch/01/mix ON -10.0 ...\n"`. */
export const nodeReply = (line: string): Uint8Array => encodeWire('node', [{ type: 's', value: line + '\n' }]);

/** Most tokens a node line can carry (`/fx/N/par` has 64 values). */
export const MAX_TOKENS = 128;

/**
 * Splits a node line into tokens: words separated by spaces, or "quoted strings" (which may be
 * empty or hold spaces). One pass, no backtracking; at most MAX_TOKENS tokens are kept.
 */
export function tokenize(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  const n = line.length;
  while (i < n && out.length < MAX_TOKENS) {
    const c = line[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    if (c === '"') {
      const end = line.indexOf('"', i + 1);
      const stop = end < 0 ? n : end;
      out.push(line.slice(i + 1, stop));
      i = stop + 1;
      continue;
    }
    let j = i;
    while (j < n && line[j] !== ' ' && line[j] !== '\t' && line[j] !== '\n' && line[j] !== '\r') j++;
    out.push(line.slice(i, j));
    i = j;
  }
  return out;
}
