/**
 * The WAV stems a session names (`channels[i].file`, relative to the session file), opened for an
 * offline render. All stems must share one sample rate (the render runs at it); a missing, unreadable
 * or mismatched stem is a ConfigError pointing at the channel's line in the session file.
 *
 * Stems are read as the render goes, a chunk at a time, so a long multitrack costs a few hundred KB
 * per stem instead of the whole of every file in memory.
 */
import fs from 'node:fs';
import path from 'node:path';
import { sessionSource, type Session } from '../../params/session.ts';
import { ConfigError, type SourceIssue } from '../../util/source-error.ts';
import { WavError, WavReader } from './wav.ts';

export interface Stem {
  /** 0-based channel index in the session. */
  readonly channel: number;
  readonly file: string;
  /** The stem's audio, one side per side of the channel strip. */
  readonly source: StemSource;
  readonly frames: number;
  readonly sampleRate: number;
  readonly bitDepth: string;
  readonly stemChannels: number;
}

/**
 * What a NaN or ±Inf sample in a stem does: 'refuse' stops the render with the file, frame and
 * channel (a float WAV can hold them, and a mix would carry them as full-scale samples or worse);
 * 'silence' replaces each with 0 and the render warns (StemSet.warnings).
 */
export type NonFinitePolicy = 'refuse' | 'silence';

export interface StemOptions {
  readonly nonFinite?: NonFinitePolicy;
}

export interface StemSet {
  readonly stems: Stem[];
  /** Warnings gathered while reading (non-finite samples replaced), one per stem. */
  warnings(): string[];
  /** The stems' common sample rate, or the session's when no channel has a stem. */
  readonly sampleRate: number;
  /** Length of the longest stem. */
  readonly frames: number;
  /** Closes every stem's file. */
  close(): void;
}

/** Frames decoded per file read. */
const CHUNK = 16384;

/**
 * A stem read through a window of CHUNK frames, as many sides as its strip has: a mono file feeds
 * both sides of a stereo strip; a stereo file on a mono strip is mixed down at equal halves (a
 * centred source keeps its level).
 */
export class StemSource {
  readonly width: 1 | 2;
  private readonly reader: WavReader;
  private readonly raw: Float32Array[];
  private readonly sides: Float32Array[];
  private chunkStart = -1;
  /** readInto's views of each side's chunk, one per block of `viewBlock` frames. */
  private views: Float32Array[][] = [];
  private viewBlock = 0;
  private readonly policy: NonFinitePolicy;
  private readonly refuse: (message: string) => never;
  /** Non-finite samples replaced, and where the first was (frame, 1-based file channel). */
  replaced = 0;
  firstFrame = -1;
  firstChannel = 0;

  constructor(reader: WavReader, width: 1 | 2, policy: NonFinitePolicy = 'refuse', refuse: (message: string) => never = (m) => {
    throw new Error(m);
  }) {
    this.reader = reader;
    this.width = width;
    this.policy = policy;
    this.refuse = refuse;
    const n = reader.header.numChannels;
    this.raw = Array.from({ length: n }, () => new Float32Array(CHUNK));
    const l = this.raw[0]!;
    const r = this.raw[1] ?? l;
    this.sides = width === 2 ? [l, r] : [n === 2 ? new Float32Array(CHUNK) : l];
  }

  /** Copies frames [pos, pos + n) into dst[side] from index 0; silence past the stem's end. */
  read(pos: number, n: number, dst: readonly Float32Array[]): void {
    let done = 0;
    while (done < n) {
      const p = pos + done;
      if (this.chunkStart < 0 || p < this.chunkStart || p >= this.chunkStart + CHUNK) this.fill(p);
      const off = p - this.chunkStart;
      const m = Math.min(n - done, CHUNK - off);
      for (let k = 0; k < this.width; k++) {
        const src = this.sides[k]!;
        const out = dst[k]!;
        for (let i = 0; i < m; i++) out[done + i] = src[off + i]!;
      }
      done += m;
    }
  }

  /**
   * Frames [pos, pos + n) of each side as out[at + side]: a view into the decoded chunk when the
   * frames are a whole `block` at a multiple of it there (no copy: the render's usual block), else
   * `own[side]` filled by read(). The views stay valid until the next call.
   */
  readInto(pos: number, n: number, block: number, own: readonly Float32Array[], out: Float32Array[], at: number): void {
    if (n === block && CHUNK % block === 0) {
      if (this.chunkStart < 0 || pos < this.chunkStart || pos + n > this.chunkStart + CHUNK) this.fill(pos);
      const off = pos - this.chunkStart;
      if (off % block === 0) {
        if (this.viewBlock !== block) this.makeViews(block);
        for (let k = 0; k < this.width; k++) out[at + k] = this.views[k]![off / block]!;
        return;
      }
    }
    this.read(pos, n, own);
    for (let k = 0; k < this.width; k++) out[at + k] = own[k]!;
  }

