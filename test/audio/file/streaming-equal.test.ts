/**
 * The streaming render and deliveries write the same bytes as the whole-file implementation they
 * replaced (kept frozen in ./reference/): the mix at every bit depth and block size, with a tail that
 * ends by itself and one cut at the cap, and deliveries that resample both ways, dither, search the
 * gain over several passes and cap it. Both sides run the same engine and DSP classes, so a change to
 * those (a limiter fix) keeps this test meaningful: only the streaming plumbing is compared.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../../cli/run-main.ts';
import { loadSession } from '../../../src/params/session.ts';
import { encodeWav, writeWav } from '../../../src/audio/file/wav.ts';
import { DELIVERY_MIX_OVERRIDES } from '../../../src/engine/mastering/export.ts';
import { parseDestinations } from '../../../src/engine/mastering/destinations.ts';
import { renderSession as renderWhole } from './reference/render-whole.ts';
import { exportForDestinations as exportWhole } from './reference/export-whole.ts';

let dir: string;

/** Deterministic noise in [-1, 1). */
function noise(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    return s / 2147483648 - 1;
  };
}

/** Bursts of tone and noise with silent gaps, so gates, compressors and the limiter all move. */
function stem(sr: number, seconds: number, freq: number, seed: number, amp: number): Float32Array {
  const x = new Float32Array(Math.round(sr * seconds));
  const rnd = noise(seed);
  for (let i = 0; i < x.length; i++) {
    const t = i / sr;
    const env = Math.max(0, Math.sin(Math.PI * 2.3 * t)) ** 2;
    x[i] = amp * env * (0.7 * Math.sin(2 * Math.PI * freq * t) + 0.3 * rnd());
  }
  return x;
}

function writeSession(name: string, sr: number, extraParams: string[] = []): string {
  const sub = path.join(dir, name);
  fs.mkdirSync(sub);
  writeWav(path.join(sub, 'kick.wav'), [stem(sr, 3, 55, 1, 0.9)], sr, { bitDepth: '16' });
  writeWav(path.join(sub, 'pad.wav'), [stem(sr, 2.5, 330, 2, 0.4), stem(sr, 2.5, 331, 3, 0.4)], sr, { bitDepth: '24' });
  writeWav(path.join(sub, 'vox.wav'), [stem(sr, 2, 880, 4, 0.5)], sr, { bitDepth: '32f' });
  const file = path.join(sub, `${name}.yaml`);
  fs.writeFileSync(
    file,
    [
      'channels:',
      '  - { name: Kick, file: kick.wav }',
      '  - { name: Pad, file: pad.wav, stereo: true }',
      '  - { name: Vox, file: vox.wav }',
      'fx:',
      '  - { type: reverb }',
      '  - { type: delay }',
      'params:',
      '  /ch/3/fxsend/1/level: -6',
      '  /ch/3/fxsend/2/level: -10',
      '  /ch/2/pan: -0.3',
      ...extraParams.map((p) => `  ${p}`),
      '',
    ].join('\n'),
  );
  return file;
}

function sameBytes(actualFile: string, expected: Uint8Array): void {
  const actual = fs.readFileSync(actualFile);
  expect(actual.length).toBe(expected.length);
  // One comparison, and the first differing byte when there is one (not a 500 KB diff).
  const first = actual.findIndex((b, i) => b !== expected[i]);
  expect(first, `first differing byte of ${path.basename(actualFile)}`).toBe(-1);
}

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faderd-stream-eq-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('faderd render streams the mix to the same file as the whole-file render', () => {
  const cases: Array<{ bits: '16' | '24' | '32' | '32f'; block?: number; tail?: number; params?: string[] }> = [
    { bits: '24' },
    { bits: '16', block: 1000 },
    { bits: '32', block: 4096, tail: 300, params: ['/fx/1/decay: 5000'] },
    { bits: '32f', block: 61, tail: 200, params: ['/fx/1/decay: 4000'] },
  ];
  cases.forEach((c, n) => {
    it(`${c.bits}-bit, block ${c.block ?? 'default'}, tail ${c.tail ?? 'until -90 dBFS'}`, async () => {
      const session = writeSession(`mix${n}`, 48000, c.params);
      const out = path.join(dir, `mix${n}.wav`);
      const args = ['render', session, '-o', out, '--bits', c.bits, '--json'];
      if (c.block) args.push('--block', String(c.block));
      if (c.tail !== undefined) args.push('--tail', String(c.tail));
      const r = await cli(args);
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
      const ref = renderWhole(loadSession(session), { ...(c.block ? { blockSize: c.block } : {}), ...(c.tail !== undefined ? { tailMs: c.tail } : {}) });
      const s = JSON.parse(r.out);
      expect(s.frames).toBe(ref.frames);
      expect(s.warnings).toEqual(ref.warnings);
      expect(s.peakDbfs).toBe(Math.round(ref.peakDb * 100) / 100);
      if (c.tail !== undefined) expect(ref.warnings.join()).toMatch(/tail cap/);
      sameBytes(out, encodeWav(ref.channels, ref.sampleRate, { bitDepth: c.bits }));
      // Nothing left beside it: no temp file, no spool.
      expect(fs.readdirSync(dir).filter((f) => f.startsWith('.'))).toEqual([]);
    });
  });
});

describe('faderd render --for streams every delivery to the same file as the whole-file export', () => {
  const cases = [
    { name: 'at48', sr: 48000, dests: 'spotify,cd,custom:-18:-1.5:44100:32f,custom:-8:-1' },
    { name: 'at44', sr: 44100, dests: 'ebu-r128,podcast' },
  ];
  for (const c of cases) {
    it(`${c.sr} Hz stems for ${c.dests}`, async () => {
      const session = writeSession(c.name, c.sr);
      const out = path.join(dir, `${c.name}-out`);
      const r = await cli(['render', session, '--for', c.dests, '-o', `${out}/`, '--json']);
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
      const got = JSON.parse(r.out);
      const ref = renderWhole(loadSession(session), { overrides: DELIVERY_MIX_OVERRIDES });
      const refDir = path.join(dir, `${c.name}-ref`);
      const reports = exportWhole({ sampleRate: ref.sampleRate, channels: ref.channels }, parseDestinations(c.dests), refDir, c.name);
      expect(got.destinations).toHaveLength(reports.length);
      reports.forEach((rep, i) => {
        const mine = got.destinations[i];
        expect(path.basename(mine.file)).toBe(path.basename(rep.file));
        expect(mine.gainDb).toBe(Math.round(rep.gainDb * 100) / 100);
        expect(mine.integratedLufs).toBe(Math.round(rep.integratedLufs * 100) / 100);
        expect(mine.truePeakDbtp).toBe(Math.round(rep.truePeakDbtp * 100) / 100);
        sameBytes(mine.file, fs.readFileSync(rep.file));
      });
      // The spool and every rejected candidate are gone.
      expect(fs.readdirSync(out).sort()).toEqual(reports.map((rep) => path.basename(rep.file)).sort());
    });
  }
});
