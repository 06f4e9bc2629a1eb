/**
 * OSC load for the soak: clients that each own a range of channel faders and send bundles of 20
 * changes at a fixed total rate; every client is subscribed (sending subscribes it) and so receives
 * the others' changes, and one of them echoes every feedback message straight back, like a surface
 * that reflects what it is sent.
 */
import dgram from 'node:dgram';
import { decodePacket, encodeBundle, encodeMessage, type OscMessage } from '../../src/surfaces/osc/codec.ts';
import { queryOsc } from './daemon-process.ts';

export interface Expected {
  /** Address → value in units (as float32, as OSC carries it). */
  readonly units: Map<string, number>;
  /** Address → normalized value (checked within a 0.002 tolerance). */
  readonly norm: Map<string, number>;
}

const PER_BUNDLE = 20;
const CLIENTS = 4;
const ECHO = CLIENTS - 1;

async function socket(): Promise<dgram.Socket> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  return s;
}

export class OscLoad {
  readonly sent = { bundles: 0, changes: 0 };
  readonly feedback = { received: 0, echoed: 0 };
  private readonly timers: NodeJS.Timeout[] = [];
  private echoing = true;

  private constructor(
    private readonly port: number,
    private readonly socks: dgram.Socket[],
    private readonly ranges: ReadonlyArray<readonly [number, number]>,
  ) {}

  static async start(port: number, opts: { channels: number; rate: number }): Promise<OscLoad> {
    const socks = await Promise.all(Array.from({ length: CLIENTS }, socket));
    const per = Math.floor(opts.channels / CLIENTS);
    const ranges = socks.map((_, c) => [c * per + 1, c === CLIENTS - 1 ? opts.channels : (c + 1) * per] as const);
    const load = new OscLoad(port, socks, ranges);
    socks.forEach((s, c) => {
      s.on('message', (data) => {
        let groups;
        try {
          groups = decodePacket(data);
        } catch {
          return;
        }
        for (const g of groups) {
          load.feedback.received += g.messages.length;
          if (c === ECHO && load.echoing) for (const m of g.messages) load.echo(s, m);
        }
      });
      s.on('error', () => undefined);
      const intervalMs = (PER_BUNDLE * CLIENTS * 1000) / opts.rate;
      let k = 0;
      const t0 = Date.now();
      let n = 0;
      const tick = () => {
        const [lo, hi] = ranges[c]!;
        const messages: OscMessage[] = [];
        for (let m = 0; m < PER_BUNDLE; m++, k++) {
          const ch = lo + (k % (hi - lo + 1));
          messages.push({ address: `/ch/${ch}/fader`, args: [{ type: 'f', value: -(((k * 13) % 800) / 10) }] });
        }
        s.send(encodeBundle(messages), port, '127.0.0.1');
        load.sent.bundles++;
        load.sent.changes += PER_BUNDLE;
        n++;
        // Absolute schedule: timer jitter does not lower the rate.
        load.timers[c] = setTimeout(tick, Math.max(0, t0 + n * intervalMs - Date.now()));
      };
      load.timers[c] = setTimeout(tick, (c * intervalMs) / CLIENTS);
    });
    return load;
  }

  private echo(s: dgram.Socket, m: OscMessage): void {
    this.feedback.echoed++;
    s.send(encodeMessage(m.address, m.args), this.port, '127.0.0.1');
  }

  /** Stops sending and echoing (the sockets stay open for settle()). */
  async stop(): Promise<void> {
    this.echoing = false;
    for (const t of this.timers) clearTimeout(t);
  }

  /** Each client sets every fader it owns to a final value; returns what the mix must now hold. */
  async settle(): Promise<Expected> {
    const units = new Map<string, number>();
    this.socks.forEach((s, c) => {
      const [lo, hi] = this.ranges[c]!;
      const messages: OscMessage[] = [];
      for (let ch = lo; ch <= hi; ch++) {
        const v = -((ch % 30) + 0.5);
        messages.push({ address: `/ch/${ch}/fader`, args: [{ type: 'f', value: v }] });
        units.set(`/ch/${ch}/fader`, Math.fround(v));
      }
      s.send(encodeBundle(messages), this.port, '127.0.0.1');
    });
    await new Promise((r) => setTimeout(r, 300));
    await Promise.all(this.socks.map((s) => new Promise<void>((r) => s.close(() => r()))));
    return { units, norm: new Map() };
  }
}

/** Queries every expected address; returns the values in units (float32) and what does not match. */
export async function queryAll(port: number, expected: Expected): Promise<{ checked: number; mismatches: string[]; values: Map<string, number> }> {
  const addresses = [...expected.units.keys(), ...[...expected.norm.keys()].flatMap((a) => [a, `/norm${a}`])];
  const got = new Map<string, number>();
  for (const [a, v] of await queryOsc(port, addresses, 3000)) if (typeof v === 'number') got.set(a, v);
  const mismatches: string[] = [];
  for (const [a, v] of expected.units) if (got.get(a) !== v) mismatches.push(`${a} is ${got.get(a)}, expected ${v}`);
  for (const [a, v] of expected.norm) {
    const n = got.get(`/norm${a}`);
    if (n === undefined || Math.abs(n - v) > 0.002) mismatches.push(`${a} is ${n} normalized, expected ${v}`);
  }
  const values = new Map([...got].filter(([a]) => !a.startsWith('/norm/')));
  return { checked: expected.units.size + expected.norm.size, mismatches, values };
}
