/**
 * The daemon side of `npm run soak`: the same composition root as `faderd run` (Daemon), plus a
 * serial board on a pseudo-terminal bound through a line mapping, reporting once a second on stdout
 * as JSON lines: heap after a forced GC, RSS, block counters, OSC and board counters. SIGTERM stops
 * it the way `faderd run` stops, and it reports how long the stop took.
 *
 *   node --expose-gc --import tsx test/reliability/soak-child.ts '<json config>'
 */
import fs from 'node:fs';
import { loadSession } from '../../src/params/session.ts';
import { Daemon } from '../../src/daemon/daemon.ts';
import { readStatus } from '../../src/daemon/status.ts';
import { SerialTransport } from '../../src/surfaces/serial/transport.ts';
import { compileMapping } from '../../src/mapping/binding/compile.ts';
import { parseMapping } from '../../src/mapping/file/load.ts';

export interface SoakChildConfig {
  readonly session: string;
  readonly stateDir: string;
  readonly oscPort: number;
  readonly boardPath: string;
  readonly boardMapping: string;
}

export interface SoakSample {
  readonly type: 'sample';
  readonly t: number;
  readonly heapUsed: number;
  /** Whether a full GC ran just before heapUsed was read (every 30th sample, and the last). */
  readonly afterGc: boolean;
  readonly rss: number;
  readonly blocks: number;
  readonly late: number;
  readonly dropped: number;
  /** DSP load over the last status period, % of the block period. */
  readonly loadMean: number;
  readonly loadMax: number;
  readonly audio: string;
  readonly osc: Record<string, number>;
  readonly board: { received: number; errors: number; dropped: number; connected: boolean };
}

const cfg = JSON.parse(process.argv[2]!) as SoakChildConfig;
const gc = (globalThis as { gc?: () => void }).gc;
const session = loadSession(cfg.session);
const daemon = new Daemon({ session, audio: { backend: 'null' }, oscPort: cfg.oscPort, stateDir: cfg.stateDir });
await daemon.start();

const board = new SerialTransport('board', { transport: 'serial', path: cfg.boardPath, framing: 'lines', baudRate: 115200 });
let boardUp = false;
board.connected$.subscribe((up) => (boardUp = up));
const mapping = compileMapping(parseMapping(fs.readFileSync(cfg.boardMapping, 'utf8'), cfg.boardMapping), daemon.store, board, { id: 'board' });

let n = 0;
const sample = (forceGc = false): SoakSample => {
  // A full GC now and then, not every second: it competes for the same two cores as the audio worker.
  const afterGc = !!gc && (forceGc || n++ % 30 === 0);
  if (afterGc) gc!();
  const m = process.memoryUsage();
  const s = readStatus(daemon.store);
  const bs = board.stats();
  return {
    type: 'sample',
    t: Date.now(),
    heapUsed: m.heapUsed,
    afterGc,
    rss: m.rss,
    blocks: s.blocks,
    late: s.late,
    dropped: s.dropped,
    loadMean: s.loadMean,
    loadMax: s.loadMax,
    audio: s.scheduling ? `${s.state}, ${s.scheduling} scheduling` : s.state,
    osc: { ...(daemon.oscServer?.stats() ?? {}) } as unknown as Record<string, number>,
    board: { received: bs.received, errors: bs.errors, dropped: bs.dropped, connected: boardUp },
  };
};
const out = (o: object) => process.stdout.write(JSON.stringify(o) + '\n');
out({ type: 'ready', pid: process.pid });
const timer = setInterval(() => out(sample()), 1000);

process.once('SIGTERM', () => {
  const t0 = performance.now();
  clearInterval(timer);
  out(sample(true));
  mapping.dispose();
  void board
    .close()
    .then(() => daemon.stop())
    .then(() => {
      out({ type: 'stopped', stopMs: performance.now() - t0 });
      process.exitCode = 0;
    });
});
