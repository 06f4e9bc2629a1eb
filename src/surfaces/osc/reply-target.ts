/**
 * Where a client hears back. By default replies and feedback go to the address and port a client
 * sends from; most tablet apps and liblo's `oscdump` listen on another port, so a message may name
 * it, as other OSC servers let clients do: an int argument is the reply port, and a LAN client may
 * add the host (an IP address within the allow list) as a string argument.
 *
 *   /subscribe i 9001                  → replies and feedback to <sender's host>:9001
 *   /subscribe is 9001 192.168.1.30   → to 192.168.1.30:9001 (the host must be allowed)
 *
 * Rules that keep this from becoming a way to aim faderd at someone else: a loopback sender may name
 * any allowed host; a LAN sender may not name a loopback host (that would reach this machine's own
 * services from outside); a WebSocket client hears on its socket and may name neither.
 */
import net from 'node:net';
import type { OscArg } from '../types.ts';
import { isLoopback, plainIp, type AddressMatcher } from './access.ts';
import { parsePeer, peerName } from './endpoint.ts';

export interface ReplyArgs {
  /** The peer to reply to: the sender, or the host/port the message names. */
  readonly target: string;
  /** Whether the message named a target of its own. */
  readonly named: boolean;
  /** The arguments left once the port and host are taken out (patterns, flags). */
  readonly rest: readonly OscArg[];
}

/** A reply target the message asked for but may not have; the message is refused with this reason. */
export class ReplyTargetError extends Error {}

/**
 * Takes the reply port (an int argument) and host (a string argument that is an IP address) out of a
 * message's arguments; throws ReplyTargetError naming what is wrong.
 */
export function replyTarget(sender: string, args: readonly OscArg[], allowed: AddressMatcher): ReplyArgs {
  let port: number | undefined;
  let host: string | undefined;
  const rest: OscArg[] = [];
  for (const a of args) {
    if ((a.type === 'i' || a.type === 'h') && port === undefined) port = Number(a.value);
    else if (a.type === 's' && host === undefined && net.isIP(String(a.value))) host = plainIp(String(a.value));
    else rest.push(a);
  }
  if (port === undefined && host === undefined) return { target: sender, named: false, rest };
  const from = parsePeer(sender);
  if (from.ws) throw new ReplyTargetError('a WebSocket client hears on its own connection; a reply port or host does not apply');
  if (port !== undefined && !(Number.isInteger(port) && port >= 1 && port <= 65535)) throw new ReplyTargetError(`reply port ${port} is not a port (1..65535)`);
  const h = host ?? from.host;
  if (host !== undefined) {
    if (!allowed(h)) throw new ReplyTargetError(`reply host ${h} is not in the allow list`);
    if (isLoopback(h) && !isLoopback(from.host)) throw new ReplyTargetError(`a client on ${from.host} may not send replies to this machine (${h})`);
  }
  return { target: peerName(h, port ?? from.port), named: true, rest };
}
