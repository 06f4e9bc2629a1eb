import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSession } from '../../../src/params/session.ts';
import { renderSession, type RenderResult } from '../../../src/audio/file/render.ts';
import { writeWav } from '../../../src/audio/file/wav.ts';
import { DELIVERY_MIX_OVERRIDES } from '../../../src/engine/mastering/export.ts';
import { ConfigError } from '../../../src/util/source-error.ts';

const SR = 48000;
const SECONDS = 1;

/** Amplitude of the component at freqHz over x[from, to) (a single-bin DFT). */
function amplitudeAt(x: Float32Array, freqHz: number, from = 0, to = x.length): number {
  let re = 0;
  let im = 0;
  const w = (2 * Math.PI * freqHz) / SR;
  for (let i = from; i < to; i++) {
    re += x[i]! * Math.cos(w * i);
    im += x[i]! * Math.sin(w * i);
  }
  return (2 * Math.hypot(re, im)) / (to - from);
}
const db = (x: number): number => 20 * Math.log10(x);

function tone(freqHz: number, amp: number, frames = SR * SECONDS): Float32Array {
  const out = new Float32Array(frames);
  for (let i = 0; i < frames; i++) out[i] = amp * Math.sin((2 * Math.PI * freqHz * i) / SR);
  return out;
}

// Eight stems, each at its own frequency so its share of the mix can be read back, in every
// format the renderer accepts.
const STEMS = [
  { name: 'Kick', file: 'kick.wav', freq: 50, bits: '16', stereo: false },
  { name: 'Snare', file: 'snare.wav', freq: 1000, bits: '24', stereo: false },
  { name: 'Bass', file: 'bass.wav', freq: 250, bits: '32', stereo: false },
  { name: 'Gtr', file: 'gtr.wav', freq: 1500, bits: '32f', stereo: false },
  { name: 'Keys', file: 'keys.wav', freq: 2000, bits: '24', stereo: false },
  { name: 'Pad', file: 'pad.wav', freq: 3000, bits: '32f', stereo: true },
  { name: 'Vox', file: 'vox.wav', freq: 4000, bits: '16', stereo: false },
  { name: 'Vox 2', file: 'vox2.wav', freq: 5000, bits: '24', stereo: true, monoFile: true },
] as const;
const AMP = 0.05;
// The window well inside the stems (filters and smoothers have settled).
const FROM = SR / 4;
const TO = (SR * 3) / 4;

let dir: string;

