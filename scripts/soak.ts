/**
 * Soak test: faderd on the null clock with 64 channels for N minutes, under 2,000 OSC changes/s from
 * four clients (two subscribed to feedback, one echoing every feedback message back), and a serial
 * board streaming fader lines through a pseudo-terminal. Reports blocks processed against expected,
 * late and dropped blocks, heap (after GC) and RSS at start and end, feedback traffic, errors, and
 * the time SIGTERM takes to save and stop. Exits 1 if a block was late or dropped, memory kept
 * growing, or any state was lost (live, or in the state file after the stop).
 *
 *   npm run soak -- --minutes 10 [--rate 2000] [--out soak-report.txt]
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import readline from 'node:readline';
import { SerialPort } from 'serialport';
import { parseStateText, STATE_FILE } from '../src/params/persistence.ts';
import { ROOT, freeUdpPort } from '../test/reliability/daemon-process.ts';
import { startPty } from '../test/surfaces/serial/socat.ts';
import type { SoakChildConfig, SoakSample } from '../test/reliability/soak-child.ts';
import { OscLoad, queryAll, type Expected } from '../test/reliability/soak-traffic.ts';

const { values } = parseArgs({ options: { minutes: { type: 'string', default: '10' }, rate: { type: 'string', default: '2000' }, out: { type: 'string' } } });
const minutes = Number(values.minutes);
const rate = Number(values.rate);
if (!(minutes > 0) || !(rate > 0)) {
  process.stderr.write('soak: --minutes and --rate must be positive numbers\n');
  process.exit(2);
}

const CHANNELS = 64;
const BOARD_FADERS = 8;
const SAMPLE_RATE = 48000;
const BLOCK = 128;
/** Growth after the warm-up that counts as unbounded: far above GC noise, far below a per-message leak. */
const HEAP_LIMIT = 16 * 1024 * 1024;
const RSS_LIMIT = 96 * 1024 * 1024;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faderd-soak-'));
const sessionFile = path.join(dir, 'soak.yaml');
fs.writeFileSync(
  sessionFile,
  `name: Soak\nchannels: ${CHANNELS}\nbuses: 4\nfx: [{ type: reverb }, { type: delay }]\n` +
    `audio: { backend: "null", sampleRate: ${SAMPLE_RATE}, blockSize: ${BLOCK}, demo: true }\nstate: { autosaveMs: 500 }\n`,
);
const boardMapping = path.join(dir, 'board.yaml');
fs.writeFileSync(
  boardMapping,
  `version: 1\nname: Soak board\nsurface: { transport: serial, path: /dev/null, framing: lines }\nbindings:\n` +
    `  - repeat: { i: 0..${BOARD_FADERS - 1} }\n    source: { line: "F{i + 1} {value:.3f}" }\n    target: /ch/{i + ${CHANNELS - BOARD_FADERS + 1}}/fader\n`,
);
const devLink = path.join(dir, 'board-dev');
const peerLink = path.join(dir, 'board-peer');
const stateDir = path.join(dir, 'state');

