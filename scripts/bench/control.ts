/**
 * Control-path rows: a client (this process) sends param changes over OSC/UDP to a `faderd run`
 * child, and a second client, subscribed, receives the feedback. Per rate (100, 1,000, 10,000
 * changes/s): latency p50/p99 from send to feedback, feedback messages per change, and loss. Then the
 * highest sustained rates, stepping the rate up: with every change fed back, and with the final state right.
 *
 * Feedback is coalesced per client (latest value wins), so an intermediate value may be superseded
 * before it is sent; that is not loss. Loss is a param whose last sent value never came back.
 * Each change sets /ch/C/eq/B/freq to a whole number of Hz that encodes its sequence number, so each
 * feedback message names the change it carries.
 *
 * It also reports the daemon's RSS while idle (before any client speaks), as a memory row.
 *
 *   npx tsx scripts/bench/control.ts [--quick]
 */
import dgram from 'node:dgram';
import { encodeMessage, decodePacket } from '../../src/surfaces/osc/codec.ts';
import { driveAtRate, fmt, percentile, progress, sectionMain, type BenchOptions, type Row } from './common.ts';
import { rssMb, startDaemon } from './daemon-proc.ts';

const ADDRESSES = Array.from({ length: 32 }, (_, k) => `/ch/${(k % 8) + 1}/eq/${(k >> 3) + 1}/freq`);
const VALUES = 19980;

interface RateResult {
  readonly target: number;
  readonly achieved: number;
  readonly sent: number;
  readonly feedback: number;
  readonly p50: number;
  readonly p99: number;
  readonly lost: number;
}

async function socket(onMessage?: (m: Buffer) => void): Promise<dgram.Socket> {
  const s = dgram.createSocket({ type: 'udp4', recvBufferSize: 4 << 20 });
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  if (onMessage) s.on('message', onMessage);
  return s;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

class Probe {
  private sendTimes = ADDRESSES.map(() => new Float64Array(VALUES));
  private lastSent = new Int32Array(ADDRESSES.length).fill(-1);
  private lastSeen = new Int32Array(ADDRESSES.length).fill(-1);
  private latencies: number[] = [];
  private index = new Map(ADDRESSES.map((a, i) => [a, i]));
  feedback = 0;
  seq = 0;

  constructor(
    private readonly tx: dgram.Socket,
    private readonly port: number,
  ) {}

  send(): void {
    const k = this.seq++;
    const a = k % ADDRESSES.length;
    const q = Math.floor(k / ADDRESSES.length) % VALUES;
    this.sendTimes[a]![q] = performance.now();
    this.lastSent[a] = q;
    this.tx.send(encodeMessage(ADDRESSES[a]!, [{ type: 'f', value: 20 + q }]), this.port, '127.0.0.1');
  }

  receive(buf: Buffer): void {
    const now = performance.now();
    let groups;
    try {
      groups = decodePacket(buf);
    } catch {
      return;
    }
    for (const g of groups)
      for (const m of g.messages) {
        const a = this.index.get(m.address);
        const v = m.args[0];
        if (a === undefined || !v || typeof v.value !== 'number') continue;
        const q = Math.round(v.value) - 20;
        if (q < 0 || q >= VALUES) continue;
        this.feedback++;
        this.lastSeen[a] = q;
        this.latencies.push(now - this.sendTimes[a]![q]!);
      }
  }

  reset(): void {
    this.latencies = [];
    this.feedback = 0;
  }

  result(target: number, sent: number, seconds: number): RateResult {
    const sorted = Float64Array.from(this.latencies).sort();
    let lost = 0;
    for (let a = 0; a < ADDRESSES.length; a++) if (this.lastSent[a] !== this.lastSeen[a]) lost++;
    return { target, achieved: sent / seconds, sent, feedback: this.feedback, p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), lost };
  }
}

async function drive(probe: Probe, rate: number, seconds: number): Promise<RateResult> {
  const { sent, took } = await driveAtRate(probe, rate, seconds);
  return probe.result(rate, sent, took);
}

