/**
 * Live latency: the round trip from an input to an output, measured with a click through JACK ports
 * and timed on JACK's frame clock, for faderd and its two peers, at 64, 128 and 256-frame periods on
 * JACK's dummy driver (48 kHz):
 *
 *   - the floor: a minimal JACK client copying its input to its output (the bridge's passthrough
 *     client), checked against Debian's jack_iodelay measuring the same loop;
 *   - a bare naudiodon passthrough on an ALSA jack PCM wired to the click, with faderd's old device
 *     settings (PortAudio as naudiodon bundles it opens that PCM only at 256-frame periods);
 *   - `faderd run` on its JACK backend (latency safe, then low), the session's limiter off, the click
 *     on a channel of its own while another process sends 2,000 OSC param changes per second to
 *     channels 1-8: late and dropped blocks as faderd counts them;
 *   - `faderd run` through PortAudio on the same PCM, as before the JACK backend (256 only).
 *
 * The click leaves the prober's output at the first frame of a cycle and is found on its input; the
 * round trip is the difference of the two positions on JACK's frame clock. The prober and the path
 * under test form a loop, which JACK runs one cycle apart: a client that adds nothing measures one
 * period (the floor). Where the frames go is faderd's own account (/status/audio/latency): JACK's
 * port latencies, faderd's queue, the engine.
 *
 *   npx tsx scripts/bench/latency.ts [--quick] [--json]
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fmt, haveCommand, progress, sectionMain, type BenchOptions, type Row } from './common.ts';
import { startDaemon } from './daemon-proc.ts';
import { queryOsc } from '../../test/reliability/daemon-process.ts';
import { startDummyJack, type DummyJack } from '../../test/daemon/jack.ts';
import { loadJackBridge, TOOL_MODE, type JackBridge, type JackToolStats } from '../../src/audio/jack/addon.ts';

const RATE = 48000;
const PROBE = 'faderd-click';
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const ms = (frames: number): string => `${fmt((frames / RATE) * 1000, 1)} ms`;

interface Clicks {
  readonly heard: number;
  readonly lost: number;
  readonly min: number;
  readonly max: number;
  readonly xruns: number;
}

interface Probe {
  readonly handle: unknown;
  /** The click figures of the next `seconds` (after a settle: the first clicks may predate the path). */
  window(seconds: number): Promise<Clicks>;
  close(): void;
}

/** Opens the click prober (out_1 sends, in_1 listens; out_2/in_2 for two-channel devices). */
function openProbe(bridge: JackBridge): Probe {
  const p = bridge.openTool({ name: PROBE, mode: TOOL_MODE.click, channels: 2, interval: RATE / 10, level: 0.5, threshold: 0.1 });
  bridge.activate(p.handle);
  const stats = (): JackToolStats => bridge.toolStats(p.handle);
  return {
    handle: p.handle,
    async window(seconds) {
      await sleep(500);
      const a = stats();
      await sleep(seconds * 1000);
      const b = stats();
      // delayMin/Max run from the prober's start, which the settle keeps clear of start-up.
      const heard = b.heard - a.heard;
      return { heard, lost: b.lost - a.lost, min: heard ? b.delayMin : NaN, max: heard ? b.delayMax : NaN, xruns: b.xruns - a.xruns };
    },
    close: () => bridge.close(p.handle),
  };
}

/** Opens a prober for `fn` and closes it after. */
async function withProbe<T>(bridge: JackBridge, fn: (probe: Probe) => Promise<T>): Promise<T> {
  const probe = openProbe(bridge);
  try {
    return await fn(probe);
  } finally {
    probe.close();
  }
}

const delay = (c: Clicks): string => (c.heard === 0 ? 'no click came back' : c.min === c.max ? `${c.min} frames = ${ms(c.min)}` : `${c.min}-${c.max} frames`);

