/**
 * Memory row: resident set size of `faderd run` with 64 channels and 4 OSC surfaces connected
 * (subscribed to every param, each moving faders), after a settling time. The idle figure with the
 * default session comes from control.ts, whose daemon is idle before its clients speak.
 * The daemon process is the largest in the tree that `bin/faderd.js` starts (launcher, tsx, the
 * daemon behind its stdio filter); the whole tree is reported beside it.
 *
 *   npx tsx scripts/bench/memory.ts [--quick]
 */
import dgram from 'node:dgram';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { encodeMessage } from '../../src/surfaces/osc/codec.ts';
import { fmt, progress, sectionMain, type BenchOptions, type Row } from './common.ts';
import { rssMb, startDaemon, type DaemonProc } from './daemon-proc.ts';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function rss(d: DaemonProc): { daemon: number; tree: number } {
  const all = d.pids().map(rssMb);
  return { daemon: Math.max(0, ...all), tree: all.reduce((a, b) => a + b, 0) };
}

async function surfaces(port: number, count: number, seconds: number): Promise<void> {
  const socks = await Promise.all(
    Array.from({ length: count }, async () => {
      const s = dgram.createSocket('udp4');
      await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
      s.on('message', () => {});
      s.send(encodeMessage('/subscribe', []), port, '127.0.0.1');
      return s;
    }),
  );
  const t0 = performance.now();
  for (let k = 0; performance.now() - t0 < seconds * 1000; k++) {
    socks.forEach((s, i) => s.send(encodeMessage(`/ch/${((k + i * 16) % 64) + 1}/fader`, [{ type: 'f', value: -((k % 400) / 10) }]), port, '127.0.0.1'));
    await sleep(10);
  }
  for (const s of socks) s.close();
}

async function measure(o: BenchOptions): Promise<Row[]> {
  const settle = o.quick ? 1000 : 8000;
  const rows: Row[] = [];
  progress('memory: 64 channels, 4 OSC surfaces');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faderd-bench-mem-'));
  const session = path.join(dir, 'session.yaml');
  fs.writeFileSync(session, 'version: 1\nname: Bench 64\nchannels: 64\nbuses: 4\nfx:\n  - { type: reverb }\n  - { type: delay }\naudio: { sampleRate: 48000, blockSize: 128 }\n');
  const d = await startDaemon({ session });
  try {
    await surfaces(d.oscPort, 4, settle / 1000);
    const r = rss(d);
    rows.push({
      group: 'memory',
      what: 'RSS of faderd run, 64 ch, 4 buses, 2 fx, 4 OSC surfaces subscribed and sending',
      faderd: `${fmt(r.daemon, 0)} MB`,
      note: `${fmt(r.tree, 0)} MB with launcher and tsx; surfaces are OSC clients (faderd run does not open mapping-file surfaces yet)`,
    });
  } finally {
    await d.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

sectionMain(import.meta.url, measure);
