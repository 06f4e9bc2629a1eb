/**
 * Serial control-path rows and the loaded memory row. `faderd run` gets a 64-channel session (4 buses,
 * 2 fx) whose surfaces are two serial boards on pseudo-terminals (socat pairs), both with one mapping
 * file: board A writes text lines ("G3 0.512345": normalized EQ gain of channel 3), faderd sets the
 * params, and the feedback goes out as lines to board B. Per rate (100, 1,000, 10,000 lines/s):
 * latency p50/p99 from A's write to B's read, feedback per change, loss (a param whose last value
 * never reached B; intermediate ones may be coalesced, latest wins). Then two OSC surfaces join,
 * subscribed and moving faders, and the daemon's RSS is taken with the 4 surfaces connected.
 *
 *   npx tsx scripts/bench/serial.ts [--quick]
 */
import type { ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SerialPort } from 'serialport';
import { driveAtRate, fmt, haveCommand, percentile, progress, sectionMain, type BenchOptions, type Row } from './common.ts';
import { encodeMessage } from '../../src/surfaces/osc/codec.ts';
import { rssMb, startDaemon, type DaemonProc } from './daemon-proc.ts';
import { startPty } from '../../test/surfaces/serial/socat.ts';

const STRIPS = 8;
const CHANNELS = 64;
const STEPS = 30000;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const MAPPING = `version: 1
name: Bench serial board
surface: { transport: serial, path: /dev/null, framing: lines }
feedbackRateHz: 1000
bindings:
  - repeat: { i: 0..${STRIPS - 1} }
    source: { line: "G{i + 1} {value}" }
    glue: { taper: linear }
    target: /ch/{i + 1}/eq/2/gain
    feedback: { line: "G{i + 1} {value:.6f}" }
`;

/** A socat pty pair: faderd opens one end, the board the other. Stopped by its pid. */
async function ptyPair(dir: string, name: string): Promise<{ faderd: string; board: string; proc: ChildProcess }> {
  const faderd = path.join(dir, `${name}-faderd`);
  const board = path.join(dir, `${name}-board`);
  return { faderd, board, proc: (await startPty(faderd, board)).proc };
}

async function openPort(p: string): Promise<SerialPort> {
  const port = new SerialPort({ path: p, baudRate: 115200, autoOpen: false });
  // Closing cancels the pending read, which serialport reports as an 'error' event ("Canceled"); a real
  // fault during a run shows as missing feedback in the rows instead.
  port.on('error', () => {});
  await new Promise<void>((resolve, reject) => port.open((e) => (e ? reject(e) : resolve())));
  return port;
}

class LineProbe {
  private sendTimes = Array.from({ length: STRIPS }, () => new Float64Array(STEPS + 1));
  private lastSent = new Int32Array(STRIPS).fill(-1);
  private lastSeen = new Int32Array(STRIPS).fill(-1);
  private latencies: number[] = [];
  private pending = '';
  feedback = 0;
  seq = 0;

  constructor(private readonly a: SerialPort) {}

  send(): void {
    const k = this.seq++;
    const s = k % STRIPS;
    const q = Math.floor(k / STRIPS) % (STEPS + 1);
    this.sendTimes[s]![q] = performance.now();
    this.lastSent[s] = q;
    this.a.write(`G${s + 1} ${(q / STEPS).toFixed(6)}\n`);
  }

  receive(chunk: Buffer): void {
    const now = performance.now();
    const lines = (this.pending + chunk.toString('latin1')).split('\n');
    this.pending = lines.pop() ?? '';
    for (const line of lines) {
      const m = /^G(\d+) ([\d.]+)\r?$/.exec(line);
      if (!m) continue;
      const s = Number(m[1]) - 1;
      const q = Math.round(Number(m[2]) * STEPS);
      if (s < 0 || s >= STRIPS || q < 0 || q > STEPS) continue;
      this.feedback++;
      this.lastSeen[s] = q;
      if (this.sendTimes[s]![q]! > 0) this.latencies.push(now - this.sendTimes[s]![q]!);
    }
  }

  reset(): void {
    this.latencies = [];
    this.feedback = 0;
  }

  result(sent: number, seconds: number) {
    const sorted = Float64Array.from(this.latencies).sort();
    let lost = 0;
    for (let s = 0; s < STRIPS; s++) if (this.lastSent[s] !== this.lastSeen[s]) lost++;
    return { sent, achieved: sent / seconds, feedback: this.feedback, p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), lost };
  }
}

async function drive(probe: LineProbe, rate: number, seconds: number) {
  const { sent, took } = await driveAtRate(probe, rate, seconds);
  return probe.result(sent, took);
}

