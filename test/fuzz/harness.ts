/**
 * The fuzz driver shared by the test suite (few inputs, fixed seeds) and `npm run fuzz` (many). A
 * target generates input i from a seeded PRNG and feeds it to the code under test; `feed` throws
 * only when a contract broke (an exception of the wrong kind escaped, a bad message came out), and
 * the driver records which input did it so the failure reproduces from (seed, index).
 *
 * Memory: live heap plus ArrayBuffers is measured after a forced GC once the target has warmed up
 * and again at the end; a decoder that keeps anything per input shows up as growth.
 */
import v8 from 'node:v8';
import vm from 'node:vm';
import { Rng } from './rng.ts';
import { knownIssue } from './known-issues.ts';

export interface FuzzTarget<T> {
  readonly name: string;
  generate(r: Rng, index: number): T;
  /** Feeds one input; throws when a contract broke. */
  feed(input: T, index: number): void;
  /** Final checks (the decoder still works, counters moved); throws when one fails. */
  finish?(): void;
}

export interface FuzzFailure {
  readonly index: number;
  readonly message: string;
}

export interface FuzzResult {
  readonly name: string;
  readonly seed: number;
  readonly inputs: number;
  readonly failures: readonly FuzzFailure[];
  /** Inputs that hit a known issue (see known-issues.ts), by issue id. */
  readonly known: Readonly<Record<string, number>>;
  /** Growth of heapUsed + arrayBuffers between the warm-up point and the end, after forced GCs. */
  readonly memoryGrowthBytes: number;
  readonly ms: number;
  /** The costliest single input: main-thread ms and its index (reported, never asserted in tests). */
  readonly worstInputMs: number;
  readonly worstIndex: number;
}

/** Most main-thread time one input may cost in the long run (`npm run fuzz` fails past it). */
export const MAX_INPUT_MS = 50;

let gcFn: (() => void) | undefined;

/** A forced full GC: `--expose-gc` when given, else enabled at run time. */
export function forceGc(): void {
  if (!gcFn) {
    const g = (globalThis as { gc?: () => void }).gc;
    if (g) gcFn = g;
    else {
      v8.setFlagsFromString('--expose-gc');
      gcFn = vm.runInNewContext('gc') as () => void;
    }
  }
  gcFn();
  gcFn();
}

export function liveBytes(): number {
  forceGc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

export interface FuzzRunOptions {
  readonly inputs: number;
  readonly seed: number;
  /** Stop after this many failures (the first ones say enough). Default 5. */
  readonly maxFailures?: number;
}

export function runFuzz<T>(target: FuzzTarget<T>, opts: FuzzRunOptions): FuzzResult {
  const r = new Rng(opts.seed);
  const failures: FuzzFailure[] = [];
  const known: Record<string, number> = {};
  const maxFailures = opts.maxFailures ?? 5;
  const warm = Math.min(Math.floor(opts.inputs / 10), 2000);
  const t0 = performance.now();
  let base = 0;
  let worstInputMs = 0;
  let worstIndex = -1;
  for (let i = 0; i < opts.inputs && failures.length < maxFailures; i++) {
    if (i === warm) base = liveBytes();
    const input = target.generate(r, i);
    const t = performance.now();
    try {
      target.feed(input, i);
    } catch (e) {
      const message = (e as Error).stack ?? String(e);
      const k = knownIssue(message);
      if (k) known[k.id] = (known[k.id] ?? 0) + 1;
      else failures.push({ index: i, message });
    } finally {
      let cost = performance.now() - t;
      // A slow input is fed again (up to 3 times) and its cheapest run counted: a GC pause or a busy
      // machine does not repeat, an input that is costly by itself does.
      for (let k = 0; k < 3 && cost > MAX_INPUT_MS / 2; k++) {
        const t2 = performance.now();
        try {
          target.feed(input, i);
        } catch {
          // Already recorded above.
        }
        cost = Math.min(cost, performance.now() - t2);
      }
      if (cost > worstInputMs) {
        worstInputMs = cost;
        worstIndex = i;
      }
    }
  }
  if (failures.length < maxFailures && target.finish) {
    try {
      target.finish();
    } catch (e) {
      failures.push({ index: -1, message: `final check: ${(e as Error).message}` });
    }
  }
  const growth = liveBytes() - base;
  return { name: target.name, seed: opts.seed, inputs: opts.inputs, failures, known, memoryGrowthBytes: growth, ms: performance.now() - t0, worstInputMs, worstIndex };
}

/** Bytes of growth tolerated: GC noise and lazily built caches, far below what keeping inputs costs. */
export const MEMORY_SLACK_BYTES = 2 * 1024 * 1024;

export function describeResult(res: FuzzResult): string {
  const head = `${res.name}: ${res.inputs} inputs (seed ${res.seed}) in ${(res.ms / 1000).toFixed(1)} s, memory ${(res.memoryGrowthBytes / 1024).toFixed(0)} KiB growth, worst input ${res.worstInputMs.toFixed(1)} ms (input ${res.worstIndex})`;
  const known = Object.entries(res.known).map(([id, n]) => `${id} x${n}`).join(', ');
  if (res.failures.length === 0) return head + (known ? `, ok apart from known issues: ${known}` : ', ok');
  return head + `, ${res.failures.length} failure(s):\n` + res.failures.map((f) => `  input ${f.index}: ${f.message.split('\n').slice(0, 6).join('\n    ')}`).join('\n');
}
