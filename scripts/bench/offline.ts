/**
 * Offline rows of the table, faderd and ffmpeg side by side on the same generated multitrack:
 * - render: `faderd render` vs an ffmpeg filter graph doing the equivalent work, wall and CPU time;
 * - loudness: `faderd loudness` vs ffmpeg's ebur128 filter on the same mix, speed and the differences
 *   in integrated loudness, LRA and true peak; and the meter's own speed in process (× real time).
 *
 *   npx tsx scripts/bench/offline.ts [--quick]
 *
 * Stems are cached under $TMPDIR/faderd-bench; without ffmpeg the peer columns say so.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readWav } from '../../src/audio/file/wav.ts';
import { measureProgramme } from '../../src/engine/mastering/report.ts';
import { checkRun, costRatio, FADERD_BIN, ffmpegVersion, fmt, progress, sectionMain, timed, type BenchOptions, type Row } from './common.ts';
import { ffmpegArgs, multitrack } from './multitrack.ts';

const STEMS = 16;

interface Ebur128 {
  readonly integratedLufs: number;
  readonly lra: number;
  readonly truePeakDbtp: number;
}

/** The summary ffmpeg's ebur128 prints on stderr at the end ("I: -14.0 LUFS", "LRA: 5.2 LU", "Peak: -1.1 dBFS"). */
function parseEbur128(stderr: string): Ebur128 {
  const tail = stderr.slice(stderr.lastIndexOf('Summary:'));
  const num = (re: RegExp): number => {
    const m = re.exec(tail);
    if (!m) throw new Error(`ffmpeg ebur128 summary without ${re.source}: ${tail.slice(0, 300)}`);
    return Number(m[1]);
  };
  return { integratedLufs: num(/I:\s+(-?[\d.]+) LUFS/), lra: num(/LRA:\s+(-?[\d.]+) LU/), truePeakDbtp: num(/Peak:\s+(-?[\d.]+|-inf) dBFS/) };
}

const diff = (a: number, b: number, unit: string): string => `${a - b >= 0 ? '+' : ''}${(a - b).toFixed(2)} ${unit}`;

