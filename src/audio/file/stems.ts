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

export interface StemSet {
  readonly stems: Stem[];
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

  constructor(reader: WavReader, width: 1 | 2) {
    this.reader = reader;
    this.width = width;
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

  private fill(pos: number): void {
    this.reader.read(pos, CHUNK, this.raw);
    this.chunkStart = pos;
    if (this.width === 1 && this.raw.length === 2) {
      const [l, r] = this.raw as [Float32Array, Float32Array];
      const out = this.sides[0]!;
      for (let i = 0; i < CHUNK; i++) out[i] = 0.5 * (l[i]! + r[i]!);
    }
  }

  close(): void {
    this.reader.close();
  }
}

/** Locates issues at a channel's `file:` line of the session, or line 1 when the text can't be read. */
function locator(session: Session): (channel: number, message: string) => SourceIssue {
  const file = session.file ?? '<session>';
  const src = sessionSource(session);
  return (channel, message) => (src ? src.issue(['channels', channel, 'file'], message) : { file, line: 1, col: 1, message });
}

export function loadStems(session: Session): StemSet {
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
    const source = new StemSource(reader, ch.stereo ? 2 : 1);
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
    sampleRate: first ? first.sampleRate : session.audio.sampleRate,
    frames: stems.reduce((m, s) => Math.max(m, s.frames), 0),
  };
}
