/**
 * Faults mid-show: a serial board unplugged in the middle of a fader move and plugged back; an OSC
 * client that vanishes while subscribed. Nothing half-received is applied, the board is brought back
 * to the current mix on replug, and the server forgets the vanished client and serves the others.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SerialPort } from 'serialport';
import { SerialTransport } from '../../src/surfaces/serial/transport.ts';
import { compileMapping } from '../../src/mapping/binding/compile.ts';
import { parseMapping } from '../../src/mapping/file/load.ts';
import { NativeOscServer } from '../../src/servers/native-osc.ts';
import { requireSocat, startPty, type PtyPair } from '../surfaces/serial/socat.ts';
import { oscClient, f, sleep } from '../surfaces/osc/client.ts';
import { fuzzStore } from '../fuzz/invariants.ts';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
beforeAll(() => requireSocat());

async function until(cond: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

async function pty(dev: string, peer: string): Promise<PtyPair> {
  const p = await startPty(dev, peer);
  cleanups.push(() => p.kill());
  return p;
}

/** The board's end of the wire. */
async function board(p: string) {
  const port = new SerialPort({ path: p, baudRate: 115200, autoOpen: false });
  await new Promise<void>((res, rej) => port.open((e) => (e ? rej(e) : res())));
  let text = '';
  port.on('data', (c: Buffer) => (text += c.toString()));
  port.on('error', () => undefined);
  cleanups.push(() => new Promise<void>((r) => (port.isOpen ? port.close(() => r()) : r())));
  return {
    text: () => text,
    write: (s: string) => new Promise<void>((res, rej) => port.write(s, (e) => (e ? rej(e) : port.drain(() => res())))),
  };
}

const LINES = `version: 1
surface: { transport: serial, path: /dev/null, framing: lines }
bindings:
  - repeat: { i: 0..1 }
    source: { line: "F{i + 1} {value:.3f}" }
    target: /ch/{i + 1}/fader
`;

describe('surfaces that go away', () => {
  it('a board unplugged mid-move: the half line is not glued to the next, and replug resyncs the board', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faderd-replug-'));
    cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    const dev = path.join(dir, 'dev');
    const peer = path.join(dir, 'peer');
    let pair = await pty(dev, peer);
    const store = fuzzStore('channels: 4\n');
    const seen: number[] = [];
    store.changesOf('/ch/1/fader').subscribe(() => seen.push(Math.round(store.getNormalized('/ch/1/fader') * 1000)));
    // Retries slow enough that the board's end is open again before the transport reconnects (and resyncs).
    const t = new SerialTransport('board', { transport: 'serial', path: dev, framing: 'lines' }, { backoffMs: 300, maxBackoffMs: 300 });
    cleanups.push(() => t.close());
    let up = false;
    t.connected$.subscribe((c) => (up = c));
    const compiled = compileMapping(parseMapping(LINES, 'board.yaml'), store, t, { id: 'board' });
    cleanups.push(() => compiled.dispose());
    await until(() => up, 'the board to connect');
    let b = await board(peer);

    // A fader move, cut off by the unplug halfway through a line.
    for (let k = 1; k <= 20; k++) await b.write(`F1 ${(k / 40).toFixed(3)}\n`);
    await until(() => seen.at(-1) === 500, 'the move to arrive');
    await b.write('F1 0.9');
    await pair.kill();
    await until(() => !up, 'the unplug to be noticed');

    // The mix moves on while the board is away.
    store.set('/ch/2/fader', -20, 'api');
    const expectedF2 = store.getNormalized('/ch/2/fader').toFixed(3);

    pair = await pty(dev, peer);
    b = await board(peer);
    await until(() => up, 'the board to reconnect');
    // Replug: the board is told where every bound fader now is.
    await until(() => b.text().includes(`F2 ${expectedF2}\n`) && b.text().includes('F1 0.500\n'), 'the resync lines');
    // The rest of the cut line arrives after the replug: on its own it is not a valid line.
    await b.write('23\nF1 0.400\n');
    await until(() => seen.at(-1) === 400, 'the next move');
    expect(seen).not.toContain(923);
  });

  it('an OSC client that vanishes while subscribed is forgotten; feedback to it costs nothing else', async () => {
    const store = fuzzStore('channels: 4\n');
    const srv = new NativeOscServer(store, { host: '127.0.0.1', port: 0, subscriptionTimeoutMs: 200 });
    await srv.start();
    cleanups.push(() => srv.close());
    const gone = await oscClient(srv.port);
    gone.send('/xremote');
    const stay = await oscClient(srv.port);
    cleanups.push(() => stay.close());
    stay.send('/xremote');
    await until(() => srv.stats().subscribers === 2, 'two subscribers');
    await gone.close();
    // Feedback now goes to a closed port (ICMP unreachable comes back) while the other client works.
    const keepAlive = setInterval(() => stay.send('/xremote'), 50);
    cleanups.push(() => clearInterval(keepAlive));
    for (let k = 0; k < 200; k++) {
      store.set('/ch/1/fader', -k / 4, 'api');
      if (k % 20 === 0) await sleep(10);
    }
    await until(() => srv.stats().subscribers === 1, 'the vanished client to be dropped');
    stay.received.length = 0;
    stay.send('/ch/3/fader', f(-9));
    stay.send('/ch/3/fader');
    await stay.waitFor((m) => m.some((x) => x.address === '/ch/3/fader' && x.args[0]!.value === -9), 'the reply');
  });
});
