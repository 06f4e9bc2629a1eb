/**
 * The JACK bridge: faderd's own N-API addon (native/jack-bridge), built at install by
 * scripts/build-native.mjs. It loads libjack.so.0 at run time, so a machine without JACK has the
 * addon but no JACK backend, and says why.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** What openEngine/openTool return: the client's handle and what JACK runs at. */
export interface JackClientInfo {
  readonly handle: unknown;
  /** The name JACK gave the client (a suffix is added when the name is taken). */
  readonly name: string;
  readonly sampleRate: number;
  readonly bufferSize: number;
  /** Whether the server runs real-time, and so gives the client's process thread real-time priority itself. */
  readonly realtime: boolean;
}

/** What the engine client exchanges with the engine worker (see JackStream). */
export interface JackEngineSetup {
  readonly inputs: number;
  readonly outputs: number;
  /** Output blocks queued ahead of the device (0: the callback waits for the engine in the same cycle). */
  readonly prime: number;
  /** Int32Array views of the whole input ring, output ring and control words (SharedArrayBuffers). */
  readonly inRing: Int32Array;
  readonly outRing: Int32Array;
  readonly ctl: Int32Array;
  /** Runs on the opening thread's event loop after each JACK cycle (several cycles may share one call). */
  readonly onWake: () => void;
}

export const TOOL_MODE = { passthrough: 0, click: 1, ramp: 2 } as const;
export type ToolMode = keyof typeof TOOL_MODE;

export interface JackToolOptions {
  readonly name: string;
  readonly mode: (typeof TOOL_MODE)[ToolMode];
  readonly channels?: number;
  /** Click mode: frames between clicks (a click not back by then is lost). */
  readonly interval?: number;
  readonly level?: number;
  readonly threshold?: number;
}

/** Figures of a measuring client (see native/jack-bridge/src/tool_client.c). */
export interface JackToolStats {
  readonly cycles: number;
  readonly xruns: number;
  readonly sent: number;
  readonly heard: number;
  readonly lost: number;
  readonly delayLast: number;
  readonly delayMin: number;
  readonly delayMax: number;
  readonly samples: number;
  readonly silent: number;
  readonly jumps: number;
  readonly rampMin: number;
  readonly rampMax: number;
}

export const PORT_FLAGS = { input: 0x1, output: 0x2, physical: 0x4 } as const;

export interface JackBridge {
  available(): { ok: true; version: string } | { ok: false; reason: string };
  /** Opens faderd's client; its ports and rings come with setup(), once JACK's period is known. */
  openEngine(opts: { readonly name: string }): JackClientInfo;
  /** Registers the ports, binds the rings (sized to the client's bufferSize) and the wake-up callback. */
  setup(handle: unknown, opts: JackEngineSetup): void;
  openTool(opts: JackToolOptions): JackClientInfo;
  activate(handle: unknown): void;
  /** Connects two ports by full name; connecting what is already connected is fine. */
  connect(handle: unknown, source: string, destination: string): void;
  /** Audio ports whose name matches the regular expression (all when empty), with all the given flags. */
  ports(handle: unknown, pattern: string, flags: number): string[];
  /** A port's latency ranges in frames, or undefined when there is no such port. */
  portLatency(handle: unknown, port: string): { capture: [number, number]; playback: [number, number] } | undefined;
  /** Wakes the engine client's callback waiting for an output block (prime 0). */
  wake(handle: unknown): void;
  shutdownReason(handle: unknown): string;
  toolStats(handle: unknown): JackToolStats;
  /** The tool client's next cycle sleeps `ms` milliseconds: an xrun on demand. */
  toolStall(handle: unknown, ms: number): void;
  /** Stops JACK's threads for this client and closes it; later calls on the handle do nothing. */
  close(handle: unknown): void;
  /** Writes CLOCK_MONOTONIC in ms into out[index], allocating nothing (see src/engine/worker/clock.ts). */
  clock(out: Float64Array, index: number): void;
}

const ADDON = new URL('../../../native/jack-bridge/build/Release/jack-bridge.node', import.meta.url);

let addon: JackBridge | Error | undefined;
let cached: JackBridge | Error | undefined;

/** The addon itself, which loads without libjack (JACK is looked for when a client opens). */
function loadAddon(): JackBridge {
  if (addon === undefined) {
    const file = fileURLToPath(ADDON);
    if (process.platform !== 'linux') addon = new Error('the JACK backend is built for Linux only');
    else if (!fs.existsSync(file)) addon = new Error(`the JACK bridge is not built (${file} is missing): run npm ci, or node scripts/build-native.mjs`);
    else {
      try {
        addon = createRequire(import.meta.url)(file) as JackBridge;
      } catch (e) {
        addon = new Error(`the JACK bridge cannot be loaded: ${(e as Error).message.split('\n')[0]}`);
      }
    }
  }
  if (addon instanceof Error) throw addon;
  return addon;
}

/** Loads the addon once and checks libjack; throws an Error saying why when JACK cannot be used. */
export function loadJackBridge(): JackBridge {
  if (cached === undefined) {
    try {
      const bridge = loadAddon();
      const a = bridge.available();
      cached = a.ok ? bridge : new Error(a.reason);
    } catch (e) {
      cached = e as Error;
    }
  }
  if (cached instanceof Error) throw cached;
  return cached;
}

/** The addon's allocation-free clock, or undefined where the addon is not built. */
export function loadNativeClock(): JackBridge['clock'] | undefined {
  try {
    return loadAddon().clock;
  } catch {
    return undefined;
  }
}

/** Whether the JACK backend can be used here at all (not whether a server runs): undefined, or why not. */
export function jackUnavailable(): string | undefined {
  try {
    loadJackBridge();
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}
