/**
 * A scene recall reaches a client with a small UDP receive buffer (a tablet over Wi-Fi, a phone app):
 * the real daemon, 32 channels whose fader, mute and pan all change in one recall, and a subscriber
 * whose socket holds 19 small datagrams (asked for 8 KB). Unpaced, the recall left as 95 datagrams in
 * one turn of the daemon's event loop and the client kept the 19 that fit: 77 of 96 params stayed on
 * the old mix. Paced (one value per datagram, slowed so a busy machine cannot starve the client's
 * reads), and bundled at the default pace (2 datagrams), every param ends on its recalled value. No
 * timing is asserted: the test waits for the final state with a generous timeout.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import dgram from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type DaemonProcess } from '../reliability/daemon-process.ts';
import { argValue, decodePacket, encodeBundle, encodeMessage, type OscMessage } from '../../src/surfaces/osc/codec.ts';

const CHANNELS = 32;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faderd-recall-burst-'));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Scene values: "a" and "b" differ on every fader, mute and pan. */
function values(scene: 'a' | 'b'): Map<string, number | boolean> {
  const m = new Map<string, number | boolean>();
  for (let c = 1; c <= CHANNELS; c++) {
    m.set(`/ch/${c}/fader`, scene === 'a' ? -10 - c * 0.5 : -40 + c * 0.25);
    m.set(`/ch/${c}/mute`, scene === 'a' ? c % 2 === 0 : c % 2 === 1);
    m.set(`/ch/${c}/pan`, scene === 'a' ? Math.round((-1 + c / 20) * 100) / 100 : Math.round((0.5 - c / 40) * 100) / 100);
  }
  return m;
}

function oscArg(v: number | boolean) {
  return typeof v === 'boolean' ? ({ type: v ? 'T' : 'F' } as const) : ({ type: 'f', value: v } as const);
}

/** A client whose socket holds little, as a phone's or a tablet's does. */
async function smallClient(recvBufferSize: number) {
  const sock = dgram.createSocket({ type: 'udp4', recvBufferSize });
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  const last = new Map<string, unknown>();
  let datagrams = 0;
  let messages = 0;
  sock.on('message', (data) => {
    datagrams++;
    for (const g of decodePacket(data))
      for (const m of g.messages as OscMessage[]) {
        messages++;
        if (m.args[0]) last.set(m.address, argValue(m.args[0]));
      }
  });
  return { sock, last, counts: () => ({ datagrams, messages }), close: () => new Promise<void>((r) => sock.close(() => r())) };
}

/** One daemon per pacing: the default pace slowed (one datagram per value), and bundles at the default pace. */
const CASES = {
  paced: '{ burst: 8, rate: 250 }',
  bundled: '{ bundle: true }',
} as const;
const daemons = new Map<keyof typeof CASES, DaemonProcess>();
beforeAll(async () => {
  await Promise.all(
    (Object.keys(CASES) as Array<keyof typeof CASES>).map(async (k) => {
      const session = path.join(dir, `${k}.yaml`);
      fs.writeFileSync(session, `name: Recall burst\nchannels: ${CHANNELS}\nbuses: 2\nx32: { enabled: false }\nosc: { pacing: ${CASES[k]} }\n`);
      daemons.set(k, await startDaemon({ stateDir: path.join(dir, `state-${k}`), session }));
    }),
  );
}, 120_000);
afterAll(async () => {
  for (const d of daemons.values()) {
    d.child.kill('SIGTERM');
    await d.exited;
  }
  fs.rmSync(dir, { recursive: true, force: true });
});

async function control(d: DaemonProcess, msgs: Array<[string, number | boolean | string]>): Promise<void> {
  const sock = dgram.createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  for (let i = 0; i < msgs.length; i += 16) {
    const part = msgs.slice(i, i + 16).map(([a, v]) => ({ address: a, args: [typeof v === 'string' ? ({ type: 's', value: v } as const) : oscArg(v)] }));
    await new Promise<void>((r) => sock.send(encodeBundle(part), d.port, '127.0.0.1', () => r()));
  }
  await new Promise<void>((r) => sock.close(() => r()));
}

function mismatches(last: Map<string, unknown>, want: Map<string, number | boolean>): string[] {
  const bad: string[] = [];
  for (const [a, v] of want) {
    const got = last.get(a);
    const ok = typeof v === 'boolean' ? got === v || got === (v ? 1 : 0) : typeof got === 'number' && Math.abs(got - v) < 0.02;
    if (!ok) bad.push(`${a}: ${JSON.stringify(got)} (want ${v})`);
  }
  return bad;
}

describe('scene recall to a client with a small receive buffer', () => {
  it.each(Object.keys(CASES) as Array<keyof typeof CASES>)('%s: ends on the recalled value of every fader, mute and pan', async (k) => {
    const d = daemons.get(k)!;
    const a = values('a');
    const b = values('b');
    await control(d, [...a].map(([k, v]) => [k, v] as [string, number | boolean]));
    await sleep(200);
    await control(d, [['/scene/store', 'a']]);
    await control(d, [...b].map(([k, v]) => [k, v] as [string, number | boolean]));
    await sleep(200);
    await control(d, [['/scene/store', 'b']]);
    await sleep(200);

    const c = await smallClient(8192);
    const subscribe = () => c.sock.send(encodeMessage('/subscribe', [{ type: 's', value: '/ch/*/fader' }, { type: 's', value: '/ch/*/mute' }, { type: 's', value: '/ch/*/pan' }]), d.port, '127.0.0.1');
    subscribe();
    // Renewed as a client does, well inside the daemon's 10 s lease.
    const renew = setInterval(subscribe, 2000);
    // The snapshot (paced already) settles.
    const t0 = Date.now();
    while (mismatches(c.last, b).length > 0 && Date.now() - t0 < 5_000) await sleep(20);
    const afterSnapshot = mismatches(c.last, b).length;
    const before = c.counts();
    await control(d, [['/scene/recall', 'a']]);
    const t1 = Date.now();
    while (mismatches(c.last, a).length > 0 && Date.now() - t1 < 5_000) await sleep(20);
    await sleep(300);
    const after = c.counts();
    const bad = mismatches(c.last, a);
    console.log(`${k}: snapshot misses ${afterSnapshot}; recall: ${after.datagrams - before.datagrams} datagrams, ${after.messages - before.messages} messages received; ${bad.length} of ${a.size} params not on the recalled value`);
    clearInterval(renew);
    await c.close();
    expect(bad).toEqual([]);
  }, 60_000);
});
