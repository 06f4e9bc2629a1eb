/**
 * The native mix kernel (native/dsp-kernels/src/mix.c through src/engine/native/mix-batch.ts)
 * against the TypeScript it mirrors, through the real objects: a strip's fader copy and meter
 * (processPost vs queuePost + meterPost), its sends pre and post fader into stereo and mono bus and fx
 * inputs (Send.processAll vs Send.queueAll), its pan or balance (panTo vs queuePan, adding and
 * overwriting) and the inputs' folds, on random levels, ramps crossing block edges, block sizes
 * 1..1024, NaN and ±Inf; every sample compared with Object.is, on each instruction set the CPU runs.
 * Then the call's own checks: a bad offset throws a TypeError naming the job and field, and nothing is
 * mixed.
 */
import { describe, expect, it } from 'vitest';
import { Strip } from '../../../src/engine/graph/strip.ts';
import { Send, SendInput } from '../../../src/engine/graph/send.ts';
import { FilterPool } from '../../../src/engine/native/biquad-batch.ts';
import { dspKernels } from '../../../src/engine/native/dsp-kernels.ts';
import { eachIsa as eachIsaOf, rng } from './helpers.ts';
import { MixBatch, mixCalls, nativeMixJobs, nativeMixMissing, OP_ADD2_RAMP, OP_COPY, OP_MONO, OP_PAN_MONO, OP_STEREO, type MixJobsFn } from '../../../src/engine/native/mix-batch.ts';

type IsaFn = (name?: string) => string;

const SR = 48000;
const MAXB = 1024;
/** Destination widths of the sends: stereo bus, mono bus, stereo fx, mono bus. */
const WIDTHS = [2, 1, 2, 1];

function kernel(): MixJobsFn {
  const run = nativeMixJobs();
  if (!run) throw new Error(`the native mix kernel is not in use: ${nativeMixMissing()}`);
  return run;
}

/** Runs `body` once per variant of the mix kernel this CPU runs (helpers.ts eachIsa). */
function eachIsa(body: (isa: string) => void): void {
  kernel();
  eachIsaOf('mixIsa', body);
}

interface Side {
  readonly strip: Strip;
  readonly inputs: SendInput[];
  readonly sends: Send[];
  readonly outL: Float32Array;
  readonly outR: Float32Array;
  readonly set: Map<string, (v: number) => void>;
  readonly meters: Float64Array;
}

function side(nch: 1 | 2, pool?: FilterPool): Side {
  const strip = new Strip(SR, MAXB, nch, pool);
  strip.snap = false;
  const set = new Map<string, (v: number) => void>();
  const bind = (a: string, f: (v: Float64Array) => void): void => void set.set(a, (v: number) => f(Float64Array.of(v)));
  strip.bindParams(bind, '/ch/1');
  const buf = (): Float32Array => (pool ? pool.floats(MAXB) : new Float32Array(MAXB));
  const inputs = WIDTHS.map((w) => new SendInput(Array.from({ length: w }, buf), MAXB, pool));
  const sends = inputs.map((into, k) => {
    const s = new Send(SR, strip, into, pool);
    s.bindParams(bind, `/ch/1/send/${k}`);
    return s;
  });
  return { strip, inputs, sends, outL: buf(), outR: buf(), set, meters: new Float64Array(3) };
}

/** The reference (TypeScript) and the native side of one strip with its sends, fed the same. */
class Rig {
  readonly ref: Side;
  readonly nat: Side;
  readonly pool: FilterPool;
  readonly mix: MixBatch;

  constructor(nch: 1 | 2) {
    this.pool = new FilterPool(64 * MAXB, 4096);
    this.ref = side(nch);
    this.nat = side(nch, this.pool);
    this.mix = new MixBatch(this.pool, 16, kernel());
  }

  set(address: string, v: number): void {
    this.ref.set.get(address)!(v);
    this.nat.set.get(address)!(v);
  }

  /** The same samples into both sides' strip buffers and destinations (destinations start non-zero). */
  feed(r: () => number, frames: number, wild: boolean): void {
    const fill = (a: Float32Array, b: Float32Array, amp: number): void => {
      for (let i = 0; i < frames; i++) {
        let x = (r() * 2 - 1) * amp;
        if (wild) {
          const u = r();
          if (u < 0.01) x = NaN;
          else if (u < 0.02) x = Infinity;
          else if (u < 0.03) x = -Infinity;
          else if (u < 0.05) x = 1e-40; // subnormal in float
        }
        a[i] = x;
        b[i] = x;
      }
    };
    const { ref, nat } = this;
    for (let c = 0; c < ref.strip.nch; c++) fill(ref.strip.bufs[c]!, nat.strip.bufs[c]!, 1);
    for (let k = 0; k < ref.inputs.length; k++) {
      const a = ref.inputs[k]!, b = nat.inputs[k]!;
      for (let s = 0; s < a.sides.length; s++) fill(a.sides[s]!, b.sides[s]!, 0.3);
      fill(a.mono, b.mono, 0.3);
    }
    fill(ref.outL, nat.outL, 0.2);
    fill(ref.outR, nat.outR, 0.2);
  }

