/**
 * The long fuzz run: every decoder (or one, with --target) fed --inputs inputs each from --seed.
 *
 *   npm run fuzz -- --inputs 100000            every target, 100,000 inputs each
 *   npm run fuzz -- --target osc-decode --seed 7 --inputs 5000   reproduce one failure
 *
 * Exits 1 when any target broke a contract or its memory grew past the bound.
 */
import { parseArgs } from 'node:util';
import { describeResult, MEMORY_SLACK_BYTES, runFuzz } from '../test/fuzz/harness.ts';
import { TARGETS } from '../test/fuzz/targets/index.ts';
import { KNOWN_ISSUES } from '../test/fuzz/known-issues.ts';
import { setLogLevel } from '../src/util/log.ts';

const { values } = parseArgs({
  options: {
    inputs: { type: 'string', default: '100000' },
    seed: { type: 'string', default: '1' },
    target: { type: 'string', multiple: true },
  },
});
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
  process.stdout.write(describeResult(res) + (overMemory ? ` (over the ${MEMORY_SLACK_BYTES / 1048576} MiB bound)` : '') + '\n');
  if (res.failures.length || overMemory) bad++;
  for (const k of Object.keys(res.known)) known.add(k);
}
for (const k of KNOWN_ISSUES.filter((x) => known.has(x.id))) process.stdout.write(`known issue ${k.id}: fix in ${k.fix}\n`);
process.stdout.write(bad ? `${bad} of ${names.length} targets failed\n` : `all ${names.length} targets passed\n`);
process.exitCode = bad ? 1 : 0;
