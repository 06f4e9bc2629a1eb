/**
 * The multitrack both renderers get: generated stems (kick, snare, hats, bass, keys, pads, leads,
 * noise beds: gates open and close, compressors work), a faderd session that mixes them, and the
 * ffmpeg filter graph doing the equivalent work per stem (highpass, 4 EQ bands, gate, compressor,
 * volume, pan), then amix, a limiter and loudness normalisation.
 */
import fs from 'node:fs';
import path from 'node:path';

export const SR = 48000;

/** One stem's strip settings, applied identically by faderd and ffmpeg. */
export interface StripSettings {
  readonly hpfHz: number;
  /** Shapes as faderd's defaults: low shelf, peak, peak, high shelf. */
  readonly eq: ReadonlyArray<{ readonly freqHz: number; readonly gainDb: number; readonly q: number }>;
  readonly gate: { readonly thresholdDb: number; readonly rangeDb: number; readonly attackMs: number; readonly holdMs: number; readonly releaseMs: number };
  readonly comp: { readonly thresholdDb: number; readonly ratio: number; readonly attackMs: number; readonly releaseMs: number };
  readonly faderDb: number;
  readonly pan: number;
}

export interface Multitrack {
  readonly dir: string;
  readonly stems: readonly string[];
  readonly seconds: number;
  readonly session: string;
  readonly strips: readonly StripSettings[];
  /** Master: true-peak ceiling and loudness target of both renders. */
  readonly ceilingDb: number;
  readonly targetLufs: number;
}

/** xorshift32: fast, deterministic noise so every run mixes the same stems. */
function noise(seed: number): () => number {
  let x = seed | 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2147483648 - 1;
  };
}

/**
 * Fills a stem: instrument k of 8 kinds, with its own tempo offset so stems do not align exactly.
 * `continuous`: no silence anywhere (the gates never close, every stage works on every sample):
 * tones and noise beds throughout, the material that does not flatter an engine skipping quiet work.
 */
function synth(out: Float32Array, k: number, continuous = false): void {
  if (continuous) return synthContinuous(out, k);
  const rnd = noise(0x9e3779b9 ^ (k * 7919));
  const kind = k % 8;
  const beat = Math.round((SR * 60) / (120 + (k % 3)));
  const notes = [55, 65.41, 73.42, 82.41, 98, 110, 130.81, 146.83];
  let lp = 0;
  for (let i = 0; i < out.length; i++) {
    const inBeat = i % beat;
    const t = inBeat / SR;
    const bar = Math.floor(i / (beat * 4));
    const f = notes[(bar + k) % notes.length]! * (1 + (kind >= 4 ? kind - 3 : 0));
    let v: number;
    switch (kind) {
      case 0: // kick
        v = Math.sin(2 * Math.PI * (50 + 100 * Math.exp(-t * 30)) * t) * Math.exp(-t * 8);
        break;
      case 1: // snare on 2 and 4: noise burst
        v = Math.floor(i / beat) % 2 === 1 ? rnd() * Math.exp(-t * 20) : 0;
        break;
      case 2: // hats: high noise, eighths
        lp = 0.3 * lp + 0.7 * rnd();
        v = (rnd() - lp) * Math.exp(-((i % (beat >> 1)) / SR) * 60) * 0.5;
        break;
      case 3: // bass
        v = Math.sin((2 * Math.PI * f * i) / SR) * (0.6 + 0.4 * Math.exp(-t * 4));
        break;
      default: {
        // keys, pads, leads, bed: a few partials with a slow swell, silent every 4th bar (the gate closes)
        const swell = bar % 4 === 3 ? 0 : 0.5 + 0.5 * Math.sin((2 * Math.PI * i) / (SR * 7.3 + k * 1000));
        const ph = (2 * Math.PI * f * i) / SR;
        v = (Math.sin(ph) + 0.5 * Math.sin(2 * ph) + 0.25 * Math.sin(3 * ph) + 0.05 * rnd()) * 0.5 * swell;
      }
    }
    out[i] = 0.5 * v;
  }
}

/** Stem k of the continuous multitrack: a few partials over a noise bed, slowly modulated, never silent. */
function synthContinuous(out: Float32Array, k: number): void {
  const rnd = noise(0x2545f491 ^ (k * 104729));
  const f = [55, 82.41, 110, 146.83, 196, 261.63, 329.63, 440][k % 8]! * (1 + (k >> 3) * 0.5);
  let lp = 0;
  for (let i = 0; i < out.length; i++) {
    const ph = (2 * Math.PI * f * i) / SR;
    const am = 0.7 + 0.3 * Math.sin((2 * Math.PI * i) / (SR * (3.1 + k * 0.37)));
    lp = 0.9 * lp + 0.1 * rnd();
    out[i] = 0.25 * am * (Math.sin(ph) + 0.4 * Math.sin(2.01 * ph) + 0.2 * Math.sin(3.02 * ph)) + 0.15 * (k % 2 ? rnd() : lp * 3);
  }
}