function writeSession(name: string, params: Record<string, unknown>, extra = ''): string {
  const lines = [
    'version: 1',
    'channels:',
    ...STEMS.map((s) => `  - { name: ${s.name}, file: ${s.file}${s.stereo ? ', stereo: true' : ''} }`),
    'buses: 0',
    'fx:',
    '  - { name: Verb, type: reverb }',
    'audio: { sampleRate: 44100 }',
    extra,
    Object.keys(params).length ? 'params:' : 'params: {}',
    ...Object.entries(params).map(([a, v]) => `  ${a}: ${JSON.stringify(v)}`),
  ];
  const file = path.join(dir, `${name}.yaml`);
  fs.writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

function render(params: Record<string, unknown>, name = 'mix'): RenderResult {
  return renderSession(loadSession(writeSession(name, params)), { tailMs: 0 });
}

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faderd-render-'));
  for (const s of STEMS) {
    const t = tone(s.freq, AMP);
    const chans = s.stereo && !('monoFile' in s) ? [t, tone(s.freq, AMP)] : [t];
    writeWav(path.join(dir, s.file), chans, SR, { bitDepth: s.bits });
  }
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('offline render of an 8-stem session', () => {
  let base: RenderResult;
  beforeAll(() => {
    base = render({});
  });

  it('runs at the stems rate, says so, and mixes every stem at its level', () => {
    expect(base.sampleRate).toBe(SR);
    expect(base.sessionSampleRate).toBe(44100);
    expect(base.warnings.join()).toMatch(/48000 Hz/);
    expect(base.frames).toBe(SR * SECONDS);
    for (const s of STEMS) {
      // Mono strips pan centred (-3.01 dB); stereo strips pass each side as it is.
      const expected = s.stereo ? AMP : AMP * Math.SQRT1_2;
      expect(db(amplitudeAt(base.channels[0], s.freq, FROM, TO) / expected)).toBeCloseTo(0, 0);
    }
  });

  it('fader -6 → -6 dB on that stem only', () => {
    const r = render({ '/ch/2/fader': -6 });
    expect(db(amplitudeAt(r.channels[0], 1000, FROM, TO) / amplitudeAt(base.channels[0], 1000, FROM, TO))).toBeCloseTo(-6, 1);
    expect(db(amplitudeAt(r.channels[0], 1500, FROM, TO) / amplitudeAt(base.channels[0], 1500, FROM, TO))).toBeCloseTo(0, 1);
  });

  it('an EQ boost puts more energy in its band', () => {
    const r = render({ '/ch/4/eq/2/freq': 1500, '/ch/4/eq/2/gain': 9, '/ch/4/eq/2/q': 2 });
    expect(db(amplitudeAt(r.channels[1], 1500, FROM, TO) / amplitudeAt(base.channels[1], 1500, FROM, TO))).toBeCloseTo(9, 0);
    expect(db(amplitudeAt(r.channels[1], 2000, FROM, TO) / amplitudeAt(base.channels[1], 2000, FROM, TO))).toBeCloseTo(0, 1);
  });

  it('the HPF takes the low end away', () => {
    const r = render({ '/ch/1/hpf/on': true, '/ch/1/hpf/freq': 200, '/ch/1/hpf/slope': '24db' });
    expect(db(amplitudeAt(r.channels[0], 50, FROM, TO) / amplitudeAt(base.channels[0], 50, FROM, TO))).toBeLessThan(-40);
  });

  it('mute silences a stem', () => {
    const r = render({ '/ch/3/mute': true });
    expect(amplitudeAt(r.channels[0], 250, FROM, TO)).toBeLessThan(1e-6);
    expect(db(amplitudeAt(r.channels[0], 4000, FROM, TO) / amplitudeAt(base.channels[0], 4000, FROM, TO))).toBeCloseTo(0, 1);
  });

  it('pan moves a stem between the channels', () => {
    // Mono bass off: its crossover leaks a little of a hard-panned 2 kHz tone to the other side.
    const r = render({ '/ch/5/pan': -1, '/ch/7/pan': 0.5, '/master/monobass': false });
    expect(db(amplitudeAt(r.channels[0], 2000, FROM, TO) / AMP)).toBeCloseTo(0, 1);
    expect(amplitudeAt(r.channels[1], 2000, FROM, TO)).toBeLessThan(1e-5);
    const x = (0.5 + 1) / 2;
    expect(amplitudeAt(r.channels[0], 4000, FROM, TO) / AMP).toBeCloseTo(Math.cos((x * Math.PI) / 2), 2);
    expect(amplitudeAt(r.channels[1], 4000, FROM, TO) / AMP).toBeCloseTo(Math.sin((x * Math.PI) / 2), 2);
  });

  it('a mono stem on a stereo channel feeds both sides', () => {
    expect(db(amplitudeAt(base.channels[0], 5000, FROM, TO) / AMP)).toBeCloseTo(0, 1);
    expect(db(amplitudeAt(base.channels[1], 5000, FROM, TO) / AMP)).toBeCloseTo(0, 1);
  });
});

describe('offline render: timing', () => {
  it('keeps the mix aligned with the stems (limiter latency compensated) and renders the reverb tail', () => {
    const click = new Float32Array(SR / 2);
    click[1000] = 0.5;
    writeWav(path.join(dir, 'click.wav'), [click], SR);
    const file = path.join(dir, 'click.yaml');
    fs.writeFileSync(file, 'channels:\n  - { name: Click, file: click.wav }\nfx:\n  - { type: reverb }\nparams:\n  /ch/1/fxsend/1/level: -10\n');
    const r = renderSession(loadSession(file), { tailMs: 1000 });
    expect(r.latencyFrames).toBeGreaterThanOrEqual(0);
    let at = 0;
    for (let i = 1; i < 2000; i++) if (Math.abs(r.channels[0][i]!) > Math.abs(r.channels[0][at]!)) at = i;
    expect(at).toBe(1000);
    expect(r.frames).toBeGreaterThan(SR / 2);
    let tail = 0;
    for (let i = SR / 2; i < r.frames; i++) tail = Math.max(tail, Math.abs(r.channels[0][i]!));
    expect(tail).toBeGreaterThan(0);
  });

  it('a 5 s reverb tail renders until it is below -90 dBFS, uncut; at a cap it is faded and warned about', () => {
    const burst = new Float32Array(SR / 2);
    for (let i = 1000; i < 1480; i++) burst[i] = 0.5 * Math.sin(i * 0.3);
    writeWav(path.join(dir, 'burst.wav'), [burst], SR);
    const file = path.join(dir, 'longverb.yaml');
    fs.writeFileSync(file, 'channels:\n  - { name: Burst, file: burst.wav }\nfx:\n  - { type: reverb }\nparams:\n  /ch/1/fxsend/1/level: 0\n  /fx/1/decay: 5000\n');
    const full = renderSession(loadSession(file));
    // The tail was not cut: it lasted well past the old 2 s default, and the mix ends below -90 dBFS.
    expect(full.tailFrames / SR).toBeGreaterThan(4);
    let peak = 0, end = 0;
    for (const c of full.channels) for (let i = 0; i < full.frames; i++) peak = Math.max(peak, Math.abs(c[i]!));
    for (const c of full.channels) for (let i = full.frames - SR / 10; i < full.frames; i++) end = Math.max(end, Math.abs(c[i]!));
    expect(20 * Math.log10(end)).toBeLessThan(-90);
    expect(20 * Math.log10(peak)).toBeGreaterThan(-30);
    expect(full.warnings.join('\n')).not.toMatch(/tail cap/);
    // Capped at 1 s: a 50 ms fade to zero, and a warning.
    const capped = renderSession(loadSession(file), { tailMs: 1000 });
    expect(capped.warnings.join('\n')).toMatch(/fx tail was still at -\d+\.\d dBFS when the 1000 ms tail cap was reached: faded out over 50 ms/);
    const l = capped.channels[0];
    expect(Math.abs(l[capped.frames - 1]!)).toBeLessThan(1e-6);
    let before = 0, step = 0;
    for (let i = capped.frames - SR / 20 - 480; i < capped.frames - SR / 20; i++) before = Math.max(before, Math.abs(l[i]!));
    for (let i = capped.frames - SR / 20; i < capped.frames; i++) step = Math.max(step, Math.abs(l[i]! - l[i - 1]!));
    expect(before).toBeGreaterThan(1e-4); // still sounding when the fade began
    expect(step).toBeLessThan(before); // no cliff
  });

  it('a mix for destinations leaves out the session master limiter, rider and dither (DELIVERY_MIX_OVERRIDES)', () => {
    const x = new Float32Array(SR);
    for (let i = 0; i < SR / 2; i++) x[i] = 0.3 * Math.sin((2 * Math.PI * 440 * i) / SR);
    writeWav(path.join(dir, 'half.wav'), [x], SR, { bitDepth: '32f' });
    const file = path.join(dir, 'dithered.yaml');
    fs.writeFileSync(file, 'channels:\n  - { name: Half, file: half.wav }\nparams:\n  /master/dither/on: true\n  /master/dither/bits: "16"\n  /master/loudness/auto: true\n  /master/loudness/target: -10\n');
    const floorDb = (r: RenderResult): number => {
      let p = 0;
      for (const c of r.channels) for (let i = (3 * SR) / 4; i < SR; i++) p = Math.max(p, Math.abs(c[i]!));
      return 20 * Math.log10(p);
    };
    // The session as it stands: a 16-bit dither floor in the silent half.
    expect(floorDb(renderSession(loadSession(file), { tailMs: 0 }))).toBeGreaterThan(-100);
    const forDest = renderSession(loadSession(file), { tailMs: 0, overrides: DELIVERY_MIX_OVERRIDES });
    expect(floorDb(forDest)).toBe(-Infinity);
    // No rider gain: the tone comes through at its own level (centre pan: -3.01 dB per side).
    let pk = 0;
    for (let i = SR / 8; i < SR / 4; i++) pk = Math.max(pk, Math.abs(forDest.channels[0][i]!));
    expect(20 * Math.log10(pk / 0.3)).toBeCloseTo(-3.01, 1);
  });

  it('renders to the longest stem when stems differ in length', () => {
    writeWav(path.join(dir, 'short.wav'), [tone(440, 0.1, SR / 4)], SR);
    writeWav(path.join(dir, 'long.wav'), [tone(660, 0.1, SR / 2)], SR);
    const file = path.join(dir, 'lengths.yaml');
    fs.writeFileSync(file, 'channels:\n  - { file: short.wav }\n  - { file: long.wav }\n');
    const r = renderSession(loadSession(file), { tailMs: 0 });
    expect(r.frames).toBe(SR / 2);
    expect(amplitudeAt(r.channels[0], 440, SR / 4 + 2400, SR / 2)).toBeLessThan(1e-4);
    expect(amplitudeAt(r.channels[0], 660, SR / 4 + 2400, SR / 2)).toBeGreaterThan(0.05);
  });
});

describe('offline render: bad input', () => {
  it('names the session file, line and channel of a missing stem', () => {
    const file = path.join(dir, 'missing.yaml');
    fs.writeFileSync(file, 'channels:\n  - { name: A, file: kick.wav }\n  - { name: B, file: nope.wav }\n');
    const err = (() => {
      try {
        renderSession(loadSession(file));
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(ConfigError);
    const issue = (err as ConfigError).issues[0]!;
    expect(issue.file).toBe(file);
    expect(issue.line).toBe(3);
    expect(issue.message).toMatch(/channel 2 \(B\).*not found.*nope\.wav/);
  });

  it('refuses a stem with more than two channels', () => {
    writeWav(path.join(dir, 'quad.wav'), [0, 1, 2, 3].map(() => tone(440, 0.1, 480)), SR);
    const file = path.join(dir, 'quad.yaml');
    fs.writeFileSync(file, 'channels:\n  - { name: Surround, file: quad.wav }\n');
    expect(() => renderSession(loadSession(file))).toThrow(/channel 1 \(Surround\): .*quad\.wav has 4 channels; stems must be mono or stereo/);
  });

  it('refuses a stem with NaN or Inf samples, naming the file, frame and channel; replaces them with silence on request', () => {
    for (const [bad, what] of [[NaN, 'NaN'], [Infinity, '\\+Inf'], [-Infinity, '-Inf']] as const) {
      const l = tone(440, 0.1, 40000), r = tone(440, 0.1, 40000);
      // Past the first read chunk, in the second file channel.
      r[20001] = bad;
      writeWav(path.join(dir, 'nan.wav'), [l, r], SR, { bitDepth: '32f' });
      const file = path.join(dir, 'nan.yaml');
      fs.writeFileSync(file, 'channels:\n  - { file: kick.wav }\n  - { name: Broken, file: nan.wav, stereo: true }\n');
      try {
        renderSession(loadSession(file), { tailMs: 0 });
        expect.unreachable();
      } catch (e) {
        expect(e).toBeInstanceOf(ConfigError);
        const issue = (e as ConfigError).issues[0]!;
        expect(issue.line).toBe(3);
        expect(issue.message).toMatch(new RegExp(`channel 2 \\(Broken\\): .*nan\\.wav: ${what} sample at frame 20001 \\(0\\.417 s\\), channel 2 of 2`));
      }
      const res = renderSession(loadSession(file), { tailMs: 0, nonFinite: 'silence' });
      for (const c of res.channels) for (let i = 0; i < res.frames; i++) expect(Number.isFinite(c[i]!)).toBe(true);
      expect(Math.max(...res.channels[1].map(Math.abs))).toBeLessThan(0.5);
      expect(res.warnings.join('\n')).toMatch(/channel 2: .*nan\.wav: 1 NaN\/Inf sample\(s\) replaced with silence \(first at frame 20001, channel 2\)/);
    }
  });

  it('refuses stems at different sample rates, naming the file and both rates', () => {
    writeWav(path.join(dir, 'at44.wav'), [tone(440, 0.1, 4410)], 44100);
    const file = path.join(dir, 'rates.yaml');
    fs.writeFileSync(file, 'channels:\n  - { file: kick.wav }\n  - { file: at44.wav }\n');
    expect(() => renderSession(loadSession(file))).toThrow(/at44\.wav is at 44100 Hz but .*kick\.wav is at 48000 Hz/);
  });

  it('refuses an unreadable WAV and a bad session param with their locations', () => {
    fs.writeFileSync(path.join(dir, 'junk.wav'), 'not a wav at all');
    const junk = path.join(dir, 'junk.yaml');
    fs.writeFileSync(junk, 'channels:\n  - { file: junk.wav }\n');
    expect(() => renderSession(loadSession(junk))).toThrow(/junk\.wav: not a readable WAV/);
    const bad = path.join(dir, 'badparam.yaml');
    fs.writeFileSync(bad, 'channels:\n  - { file: kick.wav }\nparams:\n  /ch/1/fadr: -6\n');
    try {
      renderSession(loadSession(bad));
      expect.unreachable();
    } catch (e) {
      expect((e as ConfigError).issues[0]).toMatchObject({ file: bad, line: 4, message: expect.stringMatching(/unknown param address \/ch\/1\/fadr/) });
    }
  });
});