async function measure(o: BenchOptions): Promise<Row[]> {
  progress('control: starting faderd run (default session, null clock)');
  const daemon = await startDaemon();
  const rows: Row[] = [];
  try {
    // The daemon's memory idle, before any client has spoken to it: the memory section's first row.
    await sleep(o.quick ? 500 : 8000);
    const all = daemon.pids().map(rssMb);
    rows.push({
      group: 'memory',
      what: 'RSS of faderd run idle, default session (null clock)',
      faderd: `${fmt(Math.max(0, ...all), 0)} MB`,
      note: `${fmt(all.reduce((a, b) => a + b, 0), 0)} MB with its child processes, if any (the idle section measures the default session as npm start runs it)`,
    });
    const tx = await socket();
    let probe: Probe | undefined;
    const rx = await socket((m) => probe?.receive(m));
    probe = new Probe(tx, daemon.oscPort);
    const subscribe = (): void => void rx.send(encodeMessage('/subscribe', []), daemon.oscPort, '127.0.0.1');
    subscribe();
    const renew = setInterval(subscribe, 2000);
    await sleep(200);
    // Warm-up: the daemon's first messages pay for JIT compilation.
    await drive(probe, 1000, o.quick ? 0.2 : 1);
    const seconds = o.quick ? 0.5 : 5;
    for (const rate of [100, 1000, 10000]) {
      progress(`control: OSC at ${rate} changes/s`);
      const r = await drive(probe, rate, rate === 100 ? Math.max(seconds, 1) : seconds);
      rows.push({
        group: 'control',
        what: `OSC client → faderd → subscribed client, ${rate} changes/s`,
        faderd: `p50 ${fmt(r.p50, 2)} ms, p99 ${fmt(r.p99, 2)} ms`,
        note: `${r.sent} sent (${fmt(r.achieved, 0)}/s), ${r.feedback} fed back (${fmt((100 * r.feedback) / Math.max(1, r.sent), 0)} %, the rest superseded by a later value), ${r.lost ? `${r.lost} params LOST` : 'no loss'}`,
      });
    }
    progress('control: highest sustained OSC rates');
    // Two bars: every change fed back on its own (nothing dropped, nothing coalesced), and the final
    // state right (every param's last value came back; intermediate ones may be coalesced).
    let strict = 0;
    let converged = 0;
    let stop = '';
    for (const rate of o.quick ? [5000, 20000] : [2000, 5000, 10000, 20000, 40000, 80000]) {
      const r = await drive(probe, rate, o.quick ? 0.3 : 2);
      if (r.achieved < rate * 0.9) {
        stop = `the sender reached only ${fmt(r.achieved, 0)}/s of ${rate}/s`;
        break;
      }
      if (r.lost === 0 && r.feedback === r.sent && strict === converged) strict = rate;
      if (r.lost === 0) converged = rate;
      else {
        stop = `at ${rate}/s ${r.lost} params lost their last value`;
        break;
      }
    }
    const steps = o.quick ? '5k, 20k' : '2k, 5k, 10k, 20k, 40k, 80k';
    rows.push({
      group: 'control',
      what: `OSC sustained changes/s, every change fed back (none lost or coalesced), steps ${steps}`,
      faderd: strict ? `≥ ${strict}/s` : `under ${o.quick ? 5000 : 2000}/s`,
      note: "by design at most the client's pace: UDP feedback leaves paced per client (default 16 datagrams at once, then 2,000/s, session osc.pacing; docs/surfaces.md), and faster changes are coalesced, latest winning",
    });
    rows.push({
      group: 'control',
      what: 'OSC sustained changes/s, final state right (latest value wins)',
      faderd: converged ? `≥ ${converged}/s` : `under ${o.quick ? 5000 : 2000}/s`,
      note: stop || 'every step passed',
    });
    clearInterval(renew);
    tx.close();
    rx.close();
  } finally {
    await daemon.stop();
  }
  return rows;
}

sectionMain(import.meta.url, measure);