async function measure(o: BenchOptions): Promise<Row[]> {
  const rows: Row[] = [];
  const seconds = o.quick ? 6 : 180;
  const work = path.join(os.tmpdir(), 'faderd-bench');
  progress(`offline: generating ${STEMS} stems of ${seconds} s (cached in ${work})`);
  const m = multitrack(work, STEMS, seconds);
  const audio = `${STEMS} stems × ${seconds} s`;
  const ffmpeg = ffmpegVersion();

  progress('offline: faderd render');
  const ours = path.join(m.dir, 'faderd-mix.wav');
  const f = checkRun('faderd render', await timed(process.execPath, [FADERD_BIN, 'render', m.session, '-o', ours, '--bits', '24', '--tail', '0', '--json']));
  let peer: { wallS: number; cpuS: number; maxRssMb: number } | undefined;
  const theirs = path.join(m.dir, 'ffmpeg-mix.wav');
  if (ffmpeg) {
    progress('offline: ffmpeg filter graph');
    peer = checkRun('ffmpeg render', await timed('ffmpeg', ffmpegArgs(m, theirs)));
  }
  const none = 'ffmpeg not installed (apt-get install ffmpeg): no comparison';
  rows.push({
    group: 'render',
    what: `offline mix, ${audio} (strips, amix, limiter, loudness), wall`,
    faderd: `${fmt(f.wallS)} s (${fmt(seconds / f.wallS, 0)}× real time)`,
    peer: peer ? `${fmt(peer.wallS)} s (${fmt(seconds / peer.wallS, 0)}× real time)` : '-',
    ratio: peer ? costRatio(f.wallS, peer.wallS) : '-',
    note: peer ? 'ffmpeg: highpass, 4 EQ, agate, acompressor, volume, pan, amix, alimiter, loudnorm' : none,
  });
  rows.push({
    group: 'render',
    what: `offline mix, ${audio}, CPU time (user+sys, all threads)`,
    faderd: `${fmt(f.cpuS)} s`,
    peer: peer ? `${fmt(peer.cpuS)} s` : '-',
    ratio: peer ? costRatio(f.cpuS, peer.cpuS) : '-',
    note: peer ? `peak RSS faderd ${fmt(f.maxRssMb, 0)} MB, ffmpeg ${fmt(peer.maxRssMb, 0)} MB` : none,
  });

  progress('offline: loudness of the faderd mix');
  const lf = checkRun('faderd loudness', await timed(process.execPath, [FADERD_BIN, 'loudness', ours, '--json']));
  const report = (JSON.parse(lf.stdout) as Array<{ integratedLufs: number | null; lra: number | null; truePeakDbtp: number | null }>)[0]!;
  let eb: (Ebur128 & { wallS: number; cpuS: number }) | undefined;
  if (ffmpeg) {
    const t = checkRun('ffmpeg ebur128', await timed('ffmpeg', ['-hide_banner', '-nostats', '-i', ours, '-filter_complex', 'ebur128=peak=true', '-f', 'null', '-']));
    eb = { ...parseEbur128(t.stderr), wallS: t.wallS, cpuS: t.cpuS };
  }
  const mix = `${seconds} s stereo 24-bit mix`;
  rows.push({
    group: 'loudness',
    what: `BS.1770 I, LRA, true peak of a ${mix} (CLI, file read included), wall`,
    faderd: `${fmt(lf.wallS)} s (${fmt(seconds / lf.wallS, 0)}× real time), CPU ${fmt(lf.cpuS)} s`,
    peer: eb ? `${fmt(eb.wallS)} s (${fmt(seconds / eb.wallS, 0)}× real time), CPU ${fmt(eb.cpuS)} s` : '-',
    ratio: eb ? costRatio(lf.wallS, eb.wallS) : '-',
    note: eb ? 'ffmpeg -af ebur128=peak=true' : none,
  });
  if (eb && report.integratedLufs !== null && report.lra !== null && report.truePeakDbtp !== null) {
    rows.push({
      group: 'loudness',
      what: 'difference faderd − ffmpeg: integrated, LRA, true peak',
      faderd: `I ${report.integratedLufs} LUFS, LRA ${report.lra} LU, TP ${report.truePeakDbtp} dBTP`,
      peer: `I ${eb.integratedLufs} LUFS, LRA ${eb.lra} LU, TP ${eb.truePeakDbtp} dBTP`,
      ratio: `${diff(report.integratedLufs, eb.integratedLufs, 'LU')}, ${diff(report.lra, eb.lra, 'LU')}, ${diff(report.truePeakDbtp, eb.truePeakDbtp, 'dB')}`,
      note: 'ffmpeg prints 0.1 resolution; its TP is 4× oversampled via swresample',
    });
  }

  progress('offline: loudness meter in process');
  const wav = readWav(ours);
  const frames = wav.channels[0]!.length;
  measureProgramme(wav.channels.map((c) => c.subarray(0, Math.min(frames, wav.sampleRate * 5))), wav.sampleRate);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  measureProgramme(wav.channels, wav.sampleRate);
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const audioS = frames / wav.sampleRate;
  rows.push({
    group: 'loudness',
    what: 'loudness meter speed in process (K-weighting, gating, LRA, 4× true peak), stereo',
    faderd: `${fmt(audioS / (ms / 1000), 0)}× real time (CPU: ${fmt(audioS / ((cpu.user + cpu.system) / 1e6), 0)}×)`,
    note: `${fmt(audioS, 0)} s of audio measured in ${fmt(ms, 0)} ms`,
  });
  const ourMix = measureProgramme(wav.channels, wav.sampleRate);
  const theirMix = peer ? measureProgramme(readWav(theirs).channels, wav.sampleRate) : undefined;
  const lu = (x: { integratedLufs: number; truePeakDbtp: number }): string => `${fmt(x.integratedLufs, 1)} LUFS, ${fmt(x.truePeakDbtp, 1)} dBTP`;
  rows.push({
    group: 'render',
    what: `the two mixes against the target ${m.targetLufs} LUFS, ceiling ${m.ceilingDb} dBTP (measured by faderd)`,
    faderd: lu(ourMix),
    peer: theirMix ? lu(theirMix) : '-',
    note: 'faderd rides the master slowly (live rider), loudnorm adapts faster; short stems favour loudnorm',
  });
  fs.rmSync(theirs, { force: true });
  return rows;
}

sectionMain(import.meta.url, measure);
