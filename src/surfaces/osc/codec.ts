/**
 * OSC 1.0 packets through osc.js (metadata mode, so every argument keeps its type tag), flattened
 * into groups: a plain message is a group of one; a bundle's own messages form one group carrying
 * the bundle's time tag (they are meant to apply together), and nested bundles form their own.
 */
import { createRequire } from 'node:module';
import type { OscArg } from '../types.ts';

/** The part of osc.js faderd uses (it ships no types). */
interface OscJs {
  readPacket(data: Uint8Array, options: { metadata: boolean; unpackSingleArgs?: boolean }): unknown;
  writePacket(packet: unknown, options: { metadata: boolean }): Uint8Array;
}

/** The part of a `ws` WebSocketServer the endpoint uses. */
export interface WsServer {
  on(event: 'connection', fn: (socket: WsSocket, req: { socket: { remoteAddress?: string; remotePort?: number } }) => void): this;
  on(event: 'listening', fn: () => void): this;
  on(event: 'error', fn: (err: Error) => void): this;
  address(): { port: number } | string | null;
  close(cb?: () => void): void;
  readonly clients: Set<WsSocket>;
}
export interface WsSocket {
  on(event: 'message', fn: (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => void): this;
  on(event: 'close' | 'error', fn: () => void): this;
  send(data: Uint8Array): void;
  terminate(): void;
  readonly readyState: number;
  /** Bytes queued but not yet handed to the network: what a client that does not read piles up. */
  readonly bufferedAmount: number;
}

/**
 * osc.js's codec alone: its package entry also loads its transports (UDP, TCP, WebSocket with its own
 * copy of ws, serial with its own serialport and native addon), ~12 MB of RSS faderd never uses.
 */
export const oscjs = createRequire(import.meta.url)('osc/src/osc.js') as OscJs;

export interface OscMessage {
  readonly address: string;
  readonly args: readonly OscArg[];
}

export interface OscGroup {
  /** When to apply, in ms since the epoch; undefined means now (a bare message or time tag 1). */
  readonly at: number | undefined;
  readonly messages: OscMessage[];
}

const TYPES = new Set(['i', 'f', 's', 'b', 'h', 't', 'd', 'S', 'c', 'r', 'm', 'T', 'F', 'N', 'I']);

/** Nested bundles deeper than this are refused (a crafted packet must not blow the stack). */
const MAX_DEPTH = 8;

interface RawMessage {
  address?: unknown;
  args?: unknown;
}
interface RawBundle {
  timeTag?: { raw?: [number, number]; native?: number };
  packets?: unknown[];
}

function checkMessage(m: RawMessage): OscMessage {
  if (typeof m.address !== 'string' || !m.address.startsWith('/')) throw new Error(`OSC address must start with "/", got ${JSON.stringify(m.address)}`);
  const args = m.args === undefined ? [] : m.args;
  if (!Array.isArray(args)) throw new Error('OSC arguments must be a list');
  for (const a of args) {
    if (!a || typeof a !== 'object' || Array.isArray(a) || !TYPES.has((a as { type?: string }).type ?? '')) throw new Error(`unsupported OSC argument in ${m.address} (arrays are not accepted)`);
  }
  return { address: m.address, args: args as OscArg[] };
}

function flatten(p: unknown, depth: number, out: OscGroup[]): void {
  if (depth > MAX_DEPTH) throw new Error(`OSC bundles nested deeper than ${MAX_DEPTH}`);
  const b = p as RawBundle;
  if (b && typeof b === 'object' && Array.isArray(b.packets)) {
    const raw = b.timeTag?.raw;
    const immediate = !raw || (raw[0] === 0 && raw[1] <= 1);
    const group: OscGroup = { at: immediate ? undefined : b.timeTag?.native, messages: [] };
    out.push(group);
    for (const inner of b.packets) {
      if (inner && typeof inner === 'object' && Array.isArray((inner as RawBundle).packets)) flatten(inner, depth + 1, out);
      else group.messages.push(checkMessage(inner as RawMessage));
    }
    return;
  }
  out.push({ at: undefined, messages: [checkMessage(p as RawMessage)] });
}

const BUNDLE_TAG = [0x23, 0x62, 0x75, 0x6e, 0x64, 0x6c, 0x65, 0x00]; // "#bundle\0"

function isBundleAt(data: Uint8Array, at: number, end: number): boolean {
  if (end - at < 16) return false;
  for (let k = 0; k < 8; k++) if (data[at + k] !== BUNDLE_TAG[k]) return false;
  return true;
}

/**
 * Refuses bundles nested too deep before osc.js sees them: its recursive reader copies each level,
 * so a 64 KB packet of nested bundles would cost ~100 ms of CPU and end in a stack overflow.
 */
function checkNesting(data: Uint8Array, at: number, end: number, depth: number): void {
  if (!isBundleAt(data, at, end)) return;
  if (depth > MAX_DEPTH) throw new Error(`OSC bundles nested deeper than ${MAX_DEPTH}`);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let i = at + 16;
  while (i + 4 <= end) {
    const size = view.getUint32(i);
    i += 4;
    if (size > end - i) throw new Error(`OSC bundle element of ${size} bytes overruns the packet`);
    checkNesting(data, i, i + size, depth + 1);
    i += size;
  }
}

/** Decodes one packet; throws an Error saying what is wrong with a malformed one. */
export function decodePacket(data: Uint8Array): OscGroup[] {
  if (data.length === 0 || data.length % 4 !== 0) throw new Error(`OSC packet length ${data.length} is not a positive multiple of 4`);
  checkNesting(data, 0, data.length, 0);
  const packet = oscjs.readPacket(data, { metadata: true, unpackSingleArgs: false });
  const out: OscGroup[] = [];
  flatten(packet, 0, out);
  return out.filter((g) => g.messages.length > 0);
}

export function encodeMessage(address: string, args: readonly OscArg[]): Uint8Array {
  return oscjs.writePacket({ address, args }, { metadata: true });
}

/** Encodes a bundle of messages with a time tag (ms since the epoch; omitted = immediately). */
export function encodeBundle(messages: readonly OscMessage[], atMs?: number): Uint8Array {
  const timeTag = atMs === undefined ? { raw: [0, 1] } : { native: atMs };
  return oscjs.writePacket({ timeTag, packets: messages.map((m) => ({ address: m.address, args: m.args })) }, { metadata: true });
}

/** A plain JS value from an argument: numbers (int64 too), booleans, strings; undefined for N/I and the rest. */
export function argValue(a: OscArg): number | boolean | string | undefined {
  switch (a.type) {
    case 'i':
    case 'f':
    case 'd':
      return typeof a.value === 'number' ? a.value : undefined;
    case 'h': {
      const v = a.value as { toNumber?: () => number; high?: number; low?: number } | undefined;
      if (typeof v?.toNumber === 'function') return v.toNumber();
      return typeof v?.high === 'number' && typeof v.low === 'number' ? v.high * 2 ** 32 + (v.low >>> 0) : undefined;
    }
    case 'T':
      return true;
    case 'F':
      return false;
    case 's':
    case 'S':
    case 'c':
      return typeof a.value === 'string' ? a.value : undefined;
    default:
      return undefined;
  }
}
