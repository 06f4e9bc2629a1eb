/**
 * SIGKILL during a 2,000 changes/s OSC stream (100 bundles/s of 20 fader moves, as a console's
 * automation or a busy tablet sends): after each kill the state file parses and holds the mix exactly
 * as one tick of this stream left it, no older than a save already seen on disk before the kill,
 * every scene file parses, and the restarted daemon serves exactly that state. SIGTERM at the end
 * loses nothing. How far the saved tick lags the kill (one autosave interval, 500 ms, on a quiet
 * machine) is printed, not asserted: a loaded machine runs the autosave timer late.
 */
import dgram from 'node:dgram';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeBundle, encodeMessage } from '../../src/surfaces/osc/codec.ts';
import { parseStateText, STATE_FILE } from '../../src/params/persistence.ts';
import { parseScene } from '../../src/params/scenes.ts';
import { queryOsc, startDaemon, type DaemonProcess } from './daemon-process.ts';
import { Rng } from '../fuzz/rng.ts';

const CHANNELS = 16;
const PER_TICK = 20;
const TICK_MS = 10;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faderd-kill-'));
const session = path.join(dir, 'session.yaml');
fs.writeFileSync(session, `name: Kill test\nchannels: ${CHANNELS}\nbuses: 2\nstate: { autosaveMs: 500 }\nx32: { enabled: false }\n`);
const stateDir = path.join(dir, 'state');
const running: DaemonProcess[] = [];

afterAll(() => {
  for (const d of running) d.child.kill('SIGKILL');
  fs.rmSync(dir, { recursive: true, force: true });
});

interface Tick {
  readonly sentAt: number;
  /** Every fader's value once the tick's bundle is applied (each tick sets all of them). */
  readonly faders: readonly number[];
}

/** Streams bundles until stopped; `k` keeps counting across streams so no two ticks look alike. */
async function stream(port: number, state: { k: number; stop: boolean }, ticks: Tick[]): Promise<void> {
  const sock = dgram.createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  const t0 = Date.now();
  let n = 0;
  while (!state.stop) {
    const faders = new Array<number>(CHANNELS).fill(0);
    const messages = [];
    for (let m = 0; m < PER_TICK; m++, state.k++) {
      const ch = state.k % CHANNELS;
      // Distinct values (0.01 dB apart) for 9,000 changes: a snapshot names its tick.
      const v = Math.fround(-((state.k % 9000) / 100));
      faders[ch] = v;
      messages.push({ address: `/ch/${ch + 1}/fader`, args: [{ type: 'f' as const, value: v }] });
    }
    if (n % 50 === 25) sock.send(encodeMessage('/scene/store', [{ type: 's', value: `take ${(n / 50) % 3 | 0}` }]), port, '127.0.0.1');
    sock.send(encodeBundle(messages), port, '127.0.0.1');
    ticks.push({ sentAt: Date.now(), faders });
    n++;
    const next = t0 + n * TICK_MS;
    await new Promise((r) => setTimeout(r, Math.max(0, next - Date.now())));
  }
  await new Promise<void>((r) => sock.close(() => r()));
}

function readState(): Record<string, unknown> {
  const file = path.join(stateDir, STATE_FILE);
  // Between the two renames of an atomic save only the .bak copy exists; restore uses it then.
  const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : fs.readFileSync(`${file}.bak`, 'utf8');
  return parseStateText(text).params;
}

function faderValues(params: Record<string, unknown>): number[] {
  return Array.from({ length: CHANNELS }, (_, c) => params[`/ch/${c + 1}/fader`] as number);
}

async function queryFaders(port: number): Promise<number[]> {
  const addresses = Array.from({ length: CHANNELS }, (_, c) => `/ch/${c + 1}/fader`);
  const got = await queryOsc(port, addresses, 5000);
  return addresses.map((a) => (got.get(a) as number | undefined) ?? NaN);
}