/** jack_iodelay on a loop through `via` (its own out to its own in when undefined): its reading in frames. */
async function iodelay(env: NodeJS.ProcessEnv, bridge: JackBridge, via: { in: string; out: string } | undefined, handle: unknown): Promise<number | undefined> {
  if (!haveCommand('jack_iodelay')) return undefined;
  const child = spawn('stdbuf', ['-o0', 'jack_iodelay'], { env, stdio: ['ignore', 'pipe', 'ignore'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  try {
    for (let i = 0; i < 50 && !bridge.ports(handle, '^jack_delay:', 0).length; i++) await sleep(50);
    if (via) {
      bridge.connect(handle, 'jack_delay:out', via.in);
      bridge.connect(handle, via.out, 'jack_delay:in');
    } else bridge.connect(handle, 'jack_delay:out', 'jack_delay:in');
    await sleep(3000);
  } finally {
    child.kill('SIGINT');
    await new Promise((r) => child.once('exit', r));
  }
  const readings = [...out.replace(/\r/g, '\n').matchAll(/([\d.]+) frames\s+[\d.]+ ms total roundtrip latency/g)].map((m) => Number(m[1]));
  return readings.at(-1);
}

function writeSession(dir: string, name: string, yaml: string): string {
  const file = path.join(dir, `${name}.yaml`);
  fs.writeFileSync(file, yaml);
  return file;
}

interface Run {
  readonly clicks: Clicks;
  readonly late: number;
  readonly dropped: number;
  readonly blocks: number;
  readonly latency: string;
  readonly scheduling: string;
  readonly device: string;
}

const STATUS = ['/status/blocks', '/status/late', '/status/dropped', '/status/audio/latency', '/status/audio/scheduling', '/status/audio/device'];

/**
 * `faderd run` on a session, clicked through `wire` (JACK ports to connect: prober out → `input`,
 * `output` → prober in; none when the device wires itself), with an optional OSC flood alongside.
 */
async function runFaderd(env: NodeJS.ProcessEnv, probe: Probe, bridge: JackBridge, session: string, audio: string, wire: { input: string; output: string } | undefined, seconds: number, flood: boolean): Promise<Run> {
  const d = await startDaemon({ session, audio, env, timeoutMs: 60_000 });
  try {
    await sleep(1000);
    const state = await queryOsc(d.oscPort, ['/status/audio/state', '/status/audio/device']);
    if (state.get('/status/audio/state') !== 'running' || state.get('/status/audio/device') === 'null')
      throw new Error(`faderd is not on the device: audio ${String(state.get('/status/audio/state'))} on ${String(state.get('/status/audio/device'))}`);
    if (wire) {
      bridge.connect(probe.handle, `${PROBE}:out_1`, wire.input);
      bridge.connect(probe.handle, wire.output, `${PROBE}:in_1`);
    }
    const a = await queryOsc(d.oscPort, STATUS);
    const floodScript = fileURLToPath(new URL('../../test/daemon/osc-flood.ts', import.meta.url));
    const sender = flood ? spawn(process.execPath, ['--import', 'tsx', floodScript, String(d.oscPort), '2000', String(seconds + 1)], { stdio: 'ignore' }) : undefined;
    const c = await probe.window(seconds);
    if (sender) await new Promise((r) => sender.once('exit', r));
    const b = await queryOsc(d.oscPort, STATUS);
    const n = (m: Map<string, unknown>, k: string): number => Number(m.get(`/status/${k}`));
    return {
      clicks: c,
      late: n(b, 'late') - n(a, 'late'),
      dropped: n(b, 'dropped') - n(a, 'dropped'),
      blocks: n(b, 'blocks') - n(a, 'blocks'),
      latency: String(b.get('/status/audio/latency') ?? ''),
      scheduling: String(b.get('/status/audio/scheduling') ?? ''),
      device: String(b.get('/status/audio/device') ?? ''),
    };
  } finally {
    await d.stop();
  }
}

/** The bare naudiodon passthrough (test/daemon/passthrough.ts) on the clicked PCM, clicked meanwhile. */
async function naudiodonPass(env: NodeJS.ProcessEnv, probe: Probe, period: number, seconds: number): Promise<{ clicks: Clicks; glitches: number } | string> {
  const script = fileURLToPath(new URL('../../test/daemon/passthrough.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script, 'clickdev', String(period), String(seconds + 2)], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', r));
  // The ALSA jack PCM connects itself to the prober's ports once the stream starts.
  const c = await probe.window(seconds);
  await exited;
  const line = out.split('\n').find((l) => l.startsWith('{"blocks"'));
  if (!line) return /no device clickdev/.test(err) ? 'PortAudio lists no device (its probe of the jack PCM fails at this period)' : `did not run: ${err.split('\n').filter((l) => l && !/^(ALSA lib|Cannot|jack server|JackShm|Expression)/.test(l)).slice(-2).join(' / ')}`;
  return { clicks: c, glitches: (JSON.parse(line) as { glitches: number }).glitches };
}

async function measurePeriod(o: BenchOptions, period: number, bridgeEnv: { dir: string }): Promise<Row[]> {
  const rows: Row[] = [];
  const seconds = o.quick ? 4 : 60;
  const lowSeconds = o.quick ? 3 : 20;
  const short = o.quick ? 3 : 8;
  let jack: DummyJack | undefined;
  try {
    progress(`latency: jackd dummy at ${period} frames`);
    jack = await startDummyJack(RATE, period);
    process.env.JACK_DEFAULT_SERVER = jack.name;
    const env = { ...process.env, HOME: bridgeEnv.dir, JACK_DEFAULT_SERVER: jack.name, JACK_NO_AUDIO_RESERVATION: '1' };
    const bridge = loadJackBridge();

    // The floor: a minimal client in the loop, and jack_iodelay through the same client.
    const pass = bridge.openTool({ name: 'faderd-pass', mode: TOOL_MODE.passthrough, channels: 1 });
    bridge.activate(pass.handle);
    let floor: Clicks;
    let iod: number | undefined;
    try {
      progress(`latency ${period}: minimal JACK client`);
      floor = await withProbe(bridge, (probe) => {
        bridge.connect(probe.handle, `${PROBE}:out_1`, `${pass.name}:in_1`);
        bridge.connect(probe.handle, `${pass.name}:out_1`, `${PROBE}:in_1`);
        return probe.window(short);
      });
      progress(`latency ${period}: jack_iodelay through the same client`);
      iod = await iodelay(env, bridge, { in: `${pass.name}:in_1`, out: `${pass.name}:out_1` }, pass.handle);
    } finally {
      bridge.close(pass.handle);
    }
    const floorCell = `${delay(floor)}${iod !== undefined ? `; jack_iodelay ${fmt(iod, 0)}` : ''}`;
    rows.push({ group: 'latency', what: `${period}-frame period: the floor (a JACK client copying in to out)`, faderd: '', peer: floorCell, note: `${floor.heard} clicks, ${floor.lost} lost` });
    const floorFrames = floor.min;

    // faderd on its JACK backend, with OSC changes flooding channels 1-8 while channel 10 carries the click.
    for (const mode of ['safe', 'low'] as const) {
      const secs = mode === 'safe' ? seconds : lowSeconds;
      progress(`latency ${period}: faderd run, JACK backend, latency ${mode}, ${secs} s under 2,000 OSC changes/s`);
      const session = writeSession(bridgeEnv.dir, `jack-${mode}-${period}`, `name: latency\nchannels: 10\nbuses: 0\naudio: { backend: jack, blockSize: ${Math.max(64, period)}, latency: ${mode}, connect: false }\nparams: { /master/limiter/on: false }\n`);
      const r = await withProbe(bridge, (probe) => runFaderd(env, probe, bridge, session, 'jack', { input: 'faderd:in_10', output: 'faderd:out_1' }, secs, true)).catch((e: Error) => e);
      if (r instanceof Error) {
        rows.push({ group: 'latency', what: `${period}-frame period: faderd, JACK backend, latency ${mode}`, faderd: 'not measured', note: r.message.slice(0, 200) });
        continue;
      }
      const added = r.clicks.min - floorFrames;
      rows.push({
        group: 'latency',
        what: `${period}-frame period: faderd, JACK backend, latency ${mode}`,
        faderd: delay(r.clicks),
        peer: delay(floor),
        ratio: r.clicks.heard ? `floor + ${added} (${fmt(added / period, 2)} period${added === period ? '' : 's'})` : '-',
        note: `${r.late} late, ${r.dropped} dropped in ${secs} s under 2,000 OSC changes/s (${r.scheduling}); ${r.clicks.heard} clicks, ${r.clicks.lost} lost; faderd's account: ${r.latency}`,
      });
    }

    // PortAudio on an ALSA jack PCM wired to the click: the bare passthrough and faderd's old path.
    progress(`latency ${period}: bare naudiodon passthrough on the ALSA jack PCM`);
    const bare = await withProbe(bridge, (probe) => naudiodonPass(env, probe, period, short));
    rows.push({
      group: 'latency',
      what: `${period}-frame period: bare naudiodon passthrough (faderd's old device settings)`,
      faderd: '',
      peer: typeof bare === 'string' ? bare : delay(bare.clicks),
      ...(typeof bare === 'string' || !bare.clicks.heard ? {} : { ratio: `floor + ${bare.clicks.min - floorFrames}` }),
      ...(typeof bare === 'string' ? {} : { note: `PortAudio's ALSA buffer, naudiodon's queues and priming; ${bare.glitches} glitches, ${bare.clicks.lost} clicks lost` }),
    });
    if (typeof bare !== 'string') {
      progress(`latency ${period}: faderd run through PortAudio on the same PCM`);
      const session = writeSession(bridgeEnv.dir, `pa-${period}`, `name: latency\nchannels: 1\nbuses: 0\naudio: { backend: portaudio, device: clickdev, blockSize: 128 }\nparams: { /master/limiter/on: false }\n`);
      const r = await withProbe(bridge, (probe) => runFaderd(env, probe, bridge, session, 'clickdev', undefined, short, false)).catch((e: Error) => e);
      rows.push({
        group: 'latency',
        what: `${period}-frame period: faderd through PortAudio (128-frame blocks, latency safe)`,
        faderd: r instanceof Error ? `did not run: ${r.message.slice(0, 120)}` : delay(r.clicks),
        peer: delay(floor),
        ...(r instanceof Error || !r.clicks.heard ? {} : { ratio: `floor + ${r.clicks.min - floorFrames}` }),
        ...(r instanceof Error ? {} : { note: `${r.late} late, ${r.dropped} dropped in ${short} s; faderd's account: ${r.latency}` }),
      });
    }
  } finally {
    await jack?.stop();
  }
  return rows;
}

/** An ALSA jack PCM whose ports are the click prober's: capture from its outputs, playback to its inputs. */
function clickHome(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faderd-bench-latency-'));
  fs.writeFileSync(
    path.join(dir, '.asoundrc'),
    `pcm.clickdev {\n  type jack\n  playback_ports { 0 ${PROBE}:in_1 1 ${PROBE}:in_2 }\n  capture_ports { 0 ${PROBE}:out_1 1 ${PROBE}:out_2 }\n}\n`,
  );
  return dir;
}

async function measure(o: BenchOptions): Promise<Row[]> {
  if (!haveCommand('jackd') || !haveCommand('jack_wait'))
    return [{ group: 'latency', what: 'round trip through JACK', faderd: 'not measured', note: 'jackd not installed: apt-get install jackd2 libasound2-plugins' }];
  try {
    loadJackBridge();
  } catch (e) {
    return [{ group: 'latency', what: 'round trip through JACK', faderd: 'not measured', note: (e as Error).message }];
  }
  const realtime = spawnSync('chrt', ['-f', '1', 'true']).status === 0;
  const dir = clickHome();
  const rows: Row[] = [];
  try {
    for (const period of o.quick ? [128] : [64, 128, 256]) rows.push(...(await measurePeriod(o, period, { dir })));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  if (!realtime) rows.push({ group: 'latency', what: 'scheduling', faderd: 'no real-time scheduling here: late blocks are likely under load', note: 'run as root or with an rtprio limit' });
  return rows;
}

sectionMain(import.meta.url, measure);
