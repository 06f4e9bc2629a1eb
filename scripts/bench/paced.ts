/**
 * Runtime rows: the whole `faderd run` on a paced device, JACK's dummy driver (the system clock paces
 * it like an interface) behind the ALSA jack PCM, with 128-frame blocks: late and dropped blocks and
 * the DSP load (mean/max, % of the block period) of the default session, read over OSC from
 * /status/*, while another process sends 2,000 param changes per second over OSC (test/daemon/osc-flood.ts).
 * It states whether 128 frames is achievable under that load (zero late and dropped): the pass/fail
 * on timing that test/daemon/paced.test.ts leaves out, because it depends on the machine's load and
 * scheduling rights. The full run leaves the block-size sweep to runtime.ts.
 * JACK runs under a server name of its own and is stopped by its pid.
 *
 * PortAudio cannot open the ALSA jack PCM below a 256-frame JACK period, so JACK runs at 256 and
 * smaller engine blocks run several per period.
 *
 *   npx tsx scripts/bench/paced.ts [--quick]
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fmt, haveCommand, progress, ROOT, sectionMain, type BenchOptions, type Row } from './common.ts';
import { startDaemon } from './daemon-proc.ts';
import { queryOsc } from '../../test/reliability/daemon-process.ts';

const PERIOD = 256;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function startJack(name: string, env: NodeJS.ProcessEnv): ChildProcess {
  // A real JACK server runs real-time; so does this one where the system allows it (as faderd's threads do).
  const realtime = spawnSync('chrt', ['-f', '1', 'true']).status === 0;
  const args = ['-n', name, '-d', 'dummy', '-r', '48000', '-p', String(PERIOD)];
  const proc = spawn('jackd', [realtime ? '--realtime' : '--no-realtime', ...(realtime ? ['-P', '80'] : []), ...args], { env, stdio: 'ignore' });
  const wait = spawnSync('jack_wait', ['-w', '-t', '10'], { env, encoding: 'utf8' });
  if (wait.status !== 0 || proc.exitCode !== null) {
    proc.kill('SIGKILL');
    throw new Error(`jackd (dummy driver) did not start: ${wait.stderr || wait.stdout}`);
  }
  return proc;
}

async function stopJack(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null) return;
  const done = new Promise<void>((r) => proc.once('exit', () => r()));
  proc.kill('SIGTERM');
  const t = setTimeout(() => proc.kill('SIGKILL'), 2000);
  await done;
  clearTimeout(t);
}

/** OSC param changes per second sent while the run is measured. */
const FLOOD_RATE = 2000;
const STATUS = ['/status/audio/device', '/status/audio/state', '/status/blocks', '/status/late', '/status/dropped', '/status/load/mean', '/status/load/max'];

async function measure(o: BenchOptions): Promise<Row[]> {
  if (!haveCommand('jackd') || !haveCommand('jack_wait')) {
    return [{ group: 'runtime', what: 'paced device (jackd dummy)', faderd: 'skipped', note: 'jackd not installed: apt-get install jackd2 libasound2-plugins' }];
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faderd-bench-jack-'));
  fs.writeFileSync(
    path.join(dir, '.asoundrc'),
    'pcm.jackdev {\n  type jack\n  playback_ports { 0 system:playback_1 1 system:playback_2 }\n  capture_ports { 0 system:capture_1 1 system:capture_2 }\n}\n',
  );
  const name = `faderd-bench-${process.pid}`;
  const env = { ...process.env, HOME: dir, JACK_DEFAULT_SERVER: name, JACK_NO_AUDIO_RESERVATION: '1' };
  const rows: Row[] = [];
  const seconds = o.quick ? 1.5 : 20;
  const results: Array<{ block: number; late: number; dropped: number; ok: boolean }> = [];
  progress(`runtime: jackd dummy, period ${PERIOD} at 48 kHz`);
  const jack = startJack(name, env);
  try {
    // The block-size sweep with a bare passthrough beside it is runtime.ts (full run only); this is the
    // whole daemon at the default block size.
    for (const block of [128]) {
      progress(`runtime: faderd run, default session, ${block}-frame blocks, ${seconds} s`);
      const d = await startDaemon({ audio: 'jackdev', block, env });
      try {
        // The sender starts first (starting node costs a core for a second) and outlasts the window.
        const warmup = o.quick ? 1.5 : 3;
        const flood = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'test/daemon/osc-flood.ts'), String(d.oscPort), String(FLOOD_RATE), String(seconds + warmup + 1)], { stdio: 'ignore' });
        const floodDone = new Promise<void>((r) => flood.once('exit', () => r()));
        await sleep(warmup * 1000);
        const a = await queryOsc(d.oscPort, STATUS);
        const t0 = performance.now();
        await sleep(seconds * 1000);
        const b = await queryOsc(d.oscPort, STATUS);
        const elapsed = (performance.now() - t0) / 1000;
        await floodDone;
        const n = (s: Map<string, unknown>, k: string): number => Number(s.get(`/status/${k}`));
        const blocks = n(b, 'blocks') - n(a, 'blocks');
        const late = n(b, 'late') - n(a, 'late');
        const dropped = n(b, 'dropped') - n(a, 'dropped');
        const onJack = b.get('/status/audio/device') === 'jackdev' && b.get('/status/audio/state') === 'running';
        results.push({ block, late, dropped, ok: onJack && late === 0 && dropped === 0 && blocks > 0 });
        rows.push({
          group: 'runtime',
          what: `paced jackd dummy (period ${PERIOD}), default session, ${block}-frame blocks, ${seconds} s, ${FLOOD_RATE}/s OSC changes`,
          faderd: onJack ? `DSP load ${fmt(n(b, 'load/mean'), 1)} % mean, ${fmt(n(b, 'load/max'), 1)} % max` : `not on jack: ${String(b.get('/status/audio/device'))} ${String(b.get('/status/audio/state'))}`,
          note: `${blocks} blocks (${fmt(blocks / elapsed / (48000 / block), 3)}× expected), ${late} late, ${dropped} dropped`,
        });
      } finally {
        await d.stop();
      }
    }
  } finally {
    await stopJack(jack);
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const ok = results.some((r) => r.ok);
  rows.push({
    group: 'runtime',
    what: `achievable block size, zero late and dropped blocks on the paced device under ${FLOOD_RATE}/s OSC changes`,
    faderd: ok ? 'PASS: 128 frames (2.67 ms)' : 'FAIL: 128 frames had late or dropped blocks',
    note: `128 frames only, with faderd run (runtime.ts sweeps 64, 128, 256 beside a bare passthrough)`,
  });
  return rows;
}

sectionMain(import.meta.url, measure);
