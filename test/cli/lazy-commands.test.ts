/**
 * Each command loads only what it runs (#20): the offline commands (`--version`, loudness, render,
 * check, params, scene) never load the daemon, its servers, the surface transports, the web mixer
 * or any native addon, which `faderd run` needs and which would otherwise be in every process's
 * memory. Checked on child processes started as a user starts them (bin/faderd.js, from src/ so the
 * check does not depend on a build), with a preload that records every module they load
 * (record-loads.mjs: a resolve hook for ES modules, the CommonJS cache for the rest).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeWav } from '../../src/audio/file/wav.ts';
import { root } from './spawn.ts';

const preload = path.join(root, 'test', 'cli', 'record-loads.mjs');
let dir: string;

/** `faderd ARGS...` through bin/faderd.js; the modules it loaded, as paths below the project. */
function loadsOf(args: string[], opts: { node?: string[]; cwd?: string } = {}): Promise<{ code: number | null; err: string; loads: string[] }> {
  const file = path.join(dir, `loads-${Math.random().toString(36).slice(2)}.txt`);
  const argv = opts.node ?? [path.join(root, 'bin', 'faderd.js'), ...args];
  const child = spawn(process.execPath, ['--import', preload, ...argv], {
    cwd: opts.cwd ?? dir,
    env: { ...process.env, FADERD_FROM_SOURCE: '1', FADERD_RECORD_LOADS: file, FADERD_STATE_DIR: path.join(dir, 'state') },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
      const loads = [...new Set(text.split('\n').filter(Boolean).map((u) => (u.startsWith('file://') ? new URL(u).pathname : u)))];
      resolve({ code, err, loads: loads.map((p) => (p.startsWith(root + '/') ? p.slice(root.length + 1) : p)).sort() });
    });
  });
}

/**
 * What only `faderd run` (and `devices`) may load: the live daemon's parts and every native addon but
 * the DSP kernels' (the engine's own fast loops, which `loudness` and `render` run too).
 */
const HEAVY = [
  /^src\/daemon\/(daemon|surfaces|hotplug|reload)\.ts$/,
  /^src\/servers\//,
  /^src\/web\//,
  /^src\/audio\/(index\.ts|portaudio\/|jack)/,
  /^src\/surfaces\/(index\.ts|midi\/(easymidi-backend|ports|transport)\.ts|serial\/(ports|transport)\.ts)/,
  /^src\/mapping\/(host\.ts|binding\/runtime\.ts)/,
  /^node_modules\/(naudiodon|easymidi|@julusian|serialport|@serialport|ws|segfault-handler|htm|pino-pretty)\//,
  /^(?!native\/dsp-kernels\/).*\.node$/,
];
const heavyIn = (loads: string[]): string[] => loads.filter((p) => HEAVY.some((re) => re.test(p)));

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faderd-lazy-'));
  const tone = new Float32Array(4800).map((_, i) => 0.3 * Math.sin((2 * Math.PI * 440 * i) / 48000));
  writeWav(path.join(dir, 'tone.wav'), [tone, tone], 48000, { bitDepth: '24' });
  fs.writeFileSync(path.join(dir, 'song.yaml'), 'channels:\n  - { name: Tone, file: tone.wav }\n');
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('commands load their modules when they run', () => {
  it('the recorder sees packages, their CommonJS files and native addons', async () => {
    // The positive control: a process that does load a native addon, as `faderd run` does.
    const r = await loadsOf([], { node: ['--input-type=module', '-e', "await import('serialport')"], cwd: root });
    expect(r.err).toBe('');
    expect(r.loads.some((p) => /^node_modules\/serialport\//.test(p))).toBe(true);
    expect(r.loads.some((p) => /\.node$/.test(p))).toBe(true);
  });

  it('offline commands load nothing of the daemon, its servers, surfaces or native addons (the DSP kernels aside)', async () => {
    const runs = await Promise.all(
      [['--version'], ['loudness', 'tone.wav', '--json'], ['render', 'song.yaml', '-o', 'mix.wav', '--tail', '0', '--json'], ['check', 'song.yaml'], ['params', '-f', '/ch/1/fader'], ['scene', 'list']].map(
        async (args) => ({ args, ...(await loadsOf(args)) }),
      ),
    );
    for (const r of runs) {
      expect({ args: r.args, code: r.code, err: r.code === 0 ? '' : r.err }).toEqual({ args: r.args, code: 0, err: '' });
      // Each ran its own module (the recorder saw it), and nothing heavy.
      const own = r.args[0] === '--version' ? 'src/cli/main.ts' : `src/cli/commands/${r.args[0]}.ts`;
      expect(r.loads, r.args.join(' ')).toContain(own);
      expect(heavyIn(r.loads), r.args.join(' ')).toEqual([]);
    }
    // --version loads no command at all, loudness nothing of sessions, params or YAML.
    const [version, loudness, render] = runs;
    expect(version!.loads.filter((p) => p.startsWith('src/cli/commands/') && !p.endsWith('specs.ts'))).toEqual([]);
    expect(loudness!.loads.filter((p) => /^src\/(params\/(?!errors)|mapping\/|daemon\/)|^node_modules\/(yaml|zod|rxjs|pino)\//.test(p))).toEqual([]);
    // The metering commands run the native true-peak kernel; a command that measures nothing loads no addon.
    expect(loudness!.loads).toContain('native/dsp-kernels/build/Release/dsp-kernels.node');
    for (const r of runs.filter((x) => ['--version', 'check', 'params', 'scene'].includes(x.args[0]!))) expect(r.loads.filter((p) => p.endsWith('.node')), r.args.join(' ')).toEqual([]);
    // A render without --state or --scene loads neither their parsers nor the logger they bring.
    expect(render!.loads.filter((p) => /^src\/(cli\/render-layers|params\/(persistence|scenes))\.ts$|^node_modules\/pino\//.test(p))).toEqual([]);
  });
});
