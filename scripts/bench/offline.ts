/**
 * Offline rows of the table, faderd and ffmpeg side by side on the same generated multitrack:
 * - render: `faderd render` vs an ffmpeg filter graph doing the same work (strips, sum, limiter: no
 *   loudness normalisation on either side), wall, CPU time and peak RSS, medians of alternated runs,
 *   on the bench stems (with silent bars) and on continuous ones (noise and tones, no silence);
 * - loudness: `faderd loudness` vs ffmpeg's ebur128 filter on the same mix, speed and the differences
 *   in integrated loudness, LRA and true peak; and the meter's own speed in process (× real time).
 *
 *   npx tsx scripts/bench/offline.ts [--quick]
 *
 * Stems are cached under $TMPDIR/faderd-bench; without ffmpeg the peer columns say so.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readWav, WavReader } from '../../src/audio/file/wav.ts';
import { measureProgramme } from '../../src/engine/mastering/report.ts';
import { checkRun, costRatio, FADERD_BIN, ffmpegVersion, fmt, progress, ROOT, sectionMain, timed, type BenchOptions, type Row } from './common.ts';
import { ffmpegArgs, multitrack, shellLine, type Multitrack } from './multitrack.ts';

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

/**
 * Writes `src` (a WAV whose data chunk is its last) `times` over into `dest`, by bytes: the header
 * with its sizes patched, then the samples repeated. No decoding, and memory of one copy of the samples.
 */
function repeatWav(src: string, dest: string, times: number): void {
  const r = new WavReader(src);
  const { dataStart, frames, bytesPerFrame } = r.header;
  r.close();
  const all = fs.readFileSync(src);
  const head = Buffer.from(all.subarray(0, dataStart));
  const data = all.subarray(dataStart, dataStart + frames * bytesPerFrame);
  head.writeUInt32LE(data.length * times, dataStart - 4);
  head.writeUInt32LE(dataStart - 8 + data.length * times, 4);
  const fd = fs.openSync(dest, 'w');
  try {
    fs.writeSync(fd, head);
    for (let k = 0; k < times; k++) fs.writeSync(fd, data);
  } finally {
    fs.closeSync(fd);
  }
}

const diff = (a: number, b: number, unit: string): string => `${a - b >= 0 ? '+' : ''}${(a - b).toFixed(2)} ${unit}`;

