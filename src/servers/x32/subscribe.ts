/**
 * What each X32 subscription request sends, once per interval:
 *
 *   /meters ,s[iii] /meters/N [args] [tf]        → /meters/N ,b <LE count, LE floats>
 *   /subscribe ,s[i] /ch/01/mix/on [tf]          → /ch/01/mix/on ,i 1   (the value, every time)
 *   /formatsubscribe ,ss..iii ALIAS CMD.. i0 i1 tf → ALIAS ,b <LE byte length, LE values>
 *       where `*` runs in a command stand for i0..i1 at their width (/ch/**\/mix/on 6 9 → ch 06..09)
 *   /batchsubscribe ,ssiii ALIAS /meters/N a b tf → ALIAS ,b <a meter blob>
 *       (also the X32-Edit forms /mix/on, /mix/fader over channel ids a..b)
 *
 * Arguments come from the wire, so every count is bounded: commands per request, values per blob.
 */
import { argValue, type OscMessage } from '../../surfaces/osc/codec.ts';
import type { OscArg } from '../../surfaces/types.ts';
import { meterArgCount, meterBank, meterBlob, type MeterSource } from './meters.ts';
import { intervalFor } from './timed.ts';
import { encodeWire } from './wire.ts';

/** Most values a /formatsubscribe or /batchsubscribe blob may carry. */
const MAX_VALUES = 512;
const MAX_COMMANDS = 16;

/** What a subscription needs from the server. */
export interface SubscribeHost {
  /** A leaf's current value as its get reply would carry it; undefined for an unknown address. */
  leafArg(address: string): { type: 'i' | 'f' | 's'; value: number | string } | undefined;
  readonly meters: MeterSource;
  sendOsc(peer: string, address: string, args: readonly OscArg[]): void;
  sendWire(peer: string, bytes: Uint8Array): void;
}

/** A subscription to start: its renew name, interval and what it sends. */
export interface SubscriptionPlan {
  readonly name: string;
  readonly intervalMs: number;
  readonly send: () => void;
}

const ints = (args: readonly OscArg[]): number[] => args.filter((a) => a.type === 'i' || a.type === 'f').map((a) => Math.trunc(Number(argValue(a))));
const strings = (args: readonly OscArg[]): string[] => args.filter((a) => a.type === 's' || a.type === 'S').map((a) => String(a.value));

/** Strip paths by X32 channel id, for X32-Edit's batch forms. */
function stripPath(id: number): string | undefined {
  const two = (n: number) => String(n).padStart(2, '0');
  if (id < 32) return `/ch/${two(id + 1)}`;
  if (id < 40) return `/auxin/${two(id - 31)}`;
  if (id < 48) return `/fxrtn/${two(id - 39)}`;
  if (id < 64) return `/bus/${two(id - 47)}`;
  if (id < 70) return `/mtx/${two(id - 63)}`;
  if (id === 70) return '/main/st';
  if (id === 71) return '/main/m';
  return undefined;
}

/** LE words: a leading int (count or byte length), then each value as an LE int or float. */
function leBlob(lead: 'count' | 'bytes', values: ReadonlyArray<{ type: string; value: number | string }>): Uint8Array {
  const out = new Uint8Array(4 + values.length * 4);
  const view = new DataView(out.buffer);
  view.setInt32(0, lead === 'count' ? values.length : out.length, true);
  values.forEach((v, i) => {
    if (v.type === 'f') view.setFloat32(4 + i * 4, Number(v.value), true);
    else view.setInt32(4 + i * 4, typeof v.value === 'number' ? v.value : 0, true);
  });
  return out;
}

/** `/meters ...`: one bank to the asker under `/meters/N`. */
export function metersPlan(host: SubscribeHost, peer: string, m: OscMessage): SubscriptionPlan | undefined {
  const [path] = strings(m.args);
  const bank = path === undefined ? undefined : meterBank(path);
  if (bank === undefined) return undefined;
  const n = ints(m.args);
  const argc = meterArgCount(bank);
  const bankArgs = n.slice(0, argc);
  const tf = n.length > argc ? n[n.length - 1] : undefined;
  const address = `/meters/${bank}`;
  return { name: address, intervalMs: intervalFor(tf), send: () => host.sendOsc(peer, address, [{ type: 'b', value: meterBlob(host.meters.values(bank, bankArgs)) }]) };
}

/** `/subscribe ,s[i] <address> [tf]`: the value itself, every interval. */
export function subscribePlan(host: SubscribeHost, peer: string, m: OscMessage): SubscriptionPlan | undefined {
  const [address] = strings(m.args);
  if (address === undefined || !host.leafArg(address)) return undefined;
  const [tf] = ints(m.args);
  return {
    name: address,
    intervalMs: intervalFor(tf),
    send: () => {
      const a = host.leafArg(address);
      if (a) host.sendOsc(peer, address, [a]);
    },
  };
}

/** Expands `*` runs over i0..i1 (`/ch/**\/mix/on` → `/ch/06/mix/on`...); commands without stars stay single. */
export function expandCommand(cmd: string, i0: number, i1: number): string[] {
  const run = /\*+/.exec(cmd);
  if (!run) return [cmd];
  const out: string[] = [];
  for (let k = i0; k <= i1 && out.length < MAX_VALUES; k++) out.push(cmd.slice(0, run.index) + String(k).padStart(run[0].length, '0') + cmd.slice(run.index + run[0].length));
  return out;
}

/** `/formatsubscribe ,ss[s..]iii <alias> <command>.. i0 i1 tf`. */
export function formatPlan(host: SubscribeHost, peer: string, m: OscMessage): SubscriptionPlan | undefined {
  const [alias, ...commands] = strings(m.args);
  const [i0 = 0, i1 = 0, tf] = ints(m.args);
  if (!alias || commands.length === 0 || commands.length > MAX_COMMANDS || i0 < 0 || i1 < i0) return undefined;
  const addresses = commands.flatMap((c) => expandCommand(c, i0, i1)).slice(0, MAX_VALUES);
  return {
    name: alias,
    intervalMs: intervalFor(tf),
    send: () => {
      const values = addresses.map((a) => host.leafArg(a) ?? { type: 'i', value: 0 });
      host.sendWire(peer, encodeWire(alias, [{ type: 'b', value: leBlob('bytes', values) }]));
    },
  };
}

/** `/batchsubscribe ,ssiii <alias> <meter or batch command> a b tf`. */
export function batchPlan(host: SubscribeHost, peer: string, m: OscMessage): SubscriptionPlan | undefined {
  const [alias, command] = strings(m.args);
  const [a = 0, b = 0, tf] = ints(m.args);
  if (!alias || !command) return undefined;
  const bank = meterBank(command);
  let blob: () => Uint8Array;
  if (bank !== undefined) blob = () => meterBlob(host.meters.values(bank, [a, b]));
  else if (/^\/mix\/(on|fader|pan)$/.test(command) && a >= 0 && b >= a && b - a < MAX_VALUES) {
    const leaf = command.slice('/mix/'.length);
    const addresses = Array.from({ length: b - a + 1 }, (_, k) => stripPath(a + k)).map((p) => (p ? `${p}/mix/${leaf}` : ''));
    blob = () => leBlob('count', addresses.map((x) => host.leafArg(x) ?? { type: leaf === 'on' ? 'i' : 'f', value: 0 }));
  } else return undefined;
  return { name: alias, intervalMs: intervalFor(tf), send: () => host.sendWire(peer, encodeWire(alias, [{ type: 'b', value: blob() }])) };
}
