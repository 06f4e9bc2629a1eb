/**
 * Mastering benchmark, best of several runs at 48 kHz stereo:
 *   - loudness meter (BS.1770 K-weighting, M/S/I/LRA) and true-peak meter (truepeak.ts; its own bench: truepeak.ts):
 *     × real time over a programme (speech-like noise, so the true-peak meter cannot skip);
 *   - master chain in 128-frame blocks: % of one core at 48 kHz, with the defaults (EQ flat, limiter
 *     on, mono bass on) and with every stage engaged (the programme peaks under the ceiling, so the
 *     limiter's detector skips most blocks; the limiter line shows its cost when it works);
 *   - single stages of the chain (limiter, width, exciter, dither, tilt) as % of one core;
 *   - offline: resampler 48 k → 44.1 k and the export limiter pass, × real time.
 *
 *   npx tsx scripts/bench/mastering.ts [seconds-per-run]
 */
import { TruePeakLimiter } from '../../src/engine/dsp/limiter.ts';
import { LoudnessMeter } from '../../src/engine/dsp/loudness.ts';
import { Resampler } from '../../src/engine/dsp/resample.ts';
import { TruePeakMeter } from '../../src/engine/dsp/truepeak.ts';
import { StereoWidth } from '../../src/engine/dsp/width.ts';
import { Exciter } from '../../src/engine/dsp/exciter.ts';
import { Dither } from '../../src/engine/dsp/dither.ts';
import { TiltEq } from '../../src/engine/dsp/tilt.ts';
import { MasterChain } from '../../src/engine/graph/master.ts';
import { ParamRegistry, toEngineValue, type ParamValue } from '../../src/params/registry.ts';
import { defaultSession } from '../../src/params/session.ts';

import { bestOf, programme } from './programme.ts';

const FS = 48000;
const BLOCK = 128;
const RUNS = 5;
const seconds = Number(process.argv[2] ?? 20);

const best = (run: () => void): number => bestOf(RUNS, run);

const n = Math.round(seconds * FS);
const L = programme(n, 1, FS), R = programme(n, 2, FS);

const line = (name: string, value: string): void => void process.stdout.write(`${name.padEnd(44)} ${value}\n`);
const xrt = (secs: number, audioSeconds = seconds): string => `${(audioSeconds / secs).toFixed(0)}x real time`;
const core = (secs: number, audioSeconds = seconds): string => `${((100 * secs) / audioSeconds).toFixed(2)} % of one core`;

process.stdout.write(`mastering benchmark: ${seconds} s stereo at ${FS} Hz, best of ${RUNS}\n`);

line('loudness meter (M/S/I/LRA)', xrt(best(() => {
  const m = new LoudnessMeter(FS, 2);
  m.process([L, R], n);
})));
line('true-peak meter (16x grid, staged)', xrt(best(() => {
  const m = new TruePeakMeter(FS, 2);
  m.process([L, R], n);
})));
line('loudness + true peak (faderd loudness)', xrt(best(() => {
  const m = new LoudnessMeter(FS, 2);
  const t = new TruePeakMeter(FS, 2);
  m.process([L, R], n);
  t.process([L, R], n);
})));

/** Runs `block` over the programme in 128-frame blocks on scratch copies. */
function blocks(block: (l: Float32Array, r: Float32Array) => void): number {
  const l = new Float32Array(BLOCK), r = new Float32Array(BLOCK);
  return best(() => {
    for (let at = 0; at + BLOCK <= n; at += BLOCK) {
      l.set(L.subarray(at, at + BLOCK));
      r.set(R.subarray(at, at + BLOCK));
      block(l, r);
    }
  });
}

const registry = ParamRegistry.fromSession(defaultSession());
function chain(overrides: Record<string, ParamValue>): MasterChain {
  const c = new MasterChain(FS, BLOCK);
  c.bindParams((address, apply) => {
    const def = registry.get(address)!;
    apply(Float64Array.of(toEngineValue(def, overrides[address] ?? def.default)));
  });
  c.bindMeters((a) => registry.get(a)?.index ?? -1);
  return c;
}
const meters = new Float64Array(registry.defs.length);
const copyCost = blocks(() => {});
const net = (secs: number): number => Math.max(0, secs - copyCost);

const defaults = chain({});
line('master chain, defaults', core(net(blocks((l, r) => { defaults.process(l, r, BLOCK); defaults.writeMeters(meters); }))));
const full = chain({
  '/master/eq/1/gain': 2, '/master/eq/2/gain': -1.5, '/master/eq/3/gain': 1, '/master/eq/4/gain': 2, '/master/eq/tilt': 1,
  '/master/comp/on': true, '/master/width': 130, '/master/drive': 3, '/master/exciter': 30,
  '/master/loudness/auto': true, '/master/dither/on': true, '/master/dither/bits': '16', '/master/dither/shaping': true,
});
line('master chain, every stage engaged', core(net(blocks((l, r) => { full.process(l, r, BLOCK); full.writeMeters(meters); }))));

const lim = new TruePeakLimiter(FS, BLOCK, 2);
line('  limiter alone (material 12 dB over)', core(net(blocks((l, r) => {
  for (let i = 0; i < BLOCK; i++) { l[i]! *= 4; r[i]! *= 4; }
  lim.process([l, r], BLOCK);
}))));
const width = new StereoWidth(FS, BLOCK);
width.configure({ widthPct: 150, monoBass: true, monoFreqHz: 120 });
line('  width + mono bass', core(net(blocks((l, r) => width.process(l, r, BLOCK)))));
const exc = new Exciter(FS, BLOCK, 2);
exc.configure(40);
const pair: Float32Array[] = [new Float32Array(0), new Float32Array(0)];
line('  exciter', core(net(blocks((l, r) => { pair[0] = l; pair[1] = r; exc.process(pair, BLOCK); }))));
const dit = new Dither(2);
dit.configure({ bits: 16, shaping: true });
line('  dither (16-bit, shaped)', core(net(blocks((l, r) => { pair[0] = l; pair[1] = r; dit.process(pair, BLOCK); }))));
const tilt = new TiltEq(FS, 2);
tilt.configure(2);
line('  tilt', core(net(blocks((l, r) => { pair[0] = l; pair[1] = r; tilt.process(pair, BLOCK); }))));

const rs = new Resampler(48000, 44100);
line('resampler 48k -> 44.1k (offline, stereo)', xrt(best(() => { rs.process(L); rs.process(R); })));
line('export limiter pass, 12 dB over (offline)', xrt(best(() => {
  const x = Float32Array.from(L, (v) => 4 * v), y = Float32Array.from(R, (v) => 4 * v);
  const lm = new TruePeakLimiter(FS, 1024, 2);
  for (let at = 0; at < n; at += 1024) {
    const f = Math.min(1024, n - at);
    lm.process([x.subarray(at, at + f), y.subarray(at, at + f)], f);
  }
})));