  block(frames: number, add: boolean): void {
    const { ref, nat, mix } = this;
    ref.strip.processPost(frames);
    Send.processAll(ref.sends, frames);
    ref.strip.panTo(ref.outL, ref.outR, frames, add);
    for (const i of ref.inputs) i.fold(frames);
    ref.strip.finishBlock(ref.meters, 0, 1, 2);

    mix.begin(frames);
    nat.strip.queuePost(mix, frames);
    mix.flush();
    nat.strip.meterPost(frames);
    Send.queueAll(nat.sends, mix, frames);
    nat.strip.queuePan(mix, this.pool.at32(nat.outL), this.pool.at32(nat.outR), frames, add);
    for (const i of nat.inputs) i.queueFold(mix);
    mix.flush();
    nat.strip.finishBlock(nat.meters, 0, 1, 2);
  }

  /** Every sample both sides wrote, compared with Object.is; throws naming the first difference. */
  compare(frames: number, what: string): void {
    const { ref, nat } = this;
    const pairs: Array<[string, Float32Array, Float32Array]> = [['outL', ref.outL, nat.outL], ['outR', ref.outR, nat.outR]];
    for (let c = 0; c < ref.strip.nch; c++) pairs.push([`post ${c}`, ref.strip.post[c]!, nat.strip.post[c]!]);
    ref.inputs.forEach((a, k) => {
      a.sides.forEach((s, j) => pairs.push([`send ${k} side ${j}`, s, nat.inputs[k]!.sides[j]!]));
      pairs.push([`send ${k} mono`, a.mono, nat.inputs[k]!.mono]);
    });
    for (const [name, a, b] of pairs) {
      for (let i = 0; i < frames && i < a.length; i++) {
        if (!Object.is(a[i], b[i])) throw new Error(`${what}: ${name}[${i}]: reference ${a[i]}, native ${b[i]}`);
      }
    }
    for (let m = 0; m < 3; m++) {
      if (!Object.is(ref.meters[m], nat.meters[m])) throw new Error(`${what}: meter ${m}: reference ${ref.meters[m]}, native ${nat.meters[m]}`);
    }
  }
}

/** Random moves: fader, pan, send levels (some closed), pre/post, mute; some blocks leave all steady. */
function move(rig: Rig, r: () => number): void {
  if (r() < 0.4) rig.set('/ch/1/fader', r() < 0.1 ? -Infinity : Math.round(-30 + r() * 40));
  if (r() < 0.4) rig.set('/ch/1/pan', r() < 0.2 ? Math.round(r() * 2 - 1) : r() * 2 - 1);
  if (r() < 0.1) rig.set('/ch/1/mute', r() < 0.5 ? 1 : 0);
  for (let k = 0; k < WIDTHS.length; k++) {
    if (r() < 0.3) rig.set(`/ch/1/send/${k}/level`, r() < 0.15 ? -Infinity : Math.round(-40 + r() * 46));
    if (r() < 0.15) rig.set(`/ch/1/send/${k}/pre`, r() < 0.5 ? 1 : 0);
  }
}

function run(nch: 1 | 2, seed: number, blocks: number, frameSizes: (b: number, r: () => number) => number, wild: boolean): void {
  eachIsa((isa) => {
    const rig = new Rig(nch);
    const r = rng(seed);
    for (let k = 0; k < WIDTHS.length; k++) rig.set(`/ch/1/send/${k}/level`, -6 - 3 * k);
    const calls = mixCalls[0]!;
    for (let b = 0; b < blocks; b++) {
      if (b % 3 === 0) move(rig, r);
      const frames = frameSizes(b, r);
      rig.feed(r, frames, wild);
      rig.block(frames, b % 2 === 0);
      rig.compare(frames, `${isa}, ${nch === 1 ? 'mono' : 'stereo'}, block ${b} (${frames} frames)`);
    }
    expect(mixCalls[0]! - calls).toBeGreaterThanOrEqual(blocks * 2);
  });
}

