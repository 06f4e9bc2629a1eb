/**
 * Measuring allocation on the audio path: the bytes a block function leaves in V8's young
 * generation, once warm. Used by the allocation tests, which run it in a child process of their own
 * (whether a double gets boxed depends on how V8 compiled the code, which depends on everything the
 * process ran before).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import vm from 'node:vm';

/** What the measuring itself shows (~2 KB) with room to spare: the bound the allocation tests use. */
export const CLEAN_BYTES = 4 * 1024;

let gc: (() => void) | undefined;

function youngBytes(): number {
  for (const s of v8.getHeapSpaceStatistics()) if (s.space_name === 'new_space') return s.space_used_size;
  return 0;
}

/**
 * Young-generation bytes allocated by `blocks` blocks, in the best of `windows` windows (fewer once one
 * shows under `enough`, the measuring's own ~2 KB; up to three times as many while none does): the first ones may still run code the
 * optimizing compiler has not finished (which boxes everything); boxing in optimized code shows in
 * every window. Infinity when a collection emptied the space.
 */
export function steadyAllocation(block: () => void, blocks: number, windows: number, enough = CLEAN_BYTES): number {
  if (!gc) {
    v8.setFlagsFromString('--expose-gc');
    gc = vm.runInNewContext('gc') as () => void;
  }
  let best = Infinity;
  // Up to three times `windows` while none is clean: on a loaded machine the background compiler may
  // finish a job inside a window and leave a few KB there; a per-block allocation shows in every window.
  for (let w = 0; w < 3 * windows && best >= enough; w++) {
    gc();
    const before = youngBytes();
    for (let i = 0; i < blocks; i++) block();
    const after = youngBytes();
    if (after >= before) best = Math.min(best, after - before);
  }
  return best;
}

/**
 * Runs a test file as its own allocation probe: `node [nodeFlags] --import tsx FILE FLAG`, which
 * prints one JSON object per line, each with a `name`; resolves with them by name.
 */
export function runAllocProbe<T extends { readonly name: string }>(
  fileUrl: string,
  flag: string,
  opts: { readonly nodeFlags?: readonly string[]; readonly env?: NodeJS.ProcessEnv } = {},
): Promise<Map<string, T>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...(opts.nodeFlags ?? []), '--import', 'tsx', fileURLToPath(fileUrl), flag], { stdio: ['ignore', 'pipe', 'pipe'], env: opts.env ?? process.env });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`allocation probe exited with ${code}: ${err}`));
      // Native modules may print to stdout too (naudiodon does): results are the lines of JSON objects.
      const results = out.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as T);
      resolve(new Map(results.map((r) => [r.name, r])));
    });
  });
}
