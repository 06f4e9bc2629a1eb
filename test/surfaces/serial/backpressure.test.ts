/**
 * A serial device that stops reading, on a real pseudo-terminal: socat is stopped (SIGSTOP), so the
 * bytes faderd writes pile up in the kernel and then in serialport's queue, as with a board whose
 * firmware hangs. Feedback must come back with the latest values once it reads again, a queue that
 * never moves must be reported and the port reopened, and the device's own changes are not echoed to
 * it (an echo nobody reads is what filled the queue in the serial bench).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SerialPort } from 'serialport';
import { filter, firstValueFrom } from 'rxjs';
import { SerialTransport, type SerialTransportOptions } from '../../../src/surfaces/serial/transport.ts';
import { compileMapping } from '../../../src/mapping/binding/compile.ts';
import { parseMapping } from '../../../src/mapping/file/load.ts';
import { setLogDestination } from '../../../src/util/log.ts';
import { makeStore } from '../../mapping/helpers.ts';
import { requireSocat, startPty, type PtyPair } from './socat.ts';

const STRIPS = 8;
const MAPPING = `version: 1
name: Line board
surface: { transport: serial, path: /dev/null, framing: lines }
feedbackRateHz: 1000
bindings:
  - repeat: { i: 0..${STRIPS - 1} }
    source: { line: "G{i + 1} {value}" }
    glue: { taper: linear }
    target: /ch/{i + 1}/eq/2/gain
    feedback: { line: "G{i + 1} {value:.6f}" }
`;

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
beforeAll(() => requireSocat());

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `cond` every 10 ms; fails naming `what` (a function: the state when it gave up). */
async function until(cond: () => boolean, what: string | (() => string), timeoutMs = 30_000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${typeof what === 'string' ? what : what()}`);
    await sleep(10);
  }
}

/** faderd's end of a pty pair with a transport and the line mapping on it, and the board's end. */
async function setUp(opts: SerialTransportOptions) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faderd-serial-bp-'));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  const dev = path.join(dir, 'dev');
  const peer = path.join(dir, 'peer');
  const pair: PtyPair = await startPty(dev, peer);
  cleanups.push(() => pair.kill());
  // A stopped socat must be running again before it can be told to end.
  cleanups.push(() => void pair.proc.kill('SIGCONT'));
  // Unpaced: these tests fill the write queue on purpose (the feedback pace at the line's rate would
  // hold the storm back in the sink, as it should in a show; a pty ignores the baud rate anyway).
  const transport = new SerialTransport('board', { transport: 'serial', path: dev, framing: 'lines', pacing: false }, { backoffMs: 20, maxBackoffMs: 100, ...opts });
  cleanups.push(() => transport.close());
  const states: boolean[] = [];
  transport.connected$.subscribe((c) => states.push(c));
  await firstValueFrom(transport.connected$.pipe(filter((c) => c)));
  const board = new SerialPort({ path: peer, baudRate: 115200, autoOpen: false });
  await new Promise<void>((res, rej) => board.open((e) => (e ? rej(e) : res())));
  board.on('error', () => {});
  cleanups.push(() => new Promise<void>((r) => (board.isOpen ? board.close(() => r()) : r())));
  let text = '';
  board.on('data', (c: Buffer) => (text += c.toString('latin1')));
  // Compiled once the board listens: the resync on connect is its first feedback.
  const store = makeStore(STRIPS);
  const compiled = compileMapping(parseMapping(MAPPING, 'board.yaml'), store, transport, { id: 'board' });
  cleanups.push(() => compiled.dispose());
  const shown = (): Map<number, string> => {
    const last = new Map<number, string>();
    for (const m of text.matchAll(/^G(\d+) ([\d.]+)$/gm)) last.set(Number(m[1]), m[2]!);
    return last;
  };
  return { pair, transport, store, board, states, text: () => text, shown };
}

const gain = (i: number): string => `/ch/${i}/eq/2/gain`;
/** The line the mapping sends for a normalized value (linear taper over the gain range). */
const expectedLines = (store: ReturnType<typeof makeStore>): Map<number, string> => {
  const out = new Map<number, string>();
  for (let i = 1; i <= STRIPS; i++) {
    const d = store.def(gain(i));
    out.set(i, ((Number(store.get(gain(i))) - d.min!) / (d.max! - d.min!)).toFixed(6));
  }
  return out;
};

/**
 * Moves every strip to a new value each millisecond for `ms`, as a busy console would, and for at
 * least `minRounds` rounds however slowly a loaded machine runs them.
 */
async function storm(store: ReturnType<typeof makeStore>, ms: number, minRounds = 1): Promise<void> {
  const t0 = Date.now();
  for (let k = 0; k < minRounds || Date.now() - t0 < ms; k++) {
    for (let i = 1; i <= STRIPS; i++) store.set(gain(i), -15 + ((k * 7 + i * 13) % 300) / 10, 'api');
    await sleep(1);
  }
}

describe('SerialTransport when the device stops reading', () => {
  it('does not echo the device its own change, and sends it changes made elsewhere', async () => {
    const r = await setUp({});
    await until(() => r.shown().size === STRIPS, 'the first resync');
    const before = r.text().length;
    const sent = r.transport.stats().sent;
    await new Promise<void>((res) => r.board.write('G3 0.250000\n', () => res()));
    await until(() => r.store.get(gain(3)) !== 0, 'the change from the board');
    await sleep(100);
    expect(r.text().length).toBe(before);
    expect(r.transport.stats()).toMatchObject({ sent, dropped: 0 });
    r.store.set(gain(3), 6, 'api');
    await until(() => r.shown().get(3) === expectedLines(r.store).get(3), 'a change from elsewhere');
  });

  it('reads disconnected while its output is backed up, then resends the latest values', async () => {
    const r = await setUp({ maxPendingBytes: 4096, stallMs: 60_000 });
    await until(() => r.shown().size === STRIPS, 'the first resync');
    r.pair.proc.kill('SIGSTOP');
    // Enough rounds to overflow 4 KB plus the pty's own buffer on any machine.
    await storm(r.store, 1500, 1000);
    const s = r.transport.stats();
    expect(s.overflows).toBeGreaterThanOrEqual(1);
    expect(s.dropped).toBeGreaterThan(0);
    expect(r.states.at(-1)).toBe(false);
    const latest = expectedLines(r.store);
    r.pair.proc.kill('SIGCONT');
    await until(() => r.states.at(-1) === true, 'connected again once the queue drained');
    await until(() => [...latest].every(([i, v]) => r.shown().get(i) === v), 'the latest value of every strip at the board');
    expect(r.transport.stats()).toMatchObject({ stalls: 0, pendingBytes: 0 });
  });

  it('reports a queue that never moves, reopens the port, and recovers once the device reads', async () => {
    const lines: string[] = [];
    setLogDestination({ write: (l) => void lines.push(l) }, 'warn');
    cleanups.push(() => setLogDestination(process.stderr, 'warn'));
    const r = await setUp({ stallMs: 300 });
    await until(() => r.shown().size === STRIPS, 'the first resync');
    r.pair.proc.kill('SIGSTOP');
    // Far less than maxPendingBytes: nothing overflows, the queue just stops moving. On a loaded
    // machine 600 ms may be too few rounds to fill the pty's own buffer: go on until output waits.
    await storm(r.store, 600);
    const t0 = Date.now();
    while (r.transport.stats().pendingBytes === 0) {
      if (Date.now() - t0 > 60_000) throw new Error(`the write queue never backed up in 60 s: ${JSON.stringify(r.transport.stats())}`);
      await storm(r.store, 0, 10);
    }
    await until(() => r.transport.stats().stalls >= 1, () => `the stuck queue to be noticed: ${JSON.stringify(r.transport.stats())}, connected ${JSON.stringify(r.states)}`);
    expect(r.states).toContain(false);
    const warned = lines.map((l) => JSON.parse(l) as { msg: string; detail: string }).filter((l) => /serial output stuck; reopening/.test(l.msg));
    expect(warned.length).toBeGreaterThanOrEqual(1);
    expect(warned[0]!.detail).toMatch(/bytes unwritten for \d+\.\d s/);
    const latest = expectedLines(r.store);
    r.pair.proc.kill('SIGCONT');
    await until(() => [...latest].every(([i, v]) => r.shown().get(i) === v), 'the latest value of every strip at the board');
    expect(r.states.at(-1)).toBe(true);
    // Once the device reads, a further change goes straight out.
    r.store.set(gain(5), 3, 'api');
    await until(() => r.shown().get(5) === expectedLines(r.store).get(5), 'a change after recovery');
  });
});
