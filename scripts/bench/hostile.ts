/**
 * Worst-case cost of one hostile OSC packet (issue #14), before and after: main-thread time the
 * native server spends on a single packet of each of the worst kinds found. "peer" is the former
 * code (a backtracking regex per pattern, an unbounded edit distance for "did you mean"), run here
 * on the same registry; patterns that would take minutes are run smaller and say so.
 *
 *   npx tsx scripts/bench/hostile.ts
 */
import { ParamRegistry } from '../../src/params/registry.ts';
import { ParamStore } from '../../src/params/store.ts';
import { defaultSession } from '../../src/params/session.ts';
import { NativeOscServer } from '../../src/servers/native-osc.ts';
import type { OscMessage } from '../../src/surfaces/osc/codec.ts';
import { escapeRegExp } from '../../src/util/regexp.ts';
import { setLogLevel } from '../../src/util/log.ts';
import { costRatio, fmt, progress, sectionMain, type Row } from './common.ts';

/** The former translation: `*` → `[^/]*` in a backtracking regex. */
function oldRegExp(pattern: string): RegExp {
  let re = '^';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += escapeRegExp(c);
  }
  return new RegExp(re + '$');
}

/** The former "did you mean": full edit distance against every address. */
function oldSuggest(word: string, candidates: readonly string[]): void {
  for (const c of candidates) {
    const dp = Array.from({ length: c.length + 1 }, (_, j) => j);
    for (let i = 1; i <= word.length; i++) {
      let prev = dp[0]!;
      dp[0] = i;
      for (let j = 1; j <= c.length; j++) {
        const tmp = dp[j]!;
        dp[j] = Math.min(dp[j]! + 1, dp[j - 1]! + 1, prev + (word[i - 1] === c[j - 1] ? 0 : 1));
        prev = tmp;
      }
    }
  }
}

/** Median main-thread ms of `fn` over `runs` runs (after one warm-up). */
function cost(fn: () => void, runs = 7): number {
  fn();
  const t: number[] = [];
  for (let k = 0; k < runs; k++) {
    const t0 = performance.now();
    fn();
    t.push(performance.now() - t0);
  }
  return t.sort((a, b) => a - b)[t.length >> 1]!;
}

async function measure(): Promise<Row[]> {
  setLogLevel('silent');
  const store = new ParamStore(ParamRegistry.fromSession(defaultSession()));
  const server = new NativeOscServer(store, { host: '127.0.0.1', port: 0 });
  const dispatch = server as unknown as { onPacket(peer: string, m: readonly OscMessage[]): void };
  const packet = (address: string, args: OscMessage['args'] = []) => () => dispatch.onPacket('10.0.0.9:9000', [{ address, args }]);
  const addresses = store.registry.defs.map((d) => d.address);
  const rows: Row[] = [];

  progress('a pattern of stars');
  const stars45 = '/' + '*'.repeat(45) + 'x';
  const after45 = cost(packet(stars45));
  const small = 12; // the old regex at 45 stars takes ~25 s; at 12 it is measurable
  const before12 = cost(() => {
    const re = oldRegExp('/' + '*'.repeat(small) + 'x');
    for (const a of addresses) re.test(a);
  }, 3);
  const after12 = cost(packet('/' + '*'.repeat(small) + 'x'));
  rows.push({ group: 'hostile', what: `one pattern query /${'*'.repeat(small)}x (${addresses.length} addresses)`, faderd: `${fmt(after12, 3)} ms`, peer: `${fmt(before12, 1)} ms`, ratio: costRatio(after12, before12), note: 'peer: former backtracking regex' });
  rows.push({ group: 'hostile', what: 'one pattern query /*x45 stars', faderd: `${fmt(after45, 3)} ms`, peer: '~25 s', note: 'peer not run: grows combinatorially with stars (issue #14)' });

  progress('a subscription to the same pattern, per meter batch');
  dispatch.onPacket('10.0.0.8:9000', [{ address: '/subscribe', args: [{ type: 's', value: stars45 }] }]);
  const meters = store.registry.defs.filter((d) => d.volatile && d.type === 'number' && !d.address.startsWith('/status/')).map((d) => [d.address, -20] as [string, number]);
  let flip = 0;
  const batch = cost(() => store.batch(meters.map(([a]) => [a, -20 - (flip++ % 2)]), 'engine', { internal: true }));
  rows.push({ group: 'hostile', what: `a meter batch (${meters.length} meters) to a /*x45 subscriber`, faderd: `${fmt(batch, 2)} ms`, note: 'former code: the 45-star regex per meter, every batch' });

  progress('a 64 KB unknown address');
  const long = '/' + 'q'.repeat(65_000);
  const afterLong = cost(packet(long));
  const beforeLong = cost(() => oldSuggest(long.slice(0, 8000), addresses), 1) * (65_000 / 8000);
  rows.push({ group: 'hostile', what: 'one 64 KB unknown address ("did you mean")', faderd: `${fmt(afterLong, 3)} ms`, peer: `${fmt(beforeLong, 0)} ms`, ratio: costRatio(afterLong, beforeLong), note: 'peer: former unbounded edit distance, measured on 8 KB and scaled' });

  progress('non-finite values');
  const inf = cost(packet('/master/fader', [{ type: 'f', value: Infinity }]));
  rows.push({ group: 'hostile', what: 'one /master/fader inf (refused)', faderd: `${fmt(inf, 3)} ms`, note: `fader stays at ${store.get('/master/fader')} dB (former code: +10 dB)` });

  await server.close().catch(() => undefined);
  return rows;
}

sectionMain(import.meta.url, measure);
