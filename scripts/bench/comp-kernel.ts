/**
 * The strips' compressors: N strips (every third stereo) of 128-frame blocks @48k through the
 * TypeScript reference (Compressor.process, strip by strip) and through the native kernel's
 * variants (compJobs: AVX2 four strips per vector, portable one strip at a time), on loud programme
 * (noise and tone over the threshold, the compressors always working) and on near silence (below the
 * knee). µs per block for all the strips, and % of a core; rounds alternate between the sides and
 * the cheapest run of each is kept (a shared machine's bursts of load then land in neither).
 *
 *   npx tsx scripts/bench/comp-kernel.ts [strips=16] [seconds=4] [rounds=3]
 */
import { Compressor } from '../../src/engine/dsp/compressor.ts';
import { FilterPool } from '../../src/engine/native/biquad-batch.ts';
import { COMP_BLOCK, COMP_STATE_AT, CompBatch, nativeCompJobs, nativeCompMissing } from '../../src/engine/native/comp-batch.ts';
import { dspKernels } from '../../src/engine/native/dsp-kernels.ts';

const SR = 48000;
const BLOCK = 128;
const BLOCK_US = (BLOCK * 1e6) / SR;
const [n = 16, seconds = 4, rounds = 3] = process.argv.slice(2).map(Number);
const blocks = Math.round((seconds * SR) / BLOCK);
const SOURCE_BLOCKS = 64;

/** Programme for every strip channel, SOURCE_BLOCKS blocks long, reused in turn. */
function programme(level: number, channels: number): Float32Array[] {
  let s = 0x2545f491;
  const rnd = (): number => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
  return Array.from({ length: channels }, (_, c) => {
    const out = new Float32Array(SOURCE_BLOCKS * BLOCK);
    for (let i = 0; i < out.length; i++) out[i] = level * (0.3 * Math.sin(i * (0.01 + 0.001 * c)) * (1 + Math.sin(i * 0.0003)) + 0.2 * (rnd() - 0.5));
    return out;
  });
}

interface Rig {
  readonly what: string;
  step(b: number): void;
  best: number;
}

function rigs(level: number): Rig[] {
  const nchs = Array.from({ length: n }, (_, k) => (k % 3 === 1 ? 2 : 1));
  const channels = nchs.reduce((a, b) => a + b, 0);
  const src = programme(level, channels);
  const settings = (k: number) => ({ thresholdDb: -18 - (k % 8), ratio: 3, kneeDb: 6, attackMs: 5, releaseMs: 120, makeupDb: 2, autoMakeup: false });
  // The reference.
  const refs = nchs.map((_, k) => {
    const c = new Compressor(SR);
    c.configure(settings(k));
    return c;
  });
  const refBufs = nchs.map((nch) => Array.from({ length: nch }, () => new Float32Array(BLOCK)));
  const out: Rig[] = [
    {
      what: 'TypeScript',
      best: Infinity,
      step(b) {
        let ch = 0;
        const at = (b % SOURCE_BLOCKS) * BLOCK;
        for (let k = 0; k < n; k++) {
          for (const buf of refBufs[k]!) buf.set(src[ch++]!.subarray(at, at + BLOCK));
          refs[k]!.process(refBufs[k]!, nchs[k]!, BLOCK);
        }
      },
    },
  ];
  const run = nativeCompJobs();
  const isa = dspKernels()?.compIsa as ((name?: string) => string) | undefined;
  if (!run || !isa) return out;
  for (const variant of ['avx2', 'portable']) {
    const pool = new FilterPool(channels * BLOCK, n * COMP_BLOCK);
    const batch = new CompBatch(pool, n, run);
    const strips = nchs.map((nch, k) => {
      const block = pool.doubles(COMP_BLOCK);
      const c = new Compressor(SR, block.subarray(COMP_STATE_AT, COMP_STATE_AT + 3));
      c.configure(settings(k));
      c.writeParams(block, 0);
      return { nch, block: pool.at64(block), bufs: Array.from({ length: nch }, () => pool.floats(BLOCK)) };
    });
    out.push({
      what: `native ${variant}`,
      best: Infinity,
      step(b) {
        if (b === 0 && isa(variant) !== variant) throw new Error(`${variant}: not on this CPU`);
        let ch = 0;
        const at = (b % SOURCE_BLOCKS) * BLOCK;
        for (const s of strips) {
          for (const buf of s.bufs) buf.set(src[ch++]!.subarray(at, at + BLOCK));
          batch.add(pool.at32(s.bufs[0]!), s.nch === 2 ? pool.at32(s.bufs[1]!) : -1, s.nch, s.block);
        }
        batch.flush(BLOCK);
      },
    });
  }
  return out;
}

const missing = nativeCompMissing();
if (missing) console.log(`note: the native compressor is not in use (${missing}): TypeScript only`);
const isa = dspKernels()?.compIsa as ((name?: string) => string) | undefined;
const before = isa?.();
console.log(`${n} strips (every third stereo), ${BLOCK}-frame blocks @${SR / 1000}k, ${seconds} s, best of ${rounds} rounds`);
try {
  for (const [label, level] of [['loud programme', 1], ['near silence (-60 dB)', 0.001]] as const) {
    const rs = rigs(level);
    for (let r = 0; r < rounds; r++)
      for (const rig of rs) {
        try {
          const cpu0 = process.cpuUsage();
          for (let b = 0; b < blocks; b++) rig.step(b);
          const cpu = process.cpuUsage(cpu0);
          rig.best = Math.min(rig.best, (cpu.user + cpu.system) / blocks);
        } catch (e) {
          rig.best = NaN;
          if (r === 0) console.log(`${rig.what}: ${(e as Error).message}`);
        }
      }
    console.log(label);
    for (const rig of rs) if (rig.best === rig.best) console.log(`  ${rig.what.padEnd(16)} ${rig.best.toFixed(2).padStart(7)} µs/block  ${((100 * rig.best) / BLOCK_US).toFixed(2).padStart(6)} % of a core`);
  }
} finally {
  if (before) isa!(before);
}
