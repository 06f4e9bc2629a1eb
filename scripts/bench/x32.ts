/**
 * X32 server rows, over real UDP on loopback:
 *   - x32-osc (a Node X32 client library) from connect to ready: /info, /xremote, then one /node
 *     request per node of the console (2,117), each answered before the next is asked
 *   - a fader set to its /xremote echo, one at a time (p50 / p99)
 *
 *   npx tsx scripts/bench/x32.ts [--quick]
 */
import dgram from 'node:dgram';
import { createRequire } from 'node:module';
import { ParamRegistry } from '../../src/params/registry.ts';
import { ParamStore } from '../../src/params/store.ts';
import { parseSession } from '../../src/params/session.ts';
import { X32Server } from '../../src/servers/x32/server.ts';
import { encodeMessage } from '../../src/surfaces/osc/codec.ts';
import { fmt, progress, sectionMain, type BenchOptions, type Row } from './common.ts';

interface X32Lib {
  on(event: 'ready', fn: () => void): void;
  on(event: 'error', fn: (e: Error) => void): void;
  close(): void;
}
const { X32 } = createRequire(import.meta.url)('x32-osc') as { X32: new (address: string) => X32Lib };

const store = (): ParamStore => new ParamStore(ParamRegistry.fromSession(parseSession('channels: 32\nbuses: 8\nfx: [{ type: reverb }, { type: delay }]\n', 'bench.yaml')));
const quantile = (xs: number[], q: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))]!;

async function readyTime(): Promise<number> {
  const host = `127.${1 + Math.floor(Math.random() * 250)}.7.7`;
  const server = new X32Server(store(), { host, port: 10023 });
  await server.start();
  const t0 = performance.now();
  const x32 = new X32(host);
  x32.on('error', () => undefined); // the connect dump racing the tree load; not what is measured
  await new Promise<void>((r) => x32.on('ready', r));
  const ms = performance.now() - t0;
  x32.close();
  await server.close();
  return ms;
}

async function echoLatency(n: number): Promise<number[]> {
  const server = new X32Server(store(), { host: '127.0.0.1', port: 0 });
  await server.start();
  const sock = dgram.createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  let resolveEcho: (() => void) | undefined;
  sock.on('message', (data) => {
    if (data.subarray(0, 16).toString('latin1').startsWith('/ch/05/mix/fader')) resolveEcho?.();
  });
  sock.send(encodeMessage('/xremote', []), server.port, '127.0.0.1');
  await new Promise((r) => setTimeout(r, 500)); // the connect dump
  const out: number[] = [];
  for (let k = 0; k < n; k++) {
    const t0 = performance.now();
    await new Promise<void>((r) => {
      resolveEcho = r;
      sock.send(encodeMessage('/ch/05/mix/fader', [{ type: 'f', value: 0.3 + (k % 500) / 1000 }]), server.port, '127.0.0.1');
    });
    out.push((performance.now() - t0) * 1000);
  }
  sock.close();
  await server.close();
  return out;
}

async function measure(o: BenchOptions): Promise<Row[]> {
  progress('x32: x32-osc connect to ready');
  const ready: number[] = [];
  for (let k = 0; k < (o.quick ? 1 : 3); k++) ready.push(await readyTime());
  progress('x32: set to echo');
  const echo = await echoLatency(o.quick ? 500 : 5000);
  return [
    { group: 'control', what: 'X32: x32-osc connect → ready (2,117 /node answers)', faderd: `${fmt(quantile(ready, 0.5), 0)} ms`, note: '32-channel session, median' },
    { group: 'control', what: 'X32: fader set → /xremote echo (p50 / p99)', faderd: `${fmt(quantile(echo, 0.5))} / ${fmt(quantile(echo, 0.99))} µs`, note: `${echo.length} sets, one at a time` },
  ];
}

sectionMain(import.meta.url, measure);
