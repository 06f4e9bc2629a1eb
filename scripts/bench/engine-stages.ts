/**
 * What the strips' filter stages cost, with the native kernels and with the TypeScript reference
 * (FADERD_KERNELS=ts), side by side: the full-mix engine (every strip stage on, as engine-cost.ts) at
 * N channels, and the same with the HPF off or the EQ off everywhere; a stage's cost is the
 * difference. Each rig is measured several times, alternating, keeping the cheapest run (a shared
 * machine's bursts of load then land in neither side).
 *
 *   npx tsx scripts/bench/engine-stages.ts [channels=64] [seconds=2] [rounds=3]
 */
import { ParamRegistry, type ParamValue } from '../../src/params/registry.ts';
import { createEngine } from '../../src/engine/index.ts';
import { everyStageOn, fullMixSession, setParams } from '../../test/helpers/full-mix.ts';
import { nativeBiquadMissing } from '../../src/engine/native/biquad-batch.ts';

const SR = 48000;
const BLOCK = 128;
const BLOCK_MS = (BLOCK * 1000) / SR;

const MASTER_FULL: Record<string, ParamValue> = {
  '/master/comp/on': true, '/master/eq/1/gain': 1, '/master/eq/3/gain': -1, '/master/eq/tilt': 1, '/master/width': 120,
  '/master/drive': 2, '/master/exciter': 20, '/master/limiter/on': true, '/master/loudness/auto': true, '/master/dither/on': true,
};

type Kernels = 'native' | 'ts';
type Variant = 'all' | 'no HPF' | 'no EQ';

function rig(n: number, kernels: Kernels, variant: Variant): (seconds: number) => number {
  if (kernels === 'ts') process.env.FADERD_KERNELS = 'ts';
  else delete process.env.FADERD_KERNELS;
  const session = fullMixSession(n);
  const registry = ParamRegistry.fromSession(session);
  const engine = createEngine(session, registry, { sampleRate: SR, maxBlock: BLOCK });
  delete process.env.FADERD_KERNELS;
  const p = { ...MASTER_FULL, ...everyStageOn(n, 4) };
  for (const a of Object.keys(p)) {
    if (variant === 'no HPF' && a.endsWith('/hpf/on')) p[a] = false;
    if (variant === 'no EQ' && a.endsWith('/eq/on')) p[a] = false;
  }
  setParams(engine, registry, p);
  const inputs = Array.from({ length: engine.inputChannels }, (_, k) => Float32Array.from({ length: BLOCK }, (_, i) => 0.3 * Math.sin((2 * Math.PI * (110 + 37 * k) * i) / SR) + 0.1 * (Math.random() * 2 - 1)));
  const quiet = inputs.map(() => new Float32Array(BLOCK));
  const outputs = Array.from({ length: engine.outputChannels }, () => new Float32Array(BLOCK));
  let b = 0;
  const step = (): void => engine.process(b++ % 50 < 40 ? inputs : quiet, outputs, BLOCK);
  for (let i = 0; i < Math.round(SR / BLOCK); i++) step();
  /** % of one core over `seconds` of audio. */
  return (seconds) => {
    const blocks = Math.round((seconds * SR) / BLOCK);
    const cpu0 = process.cpuUsage();
    for (let i = 0; i < blocks; i++) step();
    const cpu = process.cpuUsage(cpu0);
    return (100 * (cpu.user + cpu.system)) / 1000 / (blocks * BLOCK_MS);
  };
}

const [n = 64, seconds = 2, rounds = 3] = process.argv.slice(2).map(Number);
const missing = nativeBiquadMissing();
if (missing) console.log(`note: native kernels not in use (${missing}): both columns run the TypeScript kernels`);
const kernels: Kernels[] = ['native', 'ts'];
const variants: Variant[] = ['all', 'no HPF', 'no EQ'];
const rigs = kernels.flatMap((k) => variants.map((v) => ({ k, v, measure: rig(n, k, v), best: Infinity })));
for (let r = 0; r < rounds; r++) for (const x of rigs) x.best = Math.min(x.best, x.measure(seconds));
const get = (k: Kernels, v: Variant): number => rigs.find((x) => x.k === k && x.v === v)!.best;
console.log(`engine, ${n} ch full mix, ${BLOCK}-frame blocks @${SR / 1000}k: % of one core (best of ${rounds} × ${seconds} s)`);
console.log('                     native      ts');
const row = (label: string, f: (k: Kernels) => number): void => console.log(`${label.padEnd(18)}${f('native').toFixed(2).padStart(9)}${f('ts').toFixed(2).padStart(8)}`);
row('engine', (k) => get(k, 'all'));
row('HPF stage', (k) => get(k, 'all') - get(k, 'no HPF'));
row('EQ stage', (k) => get(k, 'all') - get(k, 'no EQ'));
