/**
 * A streamed render that fails midway (a NaN found 1.5 s into a stem, after the output was opened and
 * a second and a half of mix written) leaves no partial output: an existing mix or delivery is as it
 * was, a directory made for deliveries is gone again, and no temp file or spool stays behind.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { cli } from './run-main.ts';
import { spawn } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { faderd, root } from './spawn.ts';
import { WavStreamWriter } from '../../src/audio/file/wav-writer.ts';
import { encodeWav, writeWav } from '../../src/audio/file/wav.ts';

vi.setConfig({ testTimeout: 240_000 });

const SR = 48000;
let dir: string;

const tone = (frames: number, hz: number): Float32Array => Float32Array.from({ length: frames }, (_, i) => 0.3 * Math.sin((2 * Math.PI * hz * i) / SR));
const hidden = (d: string): string[] => fs.readdirSync(d).filter((f) => f.startsWith('.'));

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faderd-render-stream-'));
  const bad = tone(2 * SR, 440);
  bad[72_000] = NaN;
  writeWav(path.join(dir, 'bad.wav'), [bad], SR, { bitDepth: '32f' });
  writeWav(path.join(dir, 'good.wav'), [tone(2 * SR, 220)], SR, { bitDepth: '24' });
  fs.writeFileSync(path.join(dir, 'song.yaml'), 'channels:\n  - { name: Good, file: good.wav }\n  - { name: Bad, file: bad.wav }\n');
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('a render that fails midway', () => {
  const session = (): string => path.join(dir, 'song.yaml');

  it('leaves the existing mix untouched and no temp file', async () => {
    const out = path.join(dir, 'mix.wav');
    fs.writeFileSync(out, 'the previous mix');
    const r = await cli(['render', session(), '-o', out, '--tail', '0']);
    expect(r.code).toBe(3);
    expect(r.err).toMatch(/song\.yaml:\d+:\d+: channel 2 \(Bad\): .*bad\.wav: NaN sample at frame 72000 \(1\.500 s\), channel 1 of 1/);
    expect(fs.readFileSync(out, 'utf8')).toBe('the previous mix');
    expect(hidden(dir)).toEqual([]);
  });

  it('leaves existing deliveries untouched, removes a directory it made, and no spool', async () => {
    const outDir = path.join(dir, 'deliveries');
    fs.mkdirSync(outDir);
    fs.writeFileSync(path.join(outDir, 'song.spotify.wav'), 'the previous delivery');
    const r = await cli(['render', session(), '--for', 'spotify,cd', '-o', outDir, '--tail', '0']);
    expect(r.code).toBe(3);
    expect(fs.readdirSync(outDir)).toEqual(['song.spotify.wav']);
    expect(fs.readFileSync(path.join(outDir, 'song.spotify.wav'), 'utf8')).toBe('the previous delivery');
    const made = path.join(dir, 'new', 'deeper');
    const s = await cli(['render', session(), '--for', 'spotify', '-o', `${made}/`, '--tail', '0']);
    expect(s.code).toBe(3);
    expect(fs.existsSync(path.join(dir, 'new'))).toBe(false);
    const one = path.join(dir, 'one.wav');
    const t = await cli(['render', session(), '--for', 'cd', '-o', one, '--tail', '0']);
    expect(t.code).toBe(3);
    expect(fs.existsSync(one)).toBe(false);
    expect(hidden(dir)).toEqual([]);
  });

  it('a delivery that fails after the mix (a silent mix has no loudness to level) leaves no spool or candidate', async () => {
    writeWav(path.join(dir, 'silent.wav'), [new Float32Array(SR)], SR, { bitDepth: '16' });
    fs.writeFileSync(path.join(dir, 'silent.yaml'), 'channels:\n  - { name: Quiet, file: silent.wav }\n');
    const outDir = path.join(dir, 'quiet');
    fs.mkdirSync(outDir);
    const r = await cli(['render', path.join(dir, 'silent.yaml'), '--for', 'cd,spotify', '-o', outDir, '--tail', '0']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/destination spotify: the mix is silent/);
    // cd (no loudness target) was written before spotify failed; nothing else is there.
    expect(fs.readdirSync(outDir)).toEqual(['silent.cd.wav']);
    expect(hidden(dir)).toEqual([]);
  });

  it('with --replace-non-finite renders through, warns, and cleans up the same', async () => {
    const outDir = path.join(dir, 'replaced');
    const r = await cli(['render', session(), '--for', 'spotify', '-o', `${outDir}/`, '--tail', '0', '--replace-non-finite', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).mix.warnings.join('\n')).toMatch(/1 NaN\/Inf sample\(s\) replaced with silence \(first at frame 72000, channel 1\)/);
    expect(fs.readdirSync(outDir)).toEqual(['song.spotify.wav']);
  });

  it('a mix longer than a WAV file can hold is refused before rendering, naming the file', async () => {
    // A sparse 16-bit stem of 4.2 hours (no disk used): 24-bit stereo of it is 4.3 GB of samples.
    const frames = 725_000_000;
    const header = encodeWav([new Float32Array(0)], SR, { bitDepth: '16' });
    const view = new DataView(header.buffer, header.byteOffset, header.length);
    view.setUint32(4, 36 + frames * 2, true);
    view.setUint32(40, frames * 2, true);
    const stem = path.join(dir, 'huge.wav');
    fs.writeFileSync(stem, header);
    fs.truncateSync(stem, 44 + frames * 2);
    fs.writeFileSync(path.join(dir, 'huge.yaml'), 'channels:\n  - { name: Long, file: huge.wav }\n');
    const out = path.join(dir, 'huge-mix.wav');
    // A child process: were the check missing, the render would run for hours; the spawn times out.
    const r = faderd(['render', path.join(dir, 'huge.yaml'), '-o', out, '--tail', '0']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/huge-mix\.wav: more than a WAV file can hold \(4 GiB of samples, at 725000000 frames of 2 channels at 24 bits\)/);
    expect(fs.existsSync(out)).toBe(false);
    expect(hidden(dir)).toEqual([]);
    fs.rmSync(stem);
  });
});

describe('a render stopped by a signal', () => {
  /** A 10-minute 16 kHz stem: seconds of rendering, time enough to be interrupted. */
  beforeAll(() => {
    const w = new WavStreamWriter(path.join(dir, 'long.wav'), 1, 16000, '16');
    const b = Float32Array.from({ length: 16000 }, (_, i) => 0.2 * Math.sin(i / 7));
    for (let s = 0; s < 600; s++) w.write([b], b.length);
    w.commit();
    fs.writeFileSync(path.join(dir, 'long.yaml'), 'channels:\n  - { name: Long, file: long.wav }\n');
  });

  /** Starts faderd, sends `signal` once `ready()` holds (polled), and resolves with its exit. */
  function interrupt(args: string[], ready: () => boolean, signal: NodeJS.Signals, started?: (pid: number) => void): Promise<{ code: number | null; err: string }> {
    const tsx = pathToFileURL(path.join(root, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
    const child = spawn(process.execPath, ['--import', tsx, path.join(root, 'src', 'cli', 'main.ts'), ...args], { cwd: dir });
    started?.(child.pid ?? 0);
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    const poll = setInterval(() => {
      if (ready()) {
        clearInterval(poll);
        child.kill(signal);
      }
    }, 20);
    return new Promise((resolve) => child.on('close', (code) => (clearInterval(poll), resolve({ code, err }))));
  }

  it('Ctrl-C mid-mix removes the temp file, keeps the previous mix and exits 130', async () => {
    const out = path.join(dir, 'stopped.wav');
    fs.writeFileSync(out, 'the previous mix');
    const r = await interrupt(['render', 'long.yaml', '-o', out, '--tail', '0'], () => hidden(dir).length > 0, 'SIGINT');
    expect(r.err).toBe('faderd: SIGINT: the render stopped; nothing was written\n');
    expect(r.code).toBe(130);
    expect(fs.readFileSync(out, 'utf8')).toBe('the previous mix');
    expect(hidden(dir)).toEqual([]);
  });

  it('TERM while rendering the mix for deliveries removes the directory it made, and exits 143', async () => {
    const outDir = path.join(dir, 'stopped-deliveries');
    const r = await interrupt(['render', 'long.yaml', '--for', 'spotify', '-o', `${outDir}/`, '--tail', '0'], () => fs.existsSync(outDir), 'SIGTERM');
    expect(r.err).toBe('faderd: SIGTERM: the render stopped; nothing was written\n');
    expect(r.code).toBe(143);
    expect(fs.existsSync(outDir)).toBe(false);
    expect(hidden(dir)).toEqual([]);
  });

  /** Whether the process holds an unlinked file whose name matched `re` (Linux /proc). */
  function holdsDeleted(pid: number, re: RegExp): boolean {
    try {
      return fs.readdirSync(`/proc/${pid}/fd`).some((fd) => {
        try {
          return re.test(fs.readlinkSync(`/proc/${pid}/fd/${fd}`));
        } catch {
          return false;
        }
      });
    } catch {
      return false;
    }
  }

  it.runIf(fs.existsSync('/proc/self/fd'))('a kill during the delivery passes leaves neither spool nor candidate', async () => {
    const outDir = path.join(dir, 'killed-deliveries');
    fs.mkdirSync(outDir);
    let pid = 0;
    const r = await interrupt(
      ['render', 'long.yaml', '--for', 'spotify', '-o', outDir, '--tail', '0'],
      () => pid > 0 && holdsDeleted(pid, /\.long\.spotify\.wav\.\d+\.tmp \(deleted\)$/),
      'SIGKILL',
      (p) => (pid = p),
    );
    expect(r.code).toBe(null);
    expect(fs.readdirSync(outDir)).toEqual([]);
    expect(hidden(dir)).toEqual([]);
  });
});