describe('native mix kernel', () => {
  it('the addon is built and exports the kernel (a missing addon fails, it does not skip)', () => {
    expect(nativeMixMissing()).toBeUndefined();
    expect(typeof kernel()).toBe('function');
  });

  for (const nch of [1, 2] as const) {
    it(`${nch === 1 ? 'mono' : 'stereo'} source: fader copy, meter, sends pre/post, pan and fold match, ramps crossing block edges, blocks of 1..1024`, () => {
      run(nch, 7 + nch, 300, (b, r) => (b < 12 ? [1, 2, 3, 4, 5, 7, 8, 127, 128, 129, 1023, 1024][b]! : 1 + Math.floor(r() * MAXB)), false);
    });
    it(`${nch === 1 ? 'mono' : 'stereo'} source: matches with NaN, ±Inf and subnormals in the signal`, () => {
      run(nch, 99 + nch, 120, (_b, r) => (r() < 0.5 ? 128 : 1 + Math.floor(r() * 300)), true);
    });
  }

  it('an addon with another job layout is not used: the TypeScript mixing runs and the reason is told', () => {
    const exports = dspKernels()!;
    const layout = exports.mixJobLayout;
    try {
      exports.mixJobLayout = 81208; // an addon that knows one op fewer
      expect(nativeMixJobs()).toBeUndefined();
      expect(nativeMixMissing()).toMatch(/mix jobs are laid out as 81208, this faderd writes 81209 \(rebuild/);
    } finally {
      exports.mixJobLayout = layout;
    }
    expect(nativeMixMissing()).toBeUndefined();
  });

  it('selects the AVX2 variant where the CPU has it, the portable one on request, and refuses other names', () => {
    const isa = dspKernels()!.mixIsa as IsaFn;
    const before = isa();
    try {
      expect(isa('portable')).toBe('portable');
      expect(isa('sse9')).toBe('portable');
      expect(() => isa(3 as unknown as string)).toThrow(TypeError);
    } finally {
      isa(before);
    }
  });

  describe('bounds', () => {
    const N = 64;
    /** Two valid jobs into f32 (copy 0→64, mono 0→128 with a ramp at 192), job 1 then corrupted. */
    function table(): { f32: Float32Array; jobs: Int32Array; params: Float64Array } {
      const f32 = new Float32Array(4 * N).fill(0.5);
      const jobs = new Int32Array(2 * 8);
      const params = new Float64Array(2 * 12).fill(2);
      jobs.set([OP_COPY, 0, -1, N, -1, -1, 0, 0], 0);
      jobs.set([OP_MONO, 0, -1, 2 * N, -1, 3 * N, 0, 0], 8);
      return { f32, jobs, params };
    }

    const bad: Array<[string, number, number]> = [
      ['op', 0, 0], ['op', 0, 99], ['a', 1, -1], ['a', 1, 4 * N - 10], ['c', 3, 4 * N], ['c', 3, -5],
      ['ramp', 5, 4 * N - 1], ['ramp', 5, -2],
    ];
    for (const [field, word, value] of bad) {
      it(`job 1 with ${field} = ${value}: TypeError naming job 1 and ${field}, and job 0 did not run`, () => {
        const { f32, jobs, params } = table();
        jobs[8 + word] = value;
        expect(() => kernel()(f32, jobs, params, 2, N)).toThrow(new RegExp(`^mixJobs: job 1: ${field} is out of range`));
        expect(f32.every((x) => x === 0.5)).toBe(true);
      });
    }

    it('checks the fields each op reads: stereo b and d, a pan\'s rampN and flags', () => {
      const { f32, jobs, params } = table();
      jobs.set([OP_STEREO, 0, 4 * N, N, 2 * N, -1, 0, 0], 8);
      expect(() => kernel()(f32, jobs, params, 2, N)).toThrow(/job 1: b is out of range/);
      jobs.set([OP_STEREO, 0, 0, N, 4 * N - 1, -1, 0, 0], 8);
      expect(() => kernel()(f32, jobs, params, 2, N)).toThrow(/job 1: d is out of range/);
      jobs.set([OP_PAN_MONO, 0, -1, N, 2 * N, -1, N + 1, 1], 8);
      expect(() => kernel()(f32, jobs, params, 2, N)).toThrow(/job 1: rampN is out of range/);
      jobs.set([OP_PAN_MONO, 0, -1, N, 2 * N, -1, 0, 4], 8);
      expect(() => kernel()(f32, jobs, params, 2, N)).toThrow(/job 1: flags is out of range/);
      jobs.set([OP_ADD2_RAMP, 0, 0, 2 * N, 3 * N, -1, 0, 0], 8);
      expect(() => kernel()(f32, jobs, params, 2, N)).toThrow(/job 1: ramp is out of range/); // a solo gate's ramp is required
      jobs.set([OP_PAN_MONO, 0, -1, 2 * N, 3 * N, -1, N, 3], 8);
      kernel()(f32, jobs, params, 2, N);
      expect(f32[N]).toBe(1); // job 0: the copy at k = 2
      expect(f32[2 * N]).toBe(0.5 + 0.5 * 4); // job 1, frame 0: 0.5 + 0.5 · (gl 2 + il 2)
    });

    it('rejects wrong arrays and counts: nJobs beyond either table, frames beyond f32', () => {
      const { f32, jobs, params } = table();
      const run = kernel();
      expect(() => run(f32, jobs, params, 3, N)).toThrow(/nJobs/);
      expect(() => run(f32, jobs, params.subarray(0, 12), 2, N)).toThrow(/nJobs/);
      expect(() => run(f32, jobs, params, 1.5, N)).toThrow(/nJobs/);
      expect(() => run(f32, jobs, params, 2, 4 * N + 1)).toThrow(/frames/);
      expect(() => run(new Float64Array(4) as unknown as Float32Array, jobs, params, 0, 0)).toThrow(/f32 must be a Float32Array/);
      expect(() => run(f32, new Float32Array(16) as unknown as Int32Array, params, 0, 0)).toThrow(/jobs must be an Int32Array/);
      expect(() => run(f32, jobs, new Float32Array(24) as unknown as Float64Array, 0, 0)).toThrow(/params must be a Float64Array/);
      expect(f32.every((x) => x === 0.5)).toBe(true);
    });
  });
});
