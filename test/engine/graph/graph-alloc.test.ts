import v8 from 'node:v8';
import { beforeAll, describe, expect, it } from 'vitest';
import { ParamRegistry, type ParamValue } from '../../../src/params/registry.ts';
import { createEngine } from '../../../src/engine/index.ts';
import { everyStageOn, fullMixSession, setParams } from '../../helpers/full-mix.ts';
import { CLEAN_BYTES, runAllocProbe, steadyAllocation } from '../../helpers/young-alloc.ts';

/**
 * The measuring runs in a child process that this file starts on itself (`--alloc-probe`), under tsx
 * like the daemon: whether a double gets boxed on the heap depends on how V8 compiled the code, and
 * that depends on everything the process ran before and on how the modules were loaded (real ES modules
 * read an exported constant from its module cell; vitest's module runner does not, and a boxing that
 * showed under tsx did not show here). The child gives the inliner a small budget, so the engine's code
 * must not lean on inlining to stay allocation-free (in a large session graph.process() exhausts the
 * budget and its calls stay calls): a double passed to or returned from a call that is not inlined is
 * boxed, once per call.
 *
 * Every strip stage is on, saturation included, and so is every stage of the master chain: EQ and
 * tilt, glue compressor, width with mono bass, drive, exciter, the loudness rider (riding), the limiter
 * (limiting), noise-shaped dither, and the loudness and true-peak meters with their gated readings.
 */
const PROBE_FLAG = '--alloc-probe';
const SIZES = [8, 24, 1];
/** Fed nothing but silence: the loudness meters' gated readings find empty histograms and stay cold. */
const SILENT = 'silent';
const METERS = ['gr', 'autogain', 'integrated', 'lra', 'truepeak'] as const;
/**
 * Strip EQ bands (one gliding out to a wire and back) and an HPF moved every 10 blocks: the filters
 * spend 8 of every 10 blocks gliding.
 */
const GLIDING = 'gliding';
const MOVES: ReadonlyArray<readonly [string, number, number]> = [['/ch/1/eq/2/gain', -15, 6], ['/ch/1/eq/3/gain', 0, 9], ['/ch/2/hpf/freq', 40, 300]];

const SR = 48000;
const BLOCK = 128;

/** Every strip stage working (saturation driven harder), every send open (pre and post), a solo in force, every master stage on. */
function params(channels: number): Record<string, ParamValue> {
  const p = everyStageOn(channels, 4);
  for (const strip of Object.keys(p).filter((a) => a.endsWith('/sat/on'))) p[strip.replace(/on$/, 'drive')] = 9;
  return {
    ...p,
    '/ch/1/solo': true,
    '/master/eq/2/gain': 3, '/master/eq/tilt': 2, '/master/comp/on': true, '/master/comp/threshold': -30,
    '/master/width': 130, '/master/monobass': true, '/master/drive': 4, '/master/exciter': 40,
    '/master/fader': 10, '/master/limiter/ceiling': -12, '/master/loudness/auto': true, '/master/loudness/target': -14,
    '/master/dither/on': true, '/master/dither/bits': '16', '/master/dither/shaping': true,
  };
}

interface Rig {
  readonly block: () => void;
  /** A master meter's current reading. */
  readonly meter: (address: string) => number;
}

/** One engine's block function: 40 blocks of tone and noise, then 10 of silence (gates close, reopen). */
function rig(channels: number, silent = false, gliding = false): Rig {
  const s = fullMixSession(channels);
  const registry = ParamRegistry.fromSession(s);
  const engine = createEngine(s, registry, { sampleRate: SR, maxBlock: BLOCK });
  setParams(engine, registry, params(channels));
  const inputs = Array.from({ length: engine.inputChannels }, (_, k) =>
    Float32Array.from({ length: BLOCK }, (_, i) => 0.3 * Math.sin((2 * Math.PI * (110 + 37 * k) * i) / SR) + 0.1 * Math.sin(i * (1.3 + k))),
  );
  const quiet = inputs.map(() => new Float32Array(BLOCK));
  const outputs = Array.from({ length: engine.outputChannels }, () => new Float32Array(BLOCK));
  let b = 0;
  // Engine values (small integers: no boxing on the way in), by param index.
  const moves = (gliding ? MOVES : []).map(([address, lo, hi]) => [registry.get(address)!.index, lo, hi] as const);
  return {
    block: () => {
      if (gliding && b % 10 === 0) {
        const up = (b / 10) % 2 === 0;
        for (const [index, lo, hi] of moves) engine.setParam(index, up ? hi : lo);
      }
      engine.process(!silent && b++ % 50 < 40 ? inputs : quiet, outputs, BLOCK);
    },
    meter: (address) => engine.meters[registry.get(address)!.index]!,
  };
}

