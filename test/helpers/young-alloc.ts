/**
 * Measuring allocation on the audio path: the bytes a block function leaves in V8's young
 * generation, once warm. Used by the allocation tests, which run it in a child process of their own
 * (whether a double gets boxed depends on how V8 compiled the code, which depends on everything the
 * process ran before).
 */
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
 * Young-generation bytes allocated by `blocks` blocks, in the best of up to `windows` windows (fewer
 * once one shows under `enough`, the measuring's own ~2 KB): the first ones may still run code the
 * optimizing compiler has not finished (which boxes everything); boxing in optimized code shows in
 * every window. Infinity when a collection emptied the space.
 */
export function steadyAllocation(block: () => void, blocks: number, windows: number, enough = CLEAN_BYTES): number {
  if (!gc) {
    v8.setFlagsFromString('--expose-gc');
    gc = vm.runInNewContext('gc') as () => void;
  }
  let best = Infinity;
  for (let w = 0; w < windows && best >= enough; w++) {
    gc();
    const before = youngBytes();
    for (let i = 0; i < blocks; i++) block();
    const after = youngBytes();
    if (after >= before) best = Math.min(best, after - before);
  }
  return best;
}