  private makeViews(block: number): void {
    this.viewBlock = block;
    this.views = this.sides.map((side) => Array.from({ length: CHUNK / block }, (_, j) => side.subarray(j * block, (j + 1) * block)));
  }

  private fill(pos: number): void {
    this.reader.read(pos, CHUNK, this.raw);
    this.chunkStart = pos;
    // Integer PCM decodes to finite samples only: just a float stem can carry NaN or Inf.
    if (this.reader.header.bitDepth === '32f') this.checkFinite(pos);
    if (this.width === 1 && this.raw.length === 2) {
      const [l, r] = this.raw as [Float32Array, Float32Array];
      const out = this.sides[0]!;
      for (let i = 0; i < CHUNK; i++) out[i] = 0.5 * (l[i]! + r[i]!);
    }
  }

  close(): void {
    this.reader.close();
  }

  /** Applies the NonFinitePolicy to the chunk just read (frames past the end read as 0: finite). */
  private checkFinite(pos: number): void {
    for (let c = 0; c < this.raw.length; c++) {
      const buf = this.raw[c]!;
      for (let i = 0; i < CHUNK; i++) {
        const v = buf[i]!;
        if (v - v === 0) continue; // finite; NaN and ±Inf give NaN
        if (this.policy === 'refuse') {
          const sr = this.reader.header.sampleRate;
          this.refuse(`${describe(v)} sample at frame ${pos + i} (${((pos + i) / sr).toFixed(3)} s), channel ${c + 1} of ${this.reader.header.numChannels}; fix the stem, or render with --replace-non-finite to replace such samples with silence`);
        }
        if (this.firstFrame < 0) {
          this.firstFrame = pos + i;
          this.firstChannel = c + 1;
        }
        this.replaced++;
        buf[i] = 0;
      }
    }
  }
}

const describe = (v: number): string => (Number.isNaN(v) ? 'NaN' : v > 0 ? '+Inf' : '-Inf');

/** Locates issues at a channel's `file:` line of the session, or line 1 when the text can't be read. */
function locator(session: Session): (channel: number, message: string) => SourceIssue {
  const file = session.file ?? '<session>';
  const src = sessionSource(session);
  return (channel, message) => (src ? src.issue(['channels', channel, 'file'], message) : { file, line: 1, col: 1, message });
}

export function loadStems(session: Session, opts: StemOptions = {}): StemSet {
  const at = locator(session);
  const issues: SourceIssue[] = [];
  const stems: Stem[] = [];
  session.channels.forEach((ch, i) => {
    if (!ch.file) return;
    const file = path.resolve(session.dir, ch.file);
    const label = `channel ${i + 1} (${ch.name})`;
    if (!fs.existsSync(file)) {
      issues.push(at(i, `${label}: stem file not found: ${file}`));
      return;
    }
    let reader;
    try {
      reader = new WavReader(file);
    } catch (e) {
      issues.push(at(i, `${label}: ${e instanceof WavError ? e.message : (e as Error).message}`));
      return;
    }
    const h = reader.header;
    if (h.numChannels > 2) {
      reader.close();
      issues.push(at(i, `${label}: ${file} has ${h.numChannels} channels; stems must be mono or stereo`));
      return;
    }
    const refuse = (message: string): never => {
      throw new ConfigError([at(i, `${label}: ${file}: ${message}`)]);
    };
    const source = new StemSource(reader, ch.stereo ? 2 : 1, opts.nonFinite ?? 'refuse', refuse);
    stems.push({ channel: i, file, source, frames: h.frames, sampleRate: h.sampleRate, bitDepth: h.bitDepth, stemChannels: h.numChannels });
  });
  const close = (): void => {
    for (const s of stems) s.source.close();
  };
  if (issues.length) {
    close();
    throw new ConfigError(issues);
  }
  const first = stems[0];
  for (const s of stems) {
    if (s.sampleRate !== first!.sampleRate) {
      issues.push(at(s.channel, `channel ${s.channel + 1}: ${s.file} is at ${s.sampleRate} Hz but ${first!.file} is at ${first!.sampleRate} Hz; resample the stems to one rate`));
    }
  }
  if (issues.length) {
    close();
    throw new ConfigError(issues);
  }
  return {
    close,
    stems,
    warnings: () =>
      stems
        .filter((s) => s.source.replaced > 0)
        .map((s) => `channel ${s.channel + 1}: ${s.file}: ${s.source.replaced} NaN/Inf sample(s) replaced with silence (first at frame ${s.source.firstFrame}, channel ${s.source.firstChannel})`),
    sampleRate: first ? first.sampleRate : session.audio.sampleRate,
    frames: stems.reduce((m, s) => Math.max(m, s.frames), 0),
  };
}
