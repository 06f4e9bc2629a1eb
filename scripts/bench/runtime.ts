/**
 * Runtime figures of the engine worker itself (in-process, no CLI, no OSC): for engine blocks of 64,
 * 128 and 256 frames on a paced device (JACK's dummy driver behind the ALSA jack PCM), late and
 * dropped blocks and DSP load of the default session, next to a bare naudiodon passthrough on the same
 * device for the same time (the machine's own glitch rate). The achievable block size is the smallest
 * with zero late and dropped blocks. Also the DSP load on the null clock, which needs no JACK.
 *
 * PortAudio cannot open the ALSA jack PCM below a 256-frame JACK period, so JACK runs at 256 and
 * smaller engine blocks run several per period.
 *
 *   npx tsx scripts/bench/runtime.ts [--quick] [--json]
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ParamRegistry } from '../../src/params/registry.ts';
import { ParamStore } from '../../src/params/store.ts';
import { defaultSession } from '../../src/params/session.ts';
import { EngineHost } from '../../src/engine/worker/host.ts';
import type { AudioConfig } from '../../src/audio/index.ts';
import { makeAlsaHome } from '../../test/audio/portaudio/alsa-home.ts';
import { startDummyJack } from '../../test/daemon/jack.ts';
import { fmt, haveCommand, progress, sectionMain, type BenchOptions, type Row } from './common.ts';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Run {
  blocks: number;
  late: number;
  dropped: number;
  loadMean: number;
  loadMax: number;
  seconds: number;
}

async function runEngine(audio: AudioConfig, seconds: number): Promise<Run> {
  const session = defaultSession();
  const store = new ParamStore(ParamRegistry.fromSession(session));
  const host = new EngineHost(store, session, { audio });
  const state = await host.start();
  if (state.state !== 'running') throw new Error(`audio ${state.state} on ${state.device}: ${state.reason ?? ''}`);
  await sleep(500);
  host.poll();
  const n = (a: string) => store.get(a) as number;
  const b0 = n('/status/blocks');
  const l0 = n('/status/late');
  const d0 = n('/status/dropped');
  let loadMax = 0;
  let loadSum = 0;
  let samples = 0;
  const t0 = performance.now();
  let first = true;
  while (performance.now() - t0 < seconds * 1000) {
    await sleep(1000);
    host.poll();
    // The first status period still holds start-up (JIT warm-up): steady state only.
    if (first) {
      first = false;
      continue;
    }
    loadSum += n('/status/load/mean');
    loadMax = Math.max(loadMax, n('/status/load/max'));
    samples++;
  }
  host.poll();
  const run = { blocks: n('/status/blocks') - b0, late: n('/status/late') - l0, dropped: n('/status/dropped') - d0, loadMean: samples ? loadSum / samples : NaN, loadMax, seconds: (performance.now() - t0) / 1000 };
  await host.stop();
  return run;
}

function passthrough(frames: number, seconds: number): { blocks: number; glitches: number } | undefined {
  const script = fileURLToPath(new URL('../../test/daemon/passthrough.ts', import.meta.url));
  const r = spawnSync(process.execPath, ['--import', 'tsx', script, 'jackdev', String(frames), String(seconds)], { encoding: 'utf8', timeout: (seconds + 20) * 1000 });
  const line = r.stdout?.split('\n').find((l) => l.startsWith('{"blocks"'));
  return line ? (JSON.parse(line) as { blocks: number; glitches: number }) : undefined;
}

async function measure(o: BenchOptions): Promise<Row[]> {
  const rows: Row[] = [];
  const seconds = o.quick ? 3 : 8;
  progress('runtime: null clock, default session, 128 frames');
  const nul = await runEngine({ backend: 'null', sampleRate: 48000, blockFrames: 128, demo: true }, seconds);
  rows.push({ group: 'runtime', what: 'DSP load, default session + demo, null clock 128/48k', faderd: `${fmt(nul.loadMean)}% mean, ${fmt(nul.loadMax)}% max`, note: `${nul.late} late, ${nul.dropped} dropped in ${fmt(nul.seconds)} s` });

  if (!haveCommand('jackd')) {
    rows.push({ group: 'runtime', what: 'paced device (JACK dummy)', faderd: 'not measured', note: 'jackd not installed (.ci/run installs it)' });
    return rows;
  }
  const alsa = makeAlsaHome('faderd-bench-runtime-');
  process.env.HOME = alsa.home;
  const jack = await startDummyJack(48000, 256);
  process.env.JACK_DEFAULT_SERVER = jack.name;
  let achievable: number | undefined;
  try {
    for (const frames of [256, 128, 64]) {
      progress(`runtime: JACK dummy, ${frames}-frame blocks, ${seconds} s`);
      const r = await runEngine({ backend: 'portaudio', device: 'jackdev', sampleRate: 48000, blockFrames: frames, demo: false }, seconds);
      const control = passthrough(frames, seconds);
      if (r.late === 0 && r.dropped === 0) achievable = frames;
      rows.push({
        group: 'runtime',
        what: `paced ${frames}/48k (JACK period 256): late, dropped; DSP load`,
        faderd: `${r.late} late, ${r.dropped} dropped; ${fmt(r.loadMean)}% mean, ${fmt(r.loadMax)}% max`,
        ...(control ? { peer: `${control.glitches} glitches (bare passthrough)` } : {}),
        note: `${fmt(r.blocks / r.seconds)} blocks/s over ${fmt(r.seconds)} s`,
      });
    }
  } finally {
    await jack.stop();
    fs.rmSync(alsa.dir, { recursive: true, force: true });
  }
  rows.push({ group: 'runtime', what: 'smallest block with zero late and dropped', faderd: achievable ? `${achievable} frames` : 'none of 64/128/256 on this machine now' });
  return rows;
}

sectionMain(import.meta.url, measure);