/** Waits (generously) until the state on disk is one of `ticks`; returns that tick's index. */
async function savedTick(ticks: readonly Tick[]): Promise<number> {
  for (let w = 0; w < 600; w++) {
    await new Promise((res) => setTimeout(res, 50));
    let saved: number[];
    try {
      saved = faderValues(readState());
    } catch {
      continue; // no state file yet
    }
    for (let j = ticks.length - 1; j >= 0; j--) if (ticks[j]!.faders.every((v, c) => v === saved[c])) return j;
  }
  throw new Error('no autosave of the stream reached the disk within 30 s');
}

describe('crash safety under a 2,000 changes/s stream', () => {
  it('SIGKILL at a random moment keeps a tick of the stream no older than the last save seen, corrupts nothing; SIGTERM loses nothing', async () => {
    const r = new Rng(Number(process.env.FADERD_KILL_SEED ?? 0x6b111));
    const counter = { k: 0, stop: false };
    let d = await startDaemon({ stateDir, session });
    running.push(d);
    for (let cycle = 0; cycle < 2; cycle++) {
      const ticks: Tick[] = [];
      counter.stop = false;
      const streaming = stream(d.port, counter, ticks);
      // An autosave of this stream on disk first (however long a loaded machine takes), then the kill
      // at a random moment.
      const seen = await savedTick(ticks);
      await new Promise((res) => setTimeout(res, r.int(1500)));
      d.child.kill('SIGKILL');
      const killedAt = Date.now();
      counter.stop = true;
      await streaming;
      expect((await d.exited).signal).toBe('SIGKILL');

      const saved = faderValues(readState());
      let match = -1;
      for (let j = ticks.length - 1; j >= 0 && match < 0; j--) if (ticks[j]!.faders.every((v, c) => v === saved[c])) match = j;
      expect(match, `saved faders ${saved.join(' ')} match no tick that was sent`).toBeGreaterThanOrEqual(0);
      expect(match, `state is from tick ${match} of ${ticks.length}, older than tick ${seen} seen saved before the kill`).toBeGreaterThanOrEqual(seen);
      console.info(`kill ${cycle}: state from tick ${match} of ${ticks.length}, sent ${killedAt - ticks[match]!.sentAt} ms before the kill`);
      const scenes = fs.readdirSync(path.join(stateDir, 'scenes')).filter((f) => f.endsWith('.yaml') && !f.startsWith('.'));
      expect(scenes.length).toBeGreaterThan(0);
      for (const f of scenes) parseScene(fs.readFileSync(path.join(stateDir, 'scenes', f), 'utf8'), f);

      d = await startDaemon({ stateDir, session });
      running.push(d);
      expect(await queryFaders(d.port)).toEqual(saved);
    }

    // A clean stop saves the very last change.
    const ticks: Tick[] = [];
    counter.stop = false;
    const streaming = stream(d.port, counter, ticks);
    await new Promise((res) => setTimeout(res, 800));
    counter.stop = true;
    await streaming;
    // The last bundle in (its reply says so), however slowly a loaded machine takes the stream.
    const last = ticks.at(-1)!.faders;
    for (let w = 0; w < 60 && !(await queryFaders(d.port)).every((v, c) => v === last[c]); w++) await new Promise((res) => setTimeout(res, 250));
    d.child.kill('SIGTERM');
    expect(await d.exited).toEqual({ code: 0, signal: null });
    expect(faderValues(readState())).toEqual(ticks.at(-1)!.faders);
  }, 120_000);

  it('SIGINT right after a change saves it and exits 0', async () => {
    const d = await startDaemon({ stateDir, session });
    running.push(d);
    const sock = dgram.createSocket('udp4');
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
    sock.send(encodeMessage('/ch/7/fader', [{ type: 'f', value: -17.5 }]), d.port, '127.0.0.1');
    sock.send(encodeMessage('/ch/7/fader', []), d.port, '127.0.0.1');
    // The query's reply says the change is in; the interrupt follows at once, well inside the autosave delay.
    await new Promise<void>((r) => sock.once('message', () => r()));
    sock.close();
    d.child.kill('SIGINT');
    expect(await d.exited).toEqual({ code: 0, signal: null });
    expect(readState()['/ch/7/fader']).toBe(-17.5);
  });
});
