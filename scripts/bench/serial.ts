/**
 * Control-path rows for serial boards on pseudo-terminals (socat pairs): board A writes text lines
 * ("G3 0.512345": normalized EQ gain of channel 3), faderd maps them to params through a mapping
 * file, and the feedback goes out as lines to board B, which has the same mapping. Per rate (100,
 * 1,000, 10,000 lines/s): latency p50/p99 from A's write to B's read, feedback per change, loss (a
 * param whose last value never reached B; intermediate ones may be coalesced, latest wins).
 *
 * The boards are the session's surfaces of a `faderd run`; when that does not open them (no line comes
 * back), faderd's own mapping and serial parts run in a child process instead (serial-host.ts) and
 * the rows say so.
 *
 *   npx tsx scripts/bench/serial.ts [--quick]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SerialPort } from 'serialport';
import { fmt, haveCommand, progress, sectionMain, type BenchOptions, type Row } from './common.ts';
import { startDaemon, type DaemonProc } from './daemon-proc.ts';

const STRIPS = 8;
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
  const proc = spawn('socat', [`pty,raw,echo=0,link=${faderd}`, `pty,raw,echo=0,link=${board}`], { stdio: 'ignore' });
  for (let i = 0; i < 100 && !(fs.existsSync(faderd) && fs.existsSync(board)); i++) await sleep(20);
  if (!fs.existsSync(board)) throw new Error('socat did not create the pseudo-terminals');
  return { faderd, board, proc };
}

async function openPort(p: string): Promise<SerialPort> {
  const port = new SerialPort({ path: p, baudRate: 115200, autoOpen: false });
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
    const at = (p: number): number => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]! : NaN);
    let lost = 0;
    for (let s = 0; s < STRIPS; s++) if (this.lastSent[s] !== this.lastSeen[s]) lost++;
    return { sent, achieved: sent / seconds, feedback: this.feedback, p50: at(0.5), p99: at(0.99), lost };
  }
}

async function drive(probe: LineProbe, rate: number, seconds: number) {
  probe.reset();
  const start = performance.now();
  const first = probe.seq;
  while (performance.now() - start < seconds * 1000) {
    const due = Math.floor(((performance.now() - start) / 1000) * rate) + 1 - (probe.seq - first);
    for (let i = 0; i < due; i++) probe.send();
    await sleep(1);
  }
  const sent = probe.seq - first;
  const took = (performance.now() - start) / 1000;
  // Settle: until no feedback arrived for 300 ms (a backlog drains), at most 5 s.
  for (let quiet = 0, seen = probe.feedback, t = 0; quiet < 300 && t < 5000; t += 50) {
    await sleep(50);
    quiet = probe.feedback === seen ? quiet + 50 : 0;
    seen = probe.feedback;
  }
  return probe.result(sent, took);
}

/** Sends one line and waits for it to come back on the other board. */
async function answers(probe: LineProbe, ms: number): Promise<boolean> {
  const before = probe.feedback;
  probe.send();
  for (let t = 0; t < ms && probe.feedback === before; t += 50) await sleep(50);
  return probe.feedback > before;
}

function startHost(mapping: string, a: string, b: string): Promise<ChildProcess> {
  const file = path.join(path.dirname(fileURLToPath(import.meta.url)), 'serial-host.ts');
  const child = spawn(process.execPath, ['--import', 'tsx', file, mapping, `boardA=${a}`, `boardB=${b}`], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`serial host did not start: ${err.slice(-300)}`)), 20000);
    child.stdout!.on('data', (d: Buffer) => {
      if (d.toString().includes('ready')) {
        clearTimeout(t);
        resolve(child);
      }
    });
    child.on('exit', (code) => reject(new Error(`serial host exited with ${code}: ${err.slice(-300)}`)));
  });
}

async function measure(o: BenchOptions): Promise<Row[]> {
  if (!haveCommand('socat')) return [{ group: 'control', what: 'serial board on a pseudo-terminal', faderd: 'skipped', note: 'socat not installed: apt-get install socat' }];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faderd-bench-serial-'));
  const mapping = path.join(dir, 'board.yaml');
  fs.writeFileSync(mapping, MAPPING);
  const pa = await ptyPair(dir, 'a');
  const pb = await ptyPair(dir, 'b');
  const session = path.join(dir, 'session.yaml');
  fs.writeFileSync(
    session,
    `version: 1\nname: Bench serial\nchannels: 8\nsurfaces:\n  - { mapping: board.yaml, id: boardA, device: { path: ${pa.faderd} } }\n  - { mapping: board.yaml, id: boardB, device: { path: ${pb.faderd} } }\n`,
  );
  const rows: Row[] = [];
  let daemon: DaemonProc | undefined;
  let host: ChildProcess | undefined;
  let a: SerialPort | undefined;
  let b: SerialPort | undefined;
  try {
    a = await openPort(pa.board);
    b = await openPort(pb.board);
    const probe = new LineProbe(a);
    b.on('data', (d: Buffer) => probe.receive(d));
    progress('serial: faderd run with two serial boards in its session');
    daemon = await startDaemon({ session });
    let via = 'faderd run';
    if (!(await answers(probe, o.quick ? 1500 : 3000))) {
      await daemon.stop();
      daemon = undefined;
      progress('serial: faderd run did not open the boards; running faderd mapping + serial parts in a child process');
      host = await startHost(mapping, pa.faderd, pb.faderd);
      via = 'faderd mapping + serial transport in a child (faderd run does not open session surfaces yet)';
      if (!(await answers(probe, 3000))) throw new Error('no feedback line from the serial host either');
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
        note: `${r.sent} sent (${fmt(r.achieved, 0)}/s), ${r.feedback} fed back (${fmt((100 * r.feedback) / Math.max(1, r.sent), 0)} %; feedback is coalesced at 1 kHz per strip), ${r.lost ? `${r.lost} params LOST` : 'no loss'}; via ${via}`,
      });
    }
  } finally {
    for (const p of [a, b]) if (p?.isOpen) await new Promise<void>((r) => p.close(() => r()));
    if (daemon) await daemon.stop();
    if (host && host.exitCode === null) {
      const done = new Promise<void>((r) => host!.once('exit', () => r()));
      host.kill('SIGTERM');
      await done;
    }
    for (const p of [pa, pb]) p.proc.kill('SIGTERM');
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

sectionMain(import.meta.url, measure);
