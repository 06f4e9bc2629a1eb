/**
 * Offline render: the session's stems through the very engine the daemon runs, block by block, into
 * a stereo mix in memory. Initial params: registry defaults, then the session's `params`, then any
 * further layers (a state file, a scene), then overrides; all pushed into the engine before the first
 * block so nothing ramps in.
 *
 * Length: the longest stem, plus the fx tail (until the mix has been silent for a while, at most
 * `tailMs`). The master chain's latency (limiter look-ahead) is rendered past the end and cut from
 * the start, so the mix lines up with the stems sample for sample.
 */
import { sessionSource, type ChannelSpec, type Session } from '../../params/session.ts';
import { ParamRegistry, type ParamValue } from '../../params/registry.ts';
import { ParamStore } from '../../params/store.ts';
import { ConfigError, type SourceIssue } from '../../util/source-error.ts';
import { applyStoreToEngine, createEngine } from '../../engine/index.ts';
import { gainToDb } from '../../params/taper.ts';
import { loadStems, type NonFinitePolicy, type StemSet } from './stems.ts';

/** A layer of initial values: where they come from (for messages) and address → raw value. */
export interface ValueLayer {
  readonly source: string;
  readonly params: Readonly<Record<string, unknown>>;
}

export interface RenderOptions {
  /** Frames per engine block (default: the session's audio.blockSize). */
  readonly blockSize?: number;
  /** Applied in order after the session's params. */
  readonly layers?: readonly ValueLayer[];
  /** Applied last (e.g. the limiter forced off for destination exports). */
  readonly overrides?: Readonly<Record<string, ParamValue>>;
  /**
   * Cap on the fx tail after the last stem ends (default TAIL_CAP_MS). The render ends when the mix
   * has stayed below TAIL_END_DBFS for a while; only when the cap comes first is the tail cut, with a
   * TAIL_FADE_MS fade and a warning.
   */
  readonly tailMs?: number;
  /** Called now and then with the fraction done (0..1). */
  readonly onProgress?: (fraction: number) => void;
  /** NaN/Inf samples in a stem: refuse the render (default) or replace them with silence and warn. */
  readonly nonFinite?: NonFinitePolicy;
}

export interface RenderResult {
  readonly sampleRate: number;
  /** The session's own audio.sampleRate, which the stems' rate overrides. */
  readonly sessionSampleRate: number;
  readonly channels: [Float32Array, Float32Array];
  readonly frames: number;
  readonly stemFrames: number;
  readonly tailFrames: number;
  readonly latencyFrames: number;
  readonly stems: number;
  readonly peakDb: number;
  readonly timeMs: number;
  readonly warnings: readonly string[];
  /** The session's master limiter release (ms): deliveries' limiters use it (#19). */
  readonly limiterReleaseMs: number;
}

/** A render ends once every tail has decayed below this (-90 dBFS) ... */
export const TAIL_END_DBFS = -90;
const SILENCE = Math.pow(10, TAIL_END_DBFS / 20);
/** ... or at this cap after the stems end (a 5 s reverb decays by 60 dB in 5 s: 30 s is ample). */
export const TAIL_CAP_MS = 30_000;
/** A tail cut at the cap fades out over this instead of stopping dead. */
export const TAIL_FADE_MS = 50;

/** Checks a layer of values against the store: every bad entry is reported, none applied. */
function layerIssues(store: ParamStore, layer: ValueLayer, locate: (address: string) => { line: number; col: number }): SourceIssue[] {
  const issues: SourceIssue[] = [];
  for (const [address, raw] of Object.entries(layer.params)) {
    const at = locate(address);
    const def = store.registry.get(address);
    if (!def) {
      issues.push({ file: layer.source, ...at, message: `unknown param address ${address}` });
      continue;
    }
    if (def.readOnly || def.action) {
      issues.push({ file: layer.source, ...at, message: `${address} is read-only and can't be set here` });
      continue;
    }
    try {
      store.coerce(def, raw, { strict: true });
    } catch (e) {
      issues.push({ file: layer.source, ...at, message: (e as Error).message });
    }
  }
  return issues;
}

function sessionLocator(session: Session): (address: string) => { line: number; col: number } {
  const src = sessionSource(session);
  return (address) => (src ? src.positionOf(['params', address], true) : { line: 1, col: 1 });
}

/** The param store a render starts from: defaults, session params, layers, overrides. */
export function initialStore(session: Session, layers: readonly ValueLayer[] = [], overrides: Readonly<Record<string, ParamValue>> = {}): ParamStore {
  const store = new ParamStore(ParamRegistry.fromSession(session));
  const all: Array<{ layer: ValueLayer; locate: (a: string) => { line: number; col: number } }> = [
    { layer: { source: session.file ?? '<session>', params: session.params }, locate: sessionLocator(session) },
    ...layers.map((layer) => ({ layer, locate: () => ({ line: 1, col: 1 }) })),
  ];
  for (const { layer, locate } of all) {
    const issues = layerIssues(store, layer, locate);
    if (issues.length) throw new ConfigError(issues);
    store.batch(Object.entries(layer.params), layer.source === session.file ? 'session' : 'state');
  }
  store.batch(Object.entries(overrides), 'api');
  return store;
}

/** The session the engine sees offline: stems become interface inputs 1, 2, …; only the master is output. */
function offlineSession(session: Session, set: StemSet): Session {
  const byChannel = new Map(set.stems.map((s) => [s.channel, s]));
  let next = 1;
  const channels: ChannelSpec[] = session.channels.map((c, i) => {
    const base = { name: c.name, stereo: c.stereo };
    if (!byChannel.has(i)) return base;
    const input: number | [number, number] = c.stereo ? [next, next + 1] : next;
    next += c.stereo ? 2 : 1;
    return { ...base, input };
  });
  const buses = session.buses.map((b) => ({ name: b.name, stereo: b.stereo, master: b.master }));
  return { ...session, channels, buses, master: { output: [1, 2] }, audio: { ...session.audio, sampleRate: set.sampleRate, inputs: next - 1, outputs: 2 } };
}

