/**
 * The WAV stems a session names (`channels[i].file`, relative to the session file), loaded for an
 * offline render. All stems must share one sample rate (the render runs at it); a missing, unreadable
 * or mismatched stem is a ConfigError pointing at the channel's line in the session file.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Session } from '../../params/session.ts';
import { ConfigError, type SourceIssue } from '../../util/source-error.ts';
import { YamlSource } from '../../util/yaml-source.ts';
import { readWav, WavError } from './wav.ts';

export interface Stem {
  /** 0-based channel index in the session. */
  readonly channel: number;
  readonly file: string;
  /** One array per side of the channel strip (a mono stem on a stereo strip feeds both sides). */
  readonly sides: Float32Array[];
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
}

/** Locates issues at a channel's `file:` line of the session, or line 1 when the text can't be read. */
function locator(session: Session): (channel: number, message: string) => SourceIssue {
  const file = session.file ?? '<session>';
  let src: YamlSource | undefined;
  try {
    if (session.file) src = YamlSource.parse(fs.readFileSync(session.file, 'utf8'), file);
  } catch {
    src = undefined;
  }
  return (channel, message) => (src ? src.issue(['channels', channel, 'file'], message) : { file, line: 1, col: 1, message });
}

/** Mixes a stereo stem down for a mono strip (equal halves, so a centred source keeps its level). */
function downmix(l: Float32Array, r: Float32Array): Float32Array {
  const out = new Float32Array(l.length);
  for (let i = 0; i < l.length; i++) out[i] = 0.5 * (l[i]! + r[i]!);
  return out;
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
    let wav;
    try {
      wav = readWav(file);
    } catch (e) {
      issues.push(at(i, `${label}: ${e instanceof WavError ? e.message : (e as Error).message}`));
      return;
    }
    const n = wav.channels.length;
    if (n > 2) {
      issues.push(at(i, `${label}: ${file} has ${n} channels; stems must be mono or stereo`));
      return;
    }
    const [l, r] = [wav.channels[0]!, wav.channels[1] ?? wav.channels[0]!];
    const sides = ch.stereo ? [l, r] : [n === 2 ? downmix(l, r) : l];
    stems.push({ channel: i, file, sides, frames: l.length, sampleRate: wav.sampleRate, bitDepth: wav.bitDepth, stemChannels: n });
  });
  if (issues.length) throw new ConfigError(issues);
  const first = stems[0];
  for (const s of stems) {
    if (s.sampleRate !== first!.sampleRate) {
      issues.push(at(s.channel, `channel ${s.channel + 1}: ${s.file} is at ${s.sampleRate} Hz but ${first!.file} is at ${first!.sampleRate} Hz; resample the stems to one rate`));
    }
  }
  if (issues.length) throw new ConfigError(issues);
  return {
    stems,
    sampleRate: first ? first.sampleRate : session.audio.sampleRate,
    frames: stems.reduce((m, s) => Math.max(m, s.frames), 0),
  };
}