interface ProbeResult {
  readonly name: string;
  /** Young-generation bytes allocated by 2000 warm blocks (20,000 for the silent rig; best window). */
  readonly bytes: number;
  readonly meters: Record<(typeof METERS)[number], number>;
}

/** The child's side: every rig built up front, run in this order, so each runs with the others' feedback in place. */
function probe(): void {
  v8.setFlagsFromString('--max-inlined-bytecode-size-cumulative=100');
  // Silence first: once programme has run, the gated walks are optimized for every meter.
  const rigs = [[SILENT, rig(2, true)] as const, ...SIZES.map((n) => [String(n), rig(n)] as const), [GLIDING, rig(8, false, true)] as const];
  for (const [name, { block, meter }] of rigs) {
    // The gliding rig's setters run 3 times in 10 blocks: until V8 optimizes them (after a thousand
    // calls or so) they read their value (ParamCell) in its interpreter, which boxes it.
    const warm = name === GLIDING ? 30000 : 3000;
    for (let i = 0; i < warm; i++) block();
    const meters = Object.fromEntries(METERS.map((m) => [m, meter(`/master/meter/${m}`)]));
    // Silent blocks are cheap, and what could allocate there runs only 10 times a second: many more.
    const bytes = steadyAllocation(block, name === SILENT ? 20000 : 2000, 6);
    process.stdout.write(`${JSON.stringify({ name, bytes, meters, gl: (globalThis as any).GL })}\n`);
  }
}

if (process.argv.includes(PROBE_FLAG)) {
  probe();
} else {
  describe('engine graph and master chain, every stage on, several sizes in one process (tsx, small inlining budget)', () => {
    let results: Map<string, ProbeResult>;
    beforeAll(async () => {
      results = await runAllocProbe<ProbeResult>(import.meta.url, PROBE_FLAG);
    }, 120_000);

    for (const n of SIZES) {
      it(`${n} channel(s): no allocation per block once warm`, () => {
        const r = results.get(String(n))!;
        // The master stages whose full code runs only while they work are working: the rider riding,
        // compressor and limiter reducing (the true peak held at the -12 dBTP ceiling), gated readings.
        expect(Math.abs(r.meters.autogain)).toBeGreaterThan(0.5);
        expect(r.meters.gr).toBeGreaterThan(3);
        expect(r.meters.truepeak).toBeGreaterThan(-12.5);
        expect(r.meters.truepeak).toBeLessThanOrEqual(-11.9);
        expect(r.meters.integrated).toBeGreaterThan(-70);
        expect(r.meters.lra).toBeGreaterThan(0);
        // One boxed double per block would be ≥ 24 KB in 2000 blocks.
        expect(r.bytes).toBeLessThan(CLEAN_BYTES);
      });
    }

    it('filters gliding (strip EQ and HPF moved every 10 blocks): no allocation per block', () => {
      expect(results.get(GLIDING)!.bytes).toBeLessThan(CLEAN_BYTES);
    });

    it('silence from the start, every stage on: no allocation per block', () => {
      const r = results.get(SILENT)!;
      expect(r.meters.integrated).toBeNull(); // −Infinity, as JSON writes it
      // One 16-byte box per gated refresh (every 100 ms) would be ≥ 8.5 KB in 20,000 blocks.
      expect(r.bytes).toBeLessThan(CLEAN_BYTES);
    });
  });
}