/** Sends one line and waits for it to come back on the other board. */
async function answers(probe: LineProbe, ms: number): Promise<boolean> {
  const before = probe.feedback;
  probe.send();
  for (let t = 0; t < ms && probe.feedback === before; t += 50) await sleep(50);
  return probe.feedback > before;
}

/** Two OSC surfaces: subscribed to every param, each moving faders every 10 ms for `seconds`. */
async function oscSurfaces(port: number, seconds: number): Promise<void> {
  const socks = await Promise.all(
    [0, 1].map(async () => {
      const s = dgram.createSocket('udp4');
      await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
      s.on('message', () => {});
      s.send(encodeMessage('/subscribe', []), port, '127.0.0.1');
      return s;
    }),
  );
  const t0 = performance.now();
  for (let k = 0; performance.now() - t0 < seconds * 1000; k++) {
    socks.forEach((s, i) => s.send(encodeMessage(`/ch/${((k + i * 32) % CHANNELS) + 1}/fader`, [{ type: 'f', value: -((k % 400) / 10) }]), port, '127.0.0.1'));
    await sleep(10);
  }
  for (const s of socks) s.close();
}

async function measure(o: BenchOptions): Promise<Row[]> {
  if (!haveCommand('socat')) return [{ group: 'control', what: 'serial board on a pseudo-terminal', faderd: 'skipped', note: 'socat not installed: apt-get install socat' }];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faderd-bench-serial-'));
  fs.writeFileSync(path.join(dir, 'board.yaml'), MAPPING);
  const pa = await ptyPair(dir, 'a');
  const pb = await ptyPair(dir, 'b');
  const session = path.join(dir, 'session.yaml');
  fs.writeFileSync(
    session,
    [
      'version: 1',
      'name: Bench 64',
      `channels: ${CHANNELS}`,
      'buses: 4',
      'fx:',
      '  - { type: reverb }',
      '  - { type: delay }',
      'audio: { sampleRate: 48000, blockSize: 128 }',
      'surfaces:',
      `  - { mapping: board.yaml, id: boardA, device: { path: ${pa.faderd} } }`,
      `  - { mapping: board.yaml, id: boardB, device: { path: ${pb.faderd} } }`,
      '',
    ].join('\n'),
  );
  const rows: Row[] = [];
  let daemon: DaemonProc | undefined;
  let a: SerialPort | undefined;
  let b: SerialPort | undefined;
  try {
    a = await openPort(pa.board);
    b = await openPort(pb.board);
    const probe = new LineProbe(a);
    b.on('data', (d: Buffer) => probe.receive(d));
    progress(`serial: faderd run, ${CHANNELS} channels, two serial boards in its session`);
    daemon = await startDaemon({ session });
    if (!(await answers(probe, 5000))) {
      return [{ group: 'control', what: 'serial board on a pseudo-terminal', faderd: 'not measured', note: 'faderd run sent no feedback line to board B within 5 s: it did not open the session\'s serial surfaces' }];
    }
    await drive(probe, 1000, o.quick ? 0.2 : 1);
    const seconds = o.quick ? 0.5 : 5;
    for (const rate of [100, 1000, 10000]) {
      progress(`serial: ${rate} lines/s`);
      const r = await drive(probe, rate, rate === 100 ? Math.max(1, seconds) : seconds);
      rows.push({
        group: 'control',
        what: `serial board A (pty) → faderd → board B, ${rate} changes/s`,
        faderd: `p50 ${fmt(r.p50, 2)} ms, p99 ${fmt(r.p99, 2)} ms`,
        note: `${r.sent} sent (${fmt(r.achieved, 0)}/s), ${r.feedback} fed back (${fmt((100 * r.feedback) / Math.max(1, r.sent), 0)} %; feedback is coalesced at 1 kHz per strip), ${r.lost ? `${r.lost} params LOST` : 'no loss'}`,
      });
    }
    progress('memory: 64 channels, 2 serial boards + 2 OSC surfaces');
    await oscSurfaces(daemon.oscPort, o.quick ? 1 : 8);
    const all = daemon.pids().map(rssMb);
    rows.push({
      group: 'memory',
      what: `RSS of faderd run, ${CHANNELS} ch, 4 buses, 2 fx, 4 surfaces (2 serial boards via mapping files, 2 OSC clients)`,
      faderd: `${fmt(Math.max(0, ...all), 0)} MB`,
      note: `${fmt(all.reduce((x, y) => x + y, 0), 0)} MB with the launcher and tsx processes; after the serial runs above`,
    });
  } finally {
    for (const p of [a, b]) if (p?.isOpen) await new Promise<void>((r) => p.close(() => r()));
    if (daemon) await daemon.stop();
    for (const p of [pa, pb]) p.proc.kill('SIGTERM');
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

sectionMain(import.meta.url, measure);
