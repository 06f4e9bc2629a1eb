/**
 * The long fuzz run: every decoder (or one, with --target) fed --inputs inputs each from --seed.
 *
 *   npm run fuzz -- --inputs 100000            every target, 100,000 inputs each
 *   npm run fuzz -- --target osc-decode --seed 7 --inputs 5000   reproduce one failure
 *   npm run fuzz -- --help
 *
 * Exits 1 when any target broke a contract, its memory grew past the bound, or one input cost more
 * than 50 ms of main-thread time.
 */
import { parseArgs } from 'node:util';
import { describeResult, MAX_INPUT_MS, MEMORY_SLACK_BYTES, runFuzz } from '../test/fuzz/harness.ts';
import { TARGETS } from '../test/fuzz/targets/index.ts';
import { KNOWN_ISSUES } from '../test/fuzz/known-issues.ts';
import { setLogLevel } from '../src/util/log.ts';

const USAGE = `Usage: npm run fuzz -- [--inputs N] [--seed S] [--target NAME]...

Feeds every fuzz target (or the ones named) N generated inputs from seed S and checks that no
error escapes, memory stays bounded, and no single input costs more than ${MAX_INPUT_MS} ms of
main-thread time (the worst input's cost is reported per target).

  --inputs N     inputs per target (default 100000)
  --seed S       seed of the input generator (default 1); a failure names its seed and input
  --target NAME  run only this target (repeatable)
  -h, --help     print this help

Targets: ${Object.keys(TARGETS).join(', ')}
`;

let values: { inputs?: string; seed?: string; target?: string[]; help?: boolean };
try {
  ({ values } = parseArgs({
    options: {
      inputs: { type: 'string', default: '100000' },
      seed: { type: 'string', default: '1' },
      target: { type: 'string', multiple: true },
      help: { type: 'boolean', short: 'h' },
    },
  }));
} catch (e) {
  process.stderr.write(`fuzz: ${(e as Error).message}\n\n${USAGE}`);
  process.exit(2);
}
if (values.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}
const inputs = Number(values.inputs);
const seed = Number(values.seed);
if (!Number.isInteger(inputs) || inputs < 1 || !Number.isInteger(seed)) {
  process.stderr.write('fuzz: --inputs must be a positive integer and --seed an integer\n');
  process.exit(2);
}
const names = values.target ?? Object.keys(TARGETS);
for (const n of names) {
  if (!TARGETS[n]) {
    process.stderr.write(`fuzz: unknown target ${n} (have: ${Object.keys(TARGETS).join(', ')})\n`);
    process.exit(2);
  }
}
// Bad input is logged (rate-limited) by design; the run's own report is what matters here.
setLogLevel('silent');
process.removeAllListeners('warning');

let bad = 0;
const known = new Set<string>();
for (const n of names) {
  const res = runFuzz(TARGETS[n]!(), { inputs, seed });
  const overMemory = res.memoryGrowthBytes > MEMORY_SLACK_BYTES;
  const overTime = res.worstInputMs > MAX_INPUT_MS;
  process.stdout.write(describeResult(res) + (overMemory ? ` (over the ${MEMORY_SLACK_BYTES / 1048576} MiB bound)` : '') + (overTime ? ` (one input over ${MAX_INPUT_MS} ms)` : '') + '\n');
  if (res.failures.length || overMemory || overTime) bad++;
  for (const k of Object.keys(res.known)) known.add(k);
}
for (const k of KNOWN_ISSUES.filter((x) => known.has(x.id))) process.stdout.write(`known issue ${k.id}: fix in ${k.fix}\n`);
process.stdout.write(bad ? `${bad} of ${names.length} targets failed\n` : `all ${names.length} targets passed\n`);
process.exitCode = bad ? 1 : 0;
