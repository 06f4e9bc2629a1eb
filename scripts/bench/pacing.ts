/**
 * Feedback pacing (docs/surfaces.md): a recall that changes every param of a session, to a UDP
 * subscriber whose socket was asked for 8 KB (a phone-sized buffer: 19 small datagrams on Linux), with
 * pacing off, at the default pace, and bundled. Per row: datagrams sent, values the client received,
 * params left on the old value, and how long until the last value arrived. First, a new subscriber's
 * snapshot of the whole mix (default receive buffer), as osc-remotes.ts measures it. Standalone:
 *
 *   npx tsx scripts/bench/pacing.ts
 *
 * Figures, not assertions: test/servers/recall-burst.test.ts checks the behaviour.
 */
import dgram from 'node:dgram';
import { ParamRegistry } from '../../src/params/registry.ts';
import { ParamStore } from '../../src/params/store.ts';
import { parseSession, type Session } from '../../src/params/session.ts';
import { NativeOscServer } from '../../src/servers/native-osc.ts';
import { argValue, decodePacket, encodeMessage } from '../../src/surfaces/osc/codec.ts';
import type { PacingSetting } from '../../src/surfaces/pacing.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A value different from the current one, inside the param's range. */
function other(store: ParamStore, address: string): unknown {
  const d = store.def(address);
  const v = store.get(address);
  if (d.type === 'bool') return !v;
  if (d.type === 'number') {
    const lo = Number.isFinite(d.min) ? d.min! : -10;
    const hi = Number.isFinite(d.max) ? d.max! : 10;
    const x = lo + (hi - lo) * 0.37;
    return Math.abs(x - Number(v)) > 1e-3 ? x : lo + (hi - lo) * 0.61;
  }
  return undefined;
}

async function recall(session: Session, label: string, pacing: PacingSetting | undefined): Promise<string> {
  const store = new ParamStore(ParamRegistry.fromSession(session));
  const server = new NativeOscServer(store, { host: '127.0.0.1', port: 0, ...(pacing !== undefined ? { pacing } : {}) });
  await server.start();
  const sock = dgram.createSocket({ type: 'udp4', recvBufferSize: 8192 });
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  const last = new Map<string, unknown>();
  let datagrams = 0;
  let messages = 0;
  let lastAt = 0;
  sock.on('message', (d) => {
    datagrams++;
    lastAt = performance.now();
    for (const g of decodePacket(d))
      for (const m of g.messages) {
        messages++;
        if (m.args[0]) last.set(m.address, argValue(m.args[0]));
      }
  });
  sock.send(encodeMessage('/subscribe', []), server.port, '127.0.0.1');
  await sleep(2000);
  const entries: Array<[string, unknown]> = [];
  for (const d of store.registry.defs) {
    if (d.volatile || d.action || d.readOnly || d.type === 'text' || d.type === 'enum') continue;
    const v = other(store, d.address);
    if (v !== undefined) entries.push([d.address, v]);
  }
  datagrams = 0;
  messages = 0;
  const sent0 = server.stats().sent;
  const t0 = performance.now();
  const changes = store.batch(entries, 'scene');
  while (server.stats().queued > 0) await sleep(5);
  await sleep(300);
  const sent = server.stats().sent - sent0;
  let wrong = 0;
  for (const c of changes) {
    const got = last.get(c.address);
    // Booleans travel as 1 and 0.
    const want = typeof c.value === 'boolean' ? (c.value ? 1 : 0) : c.value;
    if (typeof want === 'number' ? !(typeof got === 'number' && Math.abs(got - want) <= Math.max(1e-3, Math.abs(want) * 1e-6)) : got !== want) {
      if (process.env.DEBUG && wrong < 5) console.log(c.address, got, want);
      wrong++;
    }
  }
  sock.close();
  await server.close();
  return `${label.padEnd(26)} ${String(changes.length).padStart(5)} changes  ${String(sent).padStart(5)} datagrams sent  ${String(datagrams).padStart(5)} received (${messages} values)  ${String(wrong).padStart(5)} params left wrong  last value after ${(lastAt - t0).toFixed(0)} ms`;
}

/** A new subscriber's snapshot of the whole mix (default receive buffer): how long until it has every value. */
async function snapshot(session: Session, label: string, pacing: PacingSetting | undefined): Promise<string> {
  const store = new ParamStore(ParamRegistry.fromSession(session));
  const server = new NativeOscServer(store, { host: '127.0.0.1', port: 0, ...(pacing !== undefined ? { pacing } : {}) });
  await server.start();
  const covered = store.registry.defs.filter((d) => !d.volatile && !d.action).length;
  const sock = dgram.createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  const seen = new Set<string>();
  let datagrams = 0;
  const t0 = performance.now();
  const took = await new Promise<number>((resolve) => {
    const timer = setTimeout(() => resolve(NaN), 20_000);
    sock.on('message', (d) => {
      datagrams++;
      for (const g of decodePacket(d)) for (const m of g.messages) seen.add(m.address);
      if (seen.size >= covered) {
        clearTimeout(timer);
        resolve(performance.now() - t0);
      }
    });
    sock.send(encodeMessage('/subscribe', []), server.port, '127.0.0.1');
  });
  sock.close();
  await server.close();
  return `${label.padEnd(26)} ${String(covered).padStart(5)} values in ${String(datagrams).padStart(5)} datagrams, ${Number.isNaN(took) ? 'incomplete' : `${took.toFixed(0)} ms`}`;
}

const sessions: Array<[string, Session]> = [
  ['32 ch', parseSession('channels: 32\nbuses: 2\n', 'bench.yaml')],
  ['default (8 ch, 2 bus, 2 fx)', parseSession('channels: 8\nbuses: 2\nfx: [{ type: reverb }, { type: delay }]\n', 'bench.yaml')],
];
const cases = [
  ['unpaced', false],
  ['paced (16, 2000/s)', undefined],
  ['paced + bundled (1400 B)', { bundle: true }],
] as const;
for (const [name, s] of sessions) {
  console.log(`new subscriber's snapshot, ${name}:`);
  for (const [label, p] of cases) console.log('  ' + (await snapshot(s, label, p)));
}
for (const [name, s] of sessions) {
  console.log(`recall of every param, ${name}, to a client with an 8 KB receive buffer:`);
  for (const [label, p] of cases) console.log('  ' + (await recall(s, label, p)));
}
