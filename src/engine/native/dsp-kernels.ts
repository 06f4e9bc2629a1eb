/**
 * Loads native/dsp-kernels, the addon with the fast versions of the hot DSP loops, for the modules
 * that wrap its functions. The TypeScript kernels are the reference and the fallback: without the
 * addon (not built, or a platform it does not build on) faderd runs them and sounds the same.
 *
 * FADERD_KERNELS=ts forces the TypeScript kernels (tests compare the two paths; the bench measures both).
 *
 * Node only: the web mixer's engine modules must never import this file.
 */
import { createRequire } from 'node:module';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

const ADDON = new URL('../../../native/dsp-kernels/build/Release/dsp-kernels.node', import.meta.url);

let loaded: Record<string, unknown> | Error | undefined;

function load(): Record<string, unknown> | Error {
  if (loaded === undefined) {
    const file = fileURLToPath(ADDON);
    if (!fs.existsSync(file)) loaded = new Error(`${file} is not built (run npm ci, or node scripts/build-native.mjs dsp-kernels)`);
    else {
      try {
        loaded = createRequire(import.meta.url)(file) as Record<string, unknown>;
      } catch (e) {
        loaded = new Error(`cannot load ${file}: ${(e as Error).message.split('\n')[0]}`);
      }
    }
  }
  return loaded;
}

/** The addon's exports, or undefined when it is missing or FADERD_KERNELS=ts. */
export function dspKernels(): Record<string, unknown> | undefined {
  if (process.env.FADERD_KERNELS === 'ts') return undefined;
  const a = load();
  return a instanceof Error ? undefined : a;
}

/** Why the addon is not in use, or undefined when it is (for `faderd doctor`-style reports and the bench). */
export function dspKernelsMissing(): string | undefined {
  if (process.env.FADERD_KERNELS === 'ts') return 'FADERD_KERNELS=ts';
  const a = load();
  return a instanceof Error ? a.message : undefined;
}