interface Cost {
  readonly wallS: number;
  readonly cpuS: number;
  readonly maxRssMb: number;
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const medianCost = (runs: readonly Cost[]): Cost => ({ wallS: median(runs.map((r) => r.wallS)), cpuS: median(runs.map((r) => r.cpuS)), maxRssMb: median(runs.map((r) => r.maxRssMb)) });

/**
 * faderd render and the fair ffmpeg graph on one multitrack, alternated (faderd, ffmpeg, faderd, …)
 * so a machine getting busier weighs on both: the medians of `rounds` runs each. The session has the
 * loudness rider off and the graph no loudnorm: both do the same strips, sum and limiter.
 */
async function fairRender(m: Multitrack, rounds: number, ffmpeg: boolean): Promise<{ ours: Cost; theirs?: Cost; ourCmd: string; theirCmd: string; out: string }> {
  const out = path.join(m.dir, 'faderd-mix.wav');
  const theirOut = path.join(m.dir, 'ffmpeg-mix.wav');
  const ourArgs = [FADERD_BIN, 'render', m.session, '-o', out, '--bits', '24', '--tail', '0', '--json'];
  const theirArgs = ffmpegArgs(m, theirOut);
  const ours: Cost[] = [];
  const theirs: Cost[] = [];
  for (let r = 0; r < rounds; r++) {
    progress(`offline: ${path.basename(m.dir)} round ${r + 1}/${rounds}: faderd render`);
    ours.push(checkRun('faderd render', await timed(process.execPath, ourArgs)));
    if (ffmpeg) {
      progress(`offline: ${path.basename(m.dir)} round ${r + 1}/${rounds}: ffmpeg`);
      theirs.push(checkRun('ffmpeg render', await timed('ffmpeg', theirArgs)));
    }
  }
  fs.rmSync(theirOut, { force: true });
  return { ours: medianCost(ours), ...(ffmpeg ? { theirs: medianCost(theirs) } : {}), ourCmd: shellLine('node', ourArgs.map((a) => a.replace(ROOT + '/', ''))), theirCmd: shellLine('ffmpeg', theirArgs), out };
}

/** The render rows of one multitrack, and its two figures for the targets table. */
function renderRows(label: string, audio: string, fr: Awaited<ReturnType<typeof fairRender>>, rounds: number): Row[] {
  const none = 'ffmpeg not installed (apt-get install ffmpeg): no comparison';
  const { ours, theirs } = fr;
  const med = `median of ${rounds}, alternated`;
  return [
    {
      group: 'render',
      what: `offline mix, ${label}: ${audio} (strips, sum, limiter), wall`,
      faderd: `${fmt(ours.wallS)} s`,
      peer: theirs ? `${fmt(theirs.wallS)} s` : '-',
      ratio: theirs ? costRatio(ours.wallS, theirs.wallS) : '-',
      note: theirs ? `${med}; same work: highpass, 4 EQ, gate, compressor, fader, pan, sum, limiter (faderd's limits true peak, 16× reconstruction; ffmpeg's alimiter sample peak)` : none,
      command: fr.ourCmd,
      ...(theirs ? { peerCommand: fr.theirCmd } : {}),
    },
    {
      group: 'render',
      what: `offline mix, ${label}, CPU time (user+sys, all threads)`,
      faderd: `${fmt(ours.cpuS)} s`,
      peer: theirs ? `${fmt(theirs.cpuS)} s` : '-',
      ratio: theirs ? costRatio(ours.cpuS, theirs.cpuS) : '-',
      note: theirs ? med : none,
      ...(theirs ? { target: { figure: `render CPU / fair ffmpeg CPU, ${label}`, now: label.startsWith('bench') ? '0.81' : '1.39', target: '<= 0.50', measured: fmt(ours.cpuS / theirs.cpuS), met: ours.cpuS / theirs.cpuS <= 0.5 } } : {}),
    },
    {
      group: 'render',
      what: `offline mix, ${label}, peak RSS`,
      faderd: `${fmt(ours.maxRssMb, 0)} MB`,
      peer: theirs ? `${fmt(theirs.maxRssMb, 0)} MB` : '-',
      ratio: theirs ? costRatio(ours.maxRssMb, theirs.maxRssMb) : '-',
      note: theirs ? `${med}; faderd streams stems and mix in blocks (#20), from dist/: most of its RSS is Node and the engine` : none,
      ...(theirs ? { target: { figure: `render peak RSS / ffmpeg's, ${label}`, now: '4.4', target: '<= 1.5', measured: fmt(ours.maxRssMb / theirs.maxRssMb), met: ours.maxRssMb / theirs.maxRssMb <= 1.5 } } : {}),
    },
  ];
}

/**
 * Render peak RSS at two lengths of the same number of stems (the continuous and the bench
 * multitrack): streaming keeps faderd's flat (#20), where reading whole stems and holding the mix
 * grew it with every minute.
 */
function rssWithDuration(short: Awaited<ReturnType<typeof fairRender>>, shortS: number, long: Awaited<ReturnType<typeof fairRender>>, longS: number): Row {
  const a = short.ours.maxRssMb;
  const b = long.ours.maxRssMb;
  const grew = (x: number, y: number): string => (y > 1.1 * x ? 'grew' : 'flat');
  const peer = short.theirs && long.theirs ? { a: short.theirs.maxRssMb, b: long.theirs.maxRssMb } : undefined;
  return {
    group: 'render',
    what: `offline mix peak RSS, ${STEMS} stems × ${shortS} s → × ${longS} s`,
    faderd: `${fmt(a, 0)} → ${fmt(b, 0)} MB`,
    peer: peer ? `${fmt(peer.a, 0)} → ${fmt(peer.b, 0)} MB` : '-',
    ratio: peer ? costRatio(b, peer.b) : '-',
    note: `faderd ${grew(a, b)}${peer ? `, ffmpeg ${grew(peer.a, peer.b)}` : ''} with ${fmt(longS / shortS, 1)}× the duration; the medians of the rows above`,
  };
}

async function measure(o: BenchOptions): Promise<Row[]> {
  const rows: Row[] = [];
  const seconds = o.quick ? 6 : 180;
  const contSeconds = o.quick ? 6 : 90;
  const rounds = o.quick ? 1 : 3;
  const work = path.join(os.tmpdir(), 'faderd-bench');
  // faderd as installed: bin/faderd.js runs dist/ when it is current (src/ through tsx otherwise, ~70 MB more).
  const built = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'build-dist.mjs')], { encoding: 'utf8' });
  if (built.status !== 0) throw new Error(`scripts/build-dist.mjs failed: ${built.stderr}`);
  progress(`offline: generating ${STEMS} stems of ${seconds} s and ${STEMS} continuous ones of ${contSeconds} s (cached in ${work})`);
  const m = multitrack(work, STEMS, seconds, { rider: false });
  const mc = multitrack(work, STEMS, contSeconds, { rider: false, continuous: true });
  const ffmpeg = ffmpegVersion() !== undefined;
  const bench = await fairRender(m, rounds, ffmpeg);
  rows.push(...renderRows('bench stems (silent bars)', `${STEMS} stems × ${seconds} s`, bench, rounds));
  const cont = await fairRender(mc, rounds, ffmpeg);
  rows.push(...renderRows('continuous stems (no silence)', `${STEMS} stems × ${contSeconds} s`, cont, rounds));
  rows.push(rssWithDuration(cont, contSeconds, bench, seconds));
  fs.rmSync(cont.out, { force: true });
  const ours = bench.out;
  const none = 'ffmpeg not installed (apt-get install ffmpeg): no comparison';

  progress('offline: loudness of the faderd mix');
  const lf = checkRun('faderd loudness', await timed(process.execPath, [FADERD_BIN, 'loudness', ours, '--json']));
  const report = (JSON.parse(lf.stdout) as Array<{ integratedLufs: number | null; lra: number | null; truePeakDbtp: number | null }>)[0]!;
  let eb: (Ebur128 & Cost) | undefined;
  const ebArgs = ['-hide_banner', '-nostats', '-i', ours, '-filter_complex', 'ebur128=peak=true', '-f', 'null', '-'];
  if (ffmpeg) {
    const t = checkRun('ffmpeg ebur128', await timed('ffmpeg', ebArgs));
    eb = { ...parseEbur128(t.stderr), wallS: t.wallS, cpuS: t.cpuS, maxRssMb: t.maxRssMb };
  }
  const mix = `${seconds} s stereo 24-bit mix`;
  rows.push({
    group: 'loudness',
    what: `BS.1770 I, LRA, true peak of a ${mix} (CLI, file read included), wall`,
    faderd: `${fmt(lf.wallS)} s (${fmt(seconds / lf.wallS, 0)}× real time), CPU ${fmt(lf.cpuS)} s`,
    peer: eb ? `${fmt(eb.wallS)} s (${fmt(seconds / eb.wallS, 0)}× real time), CPU ${fmt(eb.cpuS)} s` : '-',
    ratio: eb ? costRatio(lf.wallS, eb.wallS) : '-',
    note: eb ? `one run each; peak RSS faderd ${fmt(lf.maxRssMb, 0)} MB, ffmpeg ${fmt(eb.maxRssMb, 0)} MB` : none,
    command: shellLine('node', [FADERD_BIN.replace(ROOT + '/', ''), 'loudness', ours, '--json']),
    ...(eb ? { peerCommand: shellLine('ffmpeg', ebArgs) } : {}),
  });
  // The same mix four times over: the wall ratio on a longer programme, and memory that should not grow.
  progress('offline: loudness of the mix four times over');
  const longer = path.join(m.dir, 'faderd-mix-x4.wav');
  repeatWav(ours, longer, 4);
  const lf4 = checkRun('faderd loudness', await timed(process.execPath, [FADERD_BIN, 'loudness', longer, '--json']));
  const eb4 = ffmpeg ? checkRun('ffmpeg ebur128', await timed('ffmpeg', ebArgs.map((x) => (x === ours ? longer : x)))) : undefined;
  fs.rmSync(longer, { force: true });
  rows.push({
    group: 'loudness',
    what: `the same, ${4 * seconds} s (the mix four times over), wall`,
    faderd: `${fmt(lf4.wallS)} s, CPU ${fmt(lf4.cpuS)} s`,
    peer: eb4 ? `${fmt(eb4.wallS)} s, CPU ${fmt(eb4.cpuS)} s` : '-',
    ratio: eb4 ? costRatio(lf4.wallS, eb4.wallS) : '-',
    note: eb4 ? 'one run each' : none,
    ...(eb && eb4
      ? {
          target: {
            figure: `faderd loudness wall / ffmpeg ebur128 (${4 * seconds} s / ${seconds} s stereo)`,
            now: '1.27 / 2.4',
            target: '<= 1.0',
            measured: `${fmt(lf4.wallS / eb4.wallS)} / ${fmt(lf.wallS / eb.wallS)}`,
            met: lf4.wallS / eb4.wallS <= 1 && lf.wallS / eb.wallS <= 1,
          },
        }
      : {}),
  });
  if (eb && eb4) {
    rows.push({
      group: 'loudness',
      what: `peak RSS measuring ${seconds} s / ${4 * seconds} s of stereo`,
      faderd: `${fmt(lf.maxRssMb, 0)} / ${fmt(lf4.maxRssMb, 0)} MB`,
      peer: `${fmt(eb.maxRssMb, 0)} / ${fmt(eb4.maxRssMb, 0)} MB`,
      ratio: costRatio(lf4.maxRssMb, eb4.maxRssMb),
      note: 'faderd reads in 64 K-frame blocks; most of its RSS is Node itself (bin/faderd.js --version ~50 MB from dist/: each command loads its own modules only)',
      target: {
        figure: "faderd loudness peak RSS / ffmpeg's",
        now: '11',
        target: '<= 2, flat with duration',
        measured: `${fmt(lf4.maxRssMb / eb4.maxRssMb)} (x4 duration: RSS ${lf4.maxRssMb > 1.1 * lf.maxRssMb ? 'grew' : 'flat'})`,
        met: lf4.maxRssMb / eb4.maxRssMb <= 2 && lf4.maxRssMb <= 1.1 * lf.maxRssMb,
      },
    });
  }
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
    what: 'loudness meter speed in process (K-weighting, gating, LRA, true peak), stereo',
    faderd: `${fmt(audioS / (ms / 1000), 0)}× real time (CPU: ${fmt(audioS / ((cpu.user + cpu.system) / 1e6), 0)}×)`,
    note: `${fmt(audioS, 0)} s of audio measured in ${fmt(ms, 0)} ms`,
  });
  return rows;
}

sectionMain(import.meta.url, measure);
