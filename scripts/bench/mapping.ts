/**
 * Mapping-layer rows, on the shipped Mackie Control mapping over an in-memory surface (no MIDI driver
 * in the way, so the figures are the mapping's own cost):
 *   - load time of mackie-control.yaml (parse, validate, expand) and compile time against a session
 *   - surface message → store: a fader pitch bend until the param is set (p50/p99)
 *   - store change → feedback bytes: a param set by another origin until the pitch bend leaves (p50/p99)
 *   - bank switch resync: BANK ▶ until every fader, LED, ring, LCD cell and meter of the new bank is out
 * Virtual time between samples closes every coalescing period, so each change is sent at once (the
 * first change in a period never waits); what is measured is CPU time on the control path.
 *
 *   npx tsx scripts/bench/mapping.ts [--quick]
 */
import path from 'node:path';
import { compileMapping } from '../../src/mapping/binding/compile.ts';
import { loadMapping } from '../../src/mapping/file/load.ts';
import { MAPPINGS_DIR } from '../../src/mapping/file/shipped.ts';
import type { ParamStore } from '../../src/params/store.ts';
import { MemorySurface } from '../../src/surfaces/memory.ts';
import type { SendOptions, SurfaceMessage } from '../../src/surfaces/types.ts';
import { fmt, progress, sectionMain, type BenchOptions, type Row } from './common.ts';
import { Clock, sessionStore } from '../../test/mappings/helpers.ts';

const MCU = path.join(MAPPINGS_DIR, 'mackie-control.yaml');

/** A memory surface that notes when the last message left and how many bytes went out. */
class CountingSurface extends MemorySurface {
  lastSendNs = 0n;
  messages = 0;
  bytes = 0;
  override send(msg: SurfaceMessage, opts?: SendOptions): void {
    this.lastSendNs = process.hrtime.bigint();
    this.messages++;
    this.bytes += msg.kind === 'midi' || msg.kind === 'frame' ? msg.data.length : 0;
    super.send(msg, opts);
    this.sent.length = 0;
  }
}

const quantile = (xs: number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
};
const us = (ns: bigint): number => Number(ns) / 1000;

const store = (channels: number): ParamStore => sessionStore(`channels: ${channels}\nbuses: 4\n`);

async function measure(o: BenchOptions): Promise<Row[]> {
  const rows: Row[] = [];
  const n = o.quick ? 2_000 : 20_000;
  const loads = o.quick ? 10 : 40;

  progress('mapping: load and compile');
  const loadMs: number[] = [];
  for (let k = 0; k < loads; k++) {
    const t0 = process.hrtime.bigint();
    loadMapping(MCU);
    loadMs.push(us(process.hrtime.bigint() - t0) / 1000);
  }
  const mapping = loadMapping(MCU);
  rows.push({ group: 'mapping', what: 'load mackie-control.yaml (median)', faderd: `${fmt(quantile(loadMs, 0.5))} ms`, note: `${mapping.bindings.length} binding instances` });

  const st = store(64);
  const clock = new Clock();
  const surface = new CountingSurface('bench');
  let t0 = process.hrtime.bigint();
  const compiled = compileMapping(mapping, st, surface, { id: 'bench', scheduler: clock });
  rows.push({ group: 'mapping', what: 'compile mackie-control.yaml + first resync', faderd: `${fmt(us(process.hrtime.bigint() - t0) / 1000)} ms`, note: '64-channel session' });
  clock.advance(1000);

  progress('mapping: surface → store');
  const inLat: number[] = [];
  for (let k = 0; k < n; k++) {
    const raw = (k * 37) % 16384;
    const msg: SurfaceMessage = { kind: 'midi', data: Uint8Array.of(0xe2, raw & 0x7f, raw >> 7) };
    t0 = process.hrtime.bigint();
    surface.emit(msg);
    inLat.push(us(process.hrtime.bigint() - t0));
    if (k % 64 === 0) clock.advance(100);
  }
  rows.push({ group: 'mapping', what: 'MCU fader pitch bend → store (p50 / p99)', faderd: `${fmt(quantile(inLat, 0.5))} / ${fmt(quantile(inLat, 0.99))} µs` });

  progress('mapping: store → feedback');
  clock.advance(1000);
  const outLat: number[] = [];
  for (let k = 0; k < n; k++) {
    clock.advance(25); // past the 20 ms coalescing period: this change goes out at once
    const before = surface.messages;
    t0 = process.hrtime.bigint();
    st.set('/ch/3/fader', -60 + (k % 70), 'api');
    if (surface.messages > before) outLat.push(us(surface.lastSendNs - t0));
  }
  rows.push({ group: 'mapping', what: 'store change → MCU pitch bend out (p50 / p99)', faderd: `${fmt(quantile(outLat, 0.5))} / ${fmt(quantile(outLat, 0.99))} µs`, note: `${outLat.length} of ${n} sent at once` });

  progress('mapping: bank switch');
  const bankMs: number[] = [];
  let msgs = 0;
  let bytes = 0;
  const banks = o.quick ? 50 : 400;
  for (let k = 0; k < banks; k++) {
    clock.advance(100);
    const [m0, b0] = [surface.messages, surface.bytes];
    const note = k % 2 === 0 ? 0x2f : 0x2e;
    t0 = process.hrtime.bigint();
    surface.emit({ kind: 'midi', data: Uint8Array.of(0x90, note, 0x7f) });
    bankMs.push(us(surface.lastSendNs - t0) / 1000);
    msgs = surface.messages - m0;
    bytes = surface.bytes - b0;
  }
  rows.push({ group: 'mapping', what: 'bank switch → full resync sent (p50 / p99)', faderd: `${fmt(quantile(bankMs, 0.5), 3)} / ${fmt(quantile(bankMs, 0.99), 3)} ms`, note: `${msgs} messages, ${bytes} bytes (${fmt((bytes * 10) / 31.25, 0)} ms on a 31.25 kbaud DIN link)` });
  compiled.dispose();

  return rows;
}

sectionMain(import.meta.url, measure);