/** Renders the session's stems to a stereo mix. Bad stems or params throw ConfigError. */
export function renderSession(session: Session, opts: RenderOptions = {}): RenderResult {
  const t0 = performance.now();
  const set = loadStems(session, { nonFinite: opts.nonFinite });
  try {
    return renderStems(session, set, opts, t0);
  } finally {
    set.close();
  }
}

function renderStems(session: Session, set: StemSet, opts: RenderOptions, t0: number): RenderResult {
  if (set.stems.length === 0) {
    throw new ConfigError([{ file: session.file ?? '<session>', line: 1, col: 1, message: 'no channel names a stem (channels[].file): nothing to render' }]);
  }
  const store = initialStore(session, opts.layers, opts.overrides);
  const block = opts.blockSize ?? session.audio.blockSize;
  const sr = set.sampleRate;
  const engine = createEngine(offlineSession(session, set), store.registry, { sampleRate: sr, maxBlock: block });
  applyStoreToEngine(store, engine);

  // Stems become the engine's inputs in order, one per strip side (as offlineSession numbers them).
  const stemInputs = set.stems.map((s) => Array.from({ length: s.source.width }, () => new Float32Array(block)));
  const inputs = stemInputs.flat();
  const outputs = [new Float32Array(block), new Float32Array(block)];
  const latency = engine.latencyFrames;
  const tailMax = Math.round(((opts.tailMs ?? TAIL_CAP_MS) * sr) / 1000);
  const silenceWindow = Math.round((silenceWindowMs(store) * sr) / 1000);
  const capacity = latency + set.frames + tailMax;
  const outL = new Float32Array(capacity);
  const outR = new Float32Array(capacity);
  const end = set.frames + latency;
  let pos = 0;
  let silentRun = 0;
  let lastReport = -1;
  while (pos < end || (pos - end < tailMax && silentRun < silenceWindow)) {
    const n = Math.min(block, capacity - pos);
    if (n <= 0) break;
    for (let k = 0; k < stemInputs.length; k++) set.stems[k]!.source.read(pos, n, stemInputs[k]!);
    engine.process(inputs, outputs, n);
    let blockPeak = 0;
    for (let i = 0; i < n; i++) {
      const l = outputs[0]![i]!;
      const r = outputs[1]![i]!;
      outL[pos + i] = l;
      outR[pos + i] = r;
      const a = Math.max(Math.abs(l), Math.abs(r));
      if (a > blockPeak) blockPeak = a;
    }
    pos += n;
    silentRun = pos > end && blockPeak < SILENCE ? silentRun + n : 0;
    if (opts.onProgress) {
      const pct = Math.min(100, Math.floor((100 * pos) / (end + tailMax)));
      if (pct !== lastReport) {
        lastReport = pct;
        opts.onProgress(pct / 100);
      }
    }
  }
  if (lastReport !== 100) opts.onProgress?.(1);
  const frames = pos - latency;
  const warnings: string[] = [];
  // Cut at the cap while still sounding: a short fade instead of a click, and say so.
  const cut = pos > end && silentRun < silenceWindow && tailMax > 0;
  if (cut) {
    let last = 0;
    for (let i = Math.max(end, pos - block); i < pos; i++) last = Math.max(last, Math.abs(outL[i]!), Math.abs(outR[i]!));
    const fade = Math.min(pos - end, Math.round((TAIL_FADE_MS * sr) / 1000));
    for (let k = 0; k < fade; k++) {
      const g = 0.5 * (1 + Math.cos((Math.PI * (k + 1)) / fade));
      outL[pos - fade + k]! *= g;
      outR[pos - fade + k]! *= g;
    }
    warnings.push(`the fx tail was still at ${gainToDb(last).toFixed(1)} dBFS when the ${((tailMax / sr) * 1000).toFixed(0)} ms tail cap was reached: faded out over ${((fade / sr) * 1000).toFixed(0)} ms (raise --tail to keep it)`);
  }
  // Views, not copies: a long mix would otherwise be held twice.
  const channels: [Float32Array, Float32Array] = [outL.subarray(latency, pos), outR.subarray(latency, pos)];
  let peak = 0;
  for (const ch of channels) for (let i = 0; i < ch.length; i++) peak = Math.max(peak, Math.abs(ch[i]!));
  return {
    sampleRate: sr,
    sessionSampleRate: session.audio.sampleRate,
    channels,
    frames,
    stemFrames: set.frames,
    tailFrames: frames - set.frames,
    latencyFrames: latency,
    stems: set.stems.length,
    peakDb: gainToDb(peak),
    timeMs: performance.now() - t0,
    limiterReleaseMs: Number(store.get('/master/limiter/release')),
    warnings: [
      ...(sr !== session.audio.sampleRate ? [`the stems are at ${sr} Hz: rendering at ${sr} Hz instead of the session's ${session.audio.sampleRate} Hz`] : []),
      ...set.warnings(),
      ...warnings,
    ],
  };
}

/**
 * How long the mix must stay silent before the tail ends: longer than the gap between delay repeats,
 * so a quiet stretch between echoes doesn't cut them off.
 */
function silenceWindowMs(store: ParamStore): number {
  let ms = 250;
  for (const [, value] of store.read('/fx/*/time')) {
    if (typeof value === 'number') ms = Math.max(ms, value + 100);
  }
  return ms;
}
