/**
 * OSC packets: well-formed messages and nested bundles (some nested past the depth limit), mutated
 * copies (flipped bytes, huge length fields, truncation, wrong type tags) and plain noise.
 */
import { argValue, decodePacket, oscjs } from '../../../src/surfaces/osc/codec.ts';
import type { OscArg } from '../../../src/surfaces/types.ts';
import type { FuzzTarget } from '../harness.ts';
import { mutateBytes, type Rng } from '../rng.ts';

const TYPES = new Set(['i', 'f', 's', 'b', 'h', 't', 'd', 'S', 'c', 'r', 'm', 'T', 'F', 'N', 'I']);

export const OSC_ADDRESSES = [
  '/ch/1/fader', '/ch/16/fader', '/ch/17/fader', '/norm/ch/2/fader', '/ch/*/mute', '/ch/{1,2}/pan', '/ch/[!1]/solo', '/bus/1/fader',
  '/norm/bus/*/fader', '/master/fader', '/norm/master/fader', '/master/limiter/on', '/ch/1/name', '/ch/3/eq/2/type', '/scene/store',
  '/scene/recall', '/ch/1/meter/peak', '/subscribe', '/unsubscribe', '/xremote', '/nope', '/', '/ch/1/fader/', '/ch/[1/fader', '/ch/{1/fader',
];

export function randomArg(r: Rng): OscArg {
  switch (r.int(10)) {
    case 0:
      return { type: 'i', value: r.pick([0, 1, -1, 2147483647, -2147483648, r.u32() | 0]) };
    case 1:
      return { type: 'f', value: r.pick([0, 0.5, 1, -6, 10, 1e30, -1e30, Number.NaN, Infinity, -Infinity, r.float() * 200 - 100]) };
    case 2:
      return { type: 's', value: r.pick(['', 'on', 'off', '-inf', 'peak', 'Vox', 'x'.repeat(r.size(300)), '\u0007bell', '/ch/*/fader']) };
    case 3:
      return { type: 'b', value: r.bytes(r.size(64)) };
    case 4:
      return { type: 'h', value: { high: r.u32() | 0, low: r.u32() | 0 } };
    case 5:
      return { type: 'd', value: r.float() * 1e6 - 5e5 };
    case 6:
      return { type: r.pick(['T', 'F', 'N', 'I'] as const) };
    default:
      return { type: 'f', value: r.float() * 2 - 1 };
  }
}

function message(r: Rng): { address: string; args: OscArg[] } {
  const n = r.chance(0.3) ? 0 : r.size(8);
  return { address: r.pick(OSC_ADDRESSES), args: Array.from({ length: n }, () => randomArg(r)) };
}

function bundle(r: Rng, depth: number): unknown {
  const tag = r.pick([{ raw: [0, 1] }, { native: Date.now() - 1000 }, { native: Date.now() + 10_000 }, { raw: [r.u32(), r.u32()] }]);
  const packets = Array.from({ length: r.int(4) }, () => (depth > 0 && r.chance(0.6) ? bundle(r, depth - 1) : message(r)));
  return { timeTag: tag, packets };
}

/** A well-formed packet: a message, a bundle, or a bundle nested deeper than faderd accepts. */
export function wellFormedPacket(r: Rng): Uint8Array {
  const p = r.chance(0.6) ? message(r) : bundle(r, r.chance(0.2) ? 12 : 3);
  return oscjs.writePacket(p, { metadata: true });
}

/** One fuzz input: a fresh packet, a mutated one, or noise (with a 4-aligned length half the time). */
export function oscInput(r: Rng, maxLen = 65536): Uint8Array {
  const k = r.int(10);
  if (k < 3) return wellFormedPacket(r);
  if (k < 9) return mutateBytes(r, wellFormedPacket(r), maxLen);
  const n = r.size(2048);
  return r.bytes(r.chance(0.5) ? n & ~3 : n);
}

/** decodePacket either refuses with an Error or returns messages whose every part is well formed. */
export function oscDecodeTarget(): FuzzTarget<Uint8Array> {
  let decoded = 0;
  let refused = 0;
  return {
    name: 'osc-decode',
    generate: (r) => oscInput(r),
    feed(input) {
      let groups;
      try {
        groups = decodePacket(input);
      } catch (e) {
        if (!(e instanceof Error) || typeof e.message !== 'string') throw new Error(`decodePacket threw a non-Error: ${String(e)}`);
        refused++;
        return;
      }
      for (const g of groups) {
        if (g.at !== undefined && !Number.isFinite(g.at)) throw new Error(`bundle time ${g.at} is not finite`);
        for (const m of g.messages) {
          if (typeof m.address !== 'string' || !m.address.startsWith('/')) throw new Error(`bad address ${JSON.stringify(m.address)}`);
          for (const a of m.args) {
            if (!TYPES.has(a.type)) throw new Error(`bad arg type ${JSON.stringify(a.type)}`);
            argValue(a);
          }
        }
        decoded++;
      }
    },
    finish() {
      if (decoded === 0 || refused === 0) throw new Error(`the inputs should mix good and bad packets: ${decoded} decoded, ${refused} refused`);
      const g = decodePacket(oscjs.writePacket({ address: '/ch/1/fader', args: [{ type: 'f', value: -6 }] }, { metadata: true }));
      if (g[0]?.messages[0]?.address !== '/ch/1/fader') throw new Error('a good packet no longer decodes');
    },
  };
}