const log = (s: string) => process.stderr.write(`soak: ${s}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const pty = await startPty(devLink, peerLink);
// Whatever happens, leave no socat behind.
process.on('exit', () => pty.proc.kill());
const port = await freeUdpPort();
const cfg: SoakChildConfig = { session: sessionFile, stateDir, oscPort: port, boardPath: devLink, boardMapping };
const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', path.join(ROOT, 'test/reliability/soak-child.ts'), JSON.stringify(cfg)], {
  cwd: ROOT,
  env: { ...process.env, FADERD_LOG: 'warn' },
  stdio: ['ignore', 'pipe', 'pipe'],
});
let warnings = 0;
let stderrTail: string[] = [];
readline.createInterface({ input: child.stderr! }).on('line', (l) => {
  if (/"level":(40|50|60)/.test(l)) warnings++;
  stderrTail = [...stderrTail.slice(-20), l];
});
const samples: SoakSample[] = [];
let stopMs: number | undefined;
let ready!: () => void;
const readyP = new Promise<void>((r) => (ready = r));
readline.createInterface({ input: child.stdout! }).on('line', (l) => {
  const m = JSON.parse(l) as { type: string };
  if (m.type === 'ready') ready();
  else if (m.type === 'sample') samples.push(m as SoakSample);
  else if (m.type === 'stopped') stopMs = (m as unknown as { stopMs: number }).stopMs;
});
const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
await Promise.race([readyP, exited.then(() => Promise.reject(new Error(`daemon exited before it was ready:\n${stderrTail.join('\n')}`)))]);
log(`daemon up (OSC 127.0.0.1:${port}); running ${minutes} min at ${rate} changes/s`);

// Traffic: OSC load, and the board streaming 100 lines/s.
const load = await OscLoad.start(port, { channels: CHANNELS - BOARD_FADERS, rate });
// The board reads what faderd sends it (feedback lines), as a real one does: an unread pty would
// fill and stall socat in both directions.
const boardOut = new SerialPort({ path: peerLink, baudRate: 115200, autoOpen: false });
await new Promise<void>((res, rej) => boardOut.open((e) => (e ? rej(e) : res())));
let boardWriteErrors = 0;
let boardFeedback = 0;
boardOut.on('data', (c: Buffer) => {
  for (const b of c) if (b === 0x0a) boardFeedback++;
});
// Once the daemon closes its end at the stop, socat goes and the board's end reports EIO.
boardOut.on('error', () => boardWriteErrors++);
const boardLast = new Array<number>(BOARD_FADERS).fill(-1);
let boardLines = 0;
let boardBackedUp = 0;
const boardTimer = setInterval(() => {
  for (let k = 0; k < 10; k++, boardLines++) {
    const f = boardLines % BOARD_FADERS;
    const v = Math.round(((boardLines * 37) % 1000)) / 1000;
    if (boardOut.writableLength > 4096) {
      boardBackedUp++;
      continue;
    }
    boardOut.write(`F${f + 1} ${v.toFixed(3)}\n`);
    boardLast[f] = v;
  }
}, 100);

const loadAvg = [os.loadavg()[0].toFixed(2)];
const t0 = Date.now();
const endAt = t0 + minutes * 60_000;
while (Date.now() < endAt) {
  await sleep(Math.min(10_000, endAt - Date.now()));
  const s = samples.at(-1);
  if (s) log(`${((Date.now() - t0) / 60_000).toFixed(1)} min: ${s.blocks} blocks, ${s.late} late, ${s.dropped} dropped, heap ${(s.heapUsed / 1048576).toFixed(1)} MiB, rss ${(s.rss / 1048576).toFixed(0)} MiB`);
}
clearInterval(boardTimer);
await load.stop();
await sleep(300);

// Settle: every fader to a final known value, then check the live store has all of them.
const expected: Expected = await load.settle();
for (let f = 0; f < BOARD_FADERS; f++) {
  const v = (f + 1) / 10;
  boardOut.write(`F${f + 1} ${v.toFixed(3)}\n`);
  expected.norm.set(`/ch/${CHANNELS - BOARD_FADERS + 1 + f}/fader`, v);
}
await sleep(500);
const live = await queryAll(port, expected);

// A clean stop must save exactly the live state.
const termAt = performance.now();
child.kill('SIGTERM');
const code = await exited;
const wallStopMs = performance.now() - termAt;
const stateText = fs.readFileSync(path.join(stateDir, STATE_FILE), 'utf8');
const saved = parseStateText(stateText).params;
await new Promise<void>((r) => (boardOut.isOpen ? boardOut.close(() => r()) : r()));
await pty.kill();

// Figures.
const first = samples[0]!;
const last = samples.at(-1)!;
// Heap figures only from samples taken right after a full GC (the first, every 30th, the last).
const gcd = samples.filter((s) => s.afterGc);
const warmAt = first.t + Math.min(60_000, (last.t - first.t) * 0.2);
const warm = gcd.find((s) => s.t >= warmAt) ?? gcd[0]!;
const expectedBlocks = ((last.t - first.t) / 1000) * (SAMPLE_RATE / BLOCK);
const processed = last.blocks - first.blocks;
const heapGrowth = last.heapUsed - warm.heapUsed;
const rssGrowth = last.rss - warm.rss;
// OSC carries float32: compare the saved doubles as the live query saw them.
const savedMismatch = [...live.values].filter(([a, v]) => typeof saved[a] !== 'number' || Math.fround(saved[a] as number) !== v).length;
const failures: string[] = [];
if (last.late > 0 || last.dropped > 0) failures.push(`${last.late} late and ${last.dropped} dropped blocks`);
if (Math.abs(processed - expectedBlocks) > expectedBlocks * 0.01 + 10) failures.push(`processed ${processed} blocks, expected ${expectedBlocks.toFixed(0)}`);
if (heapGrowth > HEAP_LIMIT) failures.push(`heap grew ${(heapGrowth / 1048576).toFixed(1)} MiB after warm-up`);
if (rssGrowth > RSS_LIMIT) failures.push(`RSS grew ${(rssGrowth / 1048576).toFixed(1)} MiB after warm-up`);
if (live.mismatches.length) failures.push(`live state lost: ${live.mismatches.slice(0, 5).join('; ')}${live.mismatches.length > 5 ? ` (+${live.mismatches.length - 5})` : ''}`);
if (savedMismatch) failures.push(`${savedMismatch} params differ in the state file saved on SIGTERM`);
if (code !== 0) failures.push(`daemon exit code ${code} after SIGTERM`);
if (!(stopMs !== undefined && wallStopMs < 1000)) failures.push(`SIGTERM stop took ${wallStopMs.toFixed(0)} ms (limit 1000)`);
if (!last.board.connected || last.board.received === 0) failures.push('the serial board was not connected or sent nothing');

const meanLoad = samples.reduce((a, x) => a + x.loadMean, 0) / samples.length;
const maxLoad = Math.max(...samples.map((x) => x.loadMax));
const mib = (b: number) => `${(b / 1048576).toFixed(1)} MiB`;
const o = last.osc;
const report = [
  `faderd soak: ${minutes} min, null clock ${SAMPLE_RATE} Hz / ${BLOCK} frames, ${CHANNELS} channels, 4 buses, 2 fx, demo signal`,
  `load: ${rate} OSC changes/s from 4 clients (${load.sent.bundles} bundles, ${load.sent.changes} changes), all subscribed to feedback, 1 echoing it back; serial board ${boardLines} lines at 100/s (${boardBackedUp} skipped while backed up)`,
  `blocks: ${processed} processed, ${expectedBlocks.toFixed(0)} expected (${((processed / expectedBlocks) * 100).toFixed(2)}%), ${last.late} late, ${last.dropped} dropped; audio ${last.audio}; DSP load ${meanLoad.toFixed(1)}% mean, ${maxLoad.toFixed(1)}% worst block; machine load average ${loadAvg[0]} at start, ${os.loadavg()[0].toFixed(2)} at end (${os.cpus().length} cores)`,
  `memory (daemon process, heap after GC): heap ${mib(first.heapUsed)} at start, ${mib(warm.heapUsed)} after warm-up, ${mib(last.heapUsed)} at end (${heapGrowth >= 0 ? '+' : ''}${mib(heapGrowth)}); RSS ${mib(first.rss)} / ${mib(warm.rss)} / ${mib(last.rss)}`,
  `OSC server: ${o.packets} packets, ${o.received} messages, ${o.applied} applied, ${o.sent} feedback messages sent, ${o.dropped} feedback dropped (queue full), ${o.malformed} malformed, ${o.paramErrors} refused`,
  `clients: ${load.feedback.received} feedback messages received by the 4 clients, ${load.feedback.echoed} echoed back by the echoing client (amplification ${(load.feedback.echoed / Math.max(1, load.sent.changes)).toFixed(2)} per change)`,
  `serial board: ${last.board.received} lines received, ${last.board.dropped} dropped, ${last.board.errors} errors; connected ${last.board.connected}; ${boardFeedback} feedback lines sent to the board; ${boardWriteErrors} write errors at the board's end`,
  `errors: ${warnings} warning/error log lines from the daemon`,
  `state: ${live.checked} params checked live, ${live.mismatches.length} lost; state file after SIGTERM: ${savedMismatch} differ; stop took ${stopMs?.toFixed(0) ?? '?'} ms in the daemon, ${wallStopMs.toFixed(0)} ms to process exit`,
  failures.length ? `FAIL: ${failures.join('; ')}` : 'PASS',
].join('\n');
process.stdout.write(report + '\n');
if (values.out) fs.writeFileSync(values.out, report + '\n');
fs.writeFileSync(path.join(dir, 'soak-report.txt'), report + '\n');
log(`report saved to ${values.out ?? path.join(dir, 'soak-report.txt')}`);
process.exitCode = failures.length ? 1 : 0;