/** A 16-bit mono WAV, written directly: the stems are large and this is the fast path. */
function writePcm16(file: string, x: Float32Array): void {
  const buf = Buffer.alloc(44 + x.length * 2);
  buf.write('RIFF', 0, 'ascii');
  buf.writeUInt32LE(36 + x.length * 2, 4);
  buf.write('WAVEfmt ', 8, 'ascii');
  buf.writeUInt32LE(16, 16);
  buf.writeUInt16LE(1, 20);
  buf.writeUInt16LE(1, 22);
  buf.writeUInt32LE(SR, 24);
  buf.writeUInt32LE(SR * 2, 28);
  buf.writeUInt16LE(2, 32);
  buf.writeUInt16LE(16, 34);
  buf.write('data', 36, 'ascii');
  buf.writeUInt32LE(x.length * 2, 40);
  const pcm = new Int16Array(buf.buffer, buf.byteOffset + 44, x.length);
  for (let i = 0; i < x.length; i++) pcm[i] = Math.max(-32768, Math.min(32767, Math.round(x[i]! * 32767)));
  fs.writeFileSync(file, buf);
}

function strip(k: number): StripSettings {
  return {
    hpfHz: k % 8 === 0 || k % 8 === 3 ? 30 : 80,
    eq: [
      { freqHz: 100, gainDb: 2, q: 0.707 },
      { freqHz: 400, gainDb: -3, q: 1 },
      { freqHz: 2500, gainDb: 2.5, q: 1 },
      { freqHz: 8000, gainDb: 1.5, q: 0.707 },
    ],
    gate: { thresholdDb: -50, rangeDb: 40, attackMs: 0.5, holdMs: 50, releaseMs: 200 },
    comp: { thresholdDb: -24, ratio: 3, attackMs: 10, releaseMs: 100 },
    faderDb: -8,
    pan: ((k % 9) - 4) / 5,
  };
}

function sessionYaml(stems: readonly string[], strips: readonly StripSettings[], ceilingDb: number, targetLufs: number, rider: boolean): string {
  const lines = ['version: 1', 'name: Bench multitrack', 'channels:'];
  stems.forEach((s, i) => lines.push(`  - { name: Stem ${i + 1}, file: ${path.basename(s)} }`));
  lines.push('buses: 0', 'audio: { sampleRate: 48000, blockSize: 128 }', 'params:');
  const p = (a: string, v: number | boolean | string): number => lines.push(`  ${a}: ${typeof v === 'string' ? JSON.stringify(v) : v}`);
  strips.forEach((st, i) => {
    const c = `/ch/${i + 1}`;
    p(`${c}/hpf/on`, true);
    p(`${c}/hpf/freq`, st.hpfHz);
    st.eq.forEach((b, j) => {
      p(`${c}/eq/${j + 1}/freq`, b.freqHz);
      p(`${c}/eq/${j + 1}/gain`, b.gainDb);
      p(`${c}/eq/${j + 1}/q`, b.q);
    });
    p(`${c}/gate/on`, true);
    p(`${c}/gate/threshold`, st.gate.thresholdDb);
    p(`${c}/gate/range`, st.gate.rangeDb);
    p(`${c}/gate/attack`, st.gate.attackMs);
    p(`${c}/gate/hold`, st.gate.holdMs);
    p(`${c}/gate/release`, st.gate.releaseMs);
    p(`${c}/comp/on`, true);
    p(`${c}/comp/threshold`, st.comp.thresholdDb);
    p(`${c}/comp/ratio`, st.comp.ratio);
    p(`${c}/comp/attack`, st.comp.attackMs);
    p(`${c}/comp/release`, st.comp.releaseMs);
    p(`${c}/fader`, st.faderDb);
    p(`${c}/pan`, st.pan);
  });
  p('/master/limiter/on', true);
  p('/master/limiter/ceiling', ceilingDb);
  p('/master/loudness/target', targetLufs);
  p('/master/loudness/auto', rider);
  return lines.join('\n') + '\n';
}

export interface MultitrackOptions {
  /** Stems without silence (see synth). */
  readonly continuous?: boolean;
  /**
   * The live loudness rider on the master (the render then also rides loudness). Off: the session
   * does exactly what the fair ffmpeg graph does, strips, sum and limiter.
   */
  readonly rider?: boolean;
}

