/**
 * `faderd render` and `--for` hold bounded memory whatever the length (#20): the peak resident memory
 * of a child process (getrusage, no timing) rendering 8 minutes is about that of rendering 1 minute.
 * The whole-file render held the float mix (8 bytes a frame), its encoded bytes twice, and for
 * deliveries several more copies: measured with the frozen reference (test/audio/file/reference/
 * peak-rss-whole.ts) on a one-stem 16 kHz session, 132 MB for 1 minute and 352 MB for 12, where the
 * streaming render stays near 145 MB for both (FADERD_PRINT=1 prints the figures).
 *
 * The stems are 16 kHz so that the long render takes seconds, not minutes, on a busy machine; the
 * bound is checked to stay below what the whole-file render would need on top of the short one.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { root } from './spawn.ts';
import { WavStreamWriter } from '../../src/audio/file/wav-writer.ts';

vi.setConfig({ testTimeout: 400_000, hookTimeout: 120_000 });

const SR = 16000;
/** Growth allowed from 1 minute to the long render: far below the float mix alone of the long one. */
const SLACK_KB = 24 * 1024;
let dir: string;

/** A mono 16-bit stem of `seconds`, written a second at a time (the test itself stays small). */
function writeStem(file: string, seconds: number): void {
  const w = new WavStreamWriter(file, 1, SR, '16');
  const b = new Float32Array(SR);
  let s = 1;
  for (let sec = 0; sec < seconds; sec++) {
    for (let i = 0; i < SR; i++) {
      s = (s * 1103515245 + 12345) >>> 0;
      const t = sec + i / SR;
      b[i] = (0.25 + 0.2 * Math.sin(2 * Math.PI * 0.1 * t)) * Math.sin(2 * Math.PI * 220 * t) + 0.05 * (s / 2 ** 32 - 0.5);
    }
    w.write([b], SR);
  }
  w.commit();
}

function session(name: string, seconds: number): string {
  if (!fs.existsSync(path.join(dir, `${name}.wav`))) writeStem(path.join(dir, `${name}.wav`), seconds);
  const file = path.join(dir, `${name}.yaml`);
  fs.writeFileSync(file, `channels:\n  - { name: A, file: ${name}.wav }\n  - { name: B, file: ${name}.wav, stereo: true }\n`);
  return file;
}

/** Peak RSS (kB) of `faderd ARGS...` run in a child process. */
function peakRss(args: string[]): number {
  const tsx = pathToFileURL(path.join(root, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
  const child = path.join(root, 'test', 'cli', 'peak-rss-child.ts');
  const r = spawnSync(process.execPath, ['--import', tsx, child, ...args], { cwd: dir, encoding: 'utf8', timeout: 380_000 });
  expect(r.status, r.stderr).toBe(0);
  const m = /peak-rss-kb (\d+)/.exec(r.stderr);
  expect(m, r.stderr).not.toBeNull();
  return Number(m![1]);
}

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faderd-render-mem-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('render memory does not grow with duration', () => {
  it('the mix: 8 minutes peak within 24 MB of 1 minute', () => {
    const short = session('short', 60);
    const long = session('long', 480);
    // What the whole-file render needed on top of the short render, at the least: the float mix.
    expect(SLACK_KB * 1024).toBeLessThan((480 - 60) * SR * 2 * 4);
    const a = peakRss(['render', short, '-o', 'mix-short.wav', '--tail', '0']);
    fs.rmSync(path.join(dir, 'mix-short.wav'));
    const b = peakRss(['render', long, '-o', 'mix-long.wav', '--tail', '0']);
    expect(fs.statSync(path.join(dir, 'mix-long.wav')).size).toBe(44 + 480 * SR * 2 * 3);
    fs.rmSync(path.join(dir, 'mix-long.wav'));
    if (process.env.FADERD_PRINT) console.log(`render peak RSS: ${a} kB for 1 min, ${b} kB for 8 min`);
    expect(b - a, `peak RSS ${a} kB for 1 min, ${b} kB for 8 min`).toBeLessThan(SLACK_KB);
  });

  it('deliveries: 8 minutes peak within 24 MB of 1 minute', () => {
    const short = session('short', 60);
    const long = session('long', 480);
    // The whole-file export held the mix, a gained copy and the limited result: the bound is below
    // even one copy of the float mix.
    expect(SLACK_KB * 1024).toBeLessThan((480 - 60) * SR * 2 * 4);
    const a = peakRss(['render', short, '--for', 'spotify', '-o', 'd-short/', '--tail', '0']);
    const b = peakRss(['render', long, '--for', 'spotify', '-o', 'd-long/', '--tail', '0']);
    expect(fs.readdirSync(path.join(dir, 'd-long'))).toEqual(['long.spotify.wav']);
    if (process.env.FADERD_PRINT) console.log(`delivery peak RSS: ${a} kB for 1 min, ${b} kB for 8 min`);
    expect(b - a, `peak RSS ${a} kB for 1 min, ${b} kB for 8 min`).toBeLessThan(SLACK_KB);
  });
});