/** Generates (or reuses, when already there) the stems and the session under `root`. */
export function multitrack(root: string, count: number, seconds: number, opts: MultitrackOptions = {}): Multitrack {
  const dir = path.join(root, `multitrack-${count}x${seconds}s${opts.continuous ? '-continuous' : ''}`);
  fs.mkdirSync(dir, { recursive: true });
  const stems = Array.from({ length: count }, (_, k) => path.join(dir, `stem${String(k + 1).padStart(2, '0')}.wav`));
  const frames = Math.round(seconds * SR);
  const buf = new Float32Array(frames);
  stems.forEach((file, k) => {
    if (fs.existsSync(file) && fs.statSync(file).size === 44 + frames * 2) return;
    synth(buf, k, opts.continuous);
    writePcm16(file, buf);
  });
  const strips = stems.map((_, k) => strip(k));
  const ceilingDb = -1;
  const targetLufs = -14;
  const session = path.join(dir, opts.rider === false ? 'session-fair.yaml' : 'session.yaml');
  fs.writeFileSync(session, sessionYaml(stems, strips, ceilingDb, targetLufs, opts.rider !== false));
  return { dir, stems, seconds, session, strips, ceilingDb, targetLufs };
}

const dbToGain = (db: number): number => Math.pow(10, db / 20);

/**
 * ffmpeg arguments rendering the same mix: every stem through highpass (12 dB/oct), low shelf, two
 * peaking bands, high shelf, gate, compressor, volume and a constant-power pan; amix without
 * normalisation; alimiter at the ceiling; 24-bit. With `loudnorm`, then single-pass loudnorm to the
 * target and back to 48 kHz (loudnorm resamples to 192 kHz inside: a large share of ffmpeg's cost,
 * and work faderd's render does not do, so the fair render row leaves it out).
 */
export function ffmpegArgs(m: Multitrack, out: string, opts: { loudnorm?: boolean } = {}): string[] {
  const chains = m.strips.map((st, i) => {
    const [ls, p1, p2, hs] = st.eq;
    const x = (st.pan + 1) / 2;
    const gl = Math.cos((x * Math.PI) / 2).toFixed(6);
    const gr = Math.sin((x * Math.PI) / 2).toFixed(6);
    return [
      `[${i}:a]highpass=f=${st.hpfHz}:p=2`,
      `lowshelf=f=${ls!.freqHz}:g=${ls!.gainDb}:t=q:w=${ls!.q}`,
      `equalizer=f=${p1!.freqHz}:t=q:w=${p1!.q}:g=${p1!.gainDb}`,
      `equalizer=f=${p2!.freqHz}:t=q:w=${p2!.q}:g=${p2!.gainDb}`,
      `highshelf=f=${hs!.freqHz}:g=${hs!.gainDb}:t=q:w=${hs!.q}`,
      `agate=threshold=${dbToGain(st.gate.thresholdDb).toFixed(6)}:range=${dbToGain(-st.gate.rangeDb).toFixed(6)}:attack=${st.gate.attackMs}:release=${st.gate.releaseMs + st.gate.holdMs}:detection=peak`,
      `acompressor=threshold=${dbToGain(st.comp.thresholdDb).toFixed(6)}:ratio=${st.comp.ratio}:attack=${st.comp.attackMs}:release=${st.comp.releaseMs}:knee=2`,
      `volume=${st.faderDb}dB`,
      `pan=stereo|c0=${gl}*c0|c1=${gr}*c0[s${i}]`,
    ].join(',');
  });
  const mix = `${m.strips.map((_, i) => `[s${i}]`).join('')}amix=inputs=${m.strips.length}:normalize=0:dropout_transition=0`;
  const limiter = `alimiter=limit=${dbToGain(m.ceilingDb).toFixed(6)}:level=false`;
  const master = opts.loudnorm ? `${limiter},loudnorm=I=${m.targetLufs}:TP=${m.ceilingDb}:LRA=11,aresample=${SR}[out]` : `${limiter}[out]`;
  const graph = [...chains, `${mix},${master}`].join(';');
  return ['-hide_banner', '-nostats', '-y', ...m.stems.flatMap((s) => ['-i', s]), '-filter_complex', graph, '-map', '[out]', '-c:a', 'pcm_s24le', out];
}

/** A command line as a shell would take it (the bench prints every peer's exact command). */
export function shellLine(cmd: string, args: readonly string[]): string {
  const q = (a: string): string => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`);
  return [cmd, ...args].map(q).join(' ');
}
