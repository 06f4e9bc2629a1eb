/**
 * Offline render: the session's stems through the very engine the daemon runs, block by block, into
 * a MixSink (a WAV file being written, a spool for deliveries, or memory for tests): memory does not
 * grow with the length of the stems. Initial params: registry defaults, then the session's `params`, then any
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
  /**
   * Called once the stems are open, before the first block: the render's rate and the stems' length
   * (a writer learns its rate, or refuses a length it cannot hold before any time is spent).
   */
  readonly onStart?: (sampleRate: number, stemFrames: number) => void;
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

/**
 * Where rendered audio goes, block by block and in order: `channels` hold `frames` frames from index
 * 0 and are reused after the call returns (copy what you keep).
 */
export type MixSink = (channels: readonly [Float32Array, Float32Array], frames: number) => void;

/** What a render did, without its audio (which went to a MixSink). */
export type RenderStats = Omit<RenderResult, 'channels'>;

/** Renders the session's stems to a stereo mix in memory. Bad stems or params throw ConfigError. */
export function renderSession(session: Session, opts: RenderOptions = {}): RenderResult {
  const parts: [Float32Array[], Float32Array[]] = [[], []];
  const stats = renderSessionTo(session, (chans, n) => {
    parts[0].push(chans[0].slice(0, n));
    parts[1].push(chans[1].slice(0, n));
  }, opts);
  const join = (list: Float32Array[]): Float32Array => {
    const out = new Float32Array(stats.frames);
    let at = 0;
    for (const p of list) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  };
  return { ...stats, channels: [join(parts[0]), join(parts[1])] };
}

/**
 * Renders the session's stems into `sink`, block by block: memory stays a few blocks whatever the
 * length. Bad stems or params throw ConfigError (before any audio reaches the sink, except for a
 * non-finite sample found midway, which the caller must treat as a failed render).
 */
export function renderSessionTo(session: Session, sink: MixSink, opts: RenderOptions = {}): RenderStats {
  const t0 = performance.now();
  const set = loadStems(session, { nonFinite: opts.nonFinite });
  try {
    const steps = renderSteps(session, set, opts, t0, sink);
    for (;;) {
      const r = steps.next();
      if (r.done) return r.value;
    }
  } finally {
    set.close();
  }
}

/** Thrown by renderSessionToAsync when `stop` asked it to stop (the reason, e.g. the signal's name). */
export class RenderStopped extends Error {
  constructor(readonly reason: string) {
    super(`render stopped (${reason})`);
    this.name = 'RenderStopped';
  }
}

/**
 * renderSessionTo, giving the event loop a turn every SLICE_BLOCKS blocks so a signal handler can
 * run during a long render (a synchronous render would defer Ctrl-C to its very end); `stop` is
 * asked at each turn and a reason from it ends the render with RenderStopped.
 */
export async function renderSessionToAsync(session: Session, sink: MixSink, opts: RenderOptions, stop: () => string | undefined): Promise<RenderStats> {
  const t0 = performance.now();
  const set = loadStems(session, { nonFinite: opts.nonFinite });
  try {
    const steps = renderSteps(session, set, opts, t0, sink);
    for (;;) {
      const r = steps.next();
      if (r.done) return r.value;
      await new Promise((resolve) => setImmediate(resolve));
      const why = stop();
      if (why !== undefined) throw new RenderStopped(why);
    }
  } finally {
    set.close();
  }
}

/** Engine blocks rendered between turns of the event loop (renderSessionToAsync). */
const SLICE_BLOCKS = 256;

/**
 * The last frames rendered, held back from the sink until the render ends: a tail cut at the cap
 * fades out over them, and the warning quotes the level of the last block. Holding `size` frames
 * (at least the fade and one engine block) keeps the output identical to fading a whole-file mix.
 */
class Holdback {
  private readonly buf: [Float32Array, Float32Array];
  private len = 0;
  peak = 0;

  /** Holds `size` frames, and passes older ones on in runs of up to `run` (so they are moved rarely). */
  constructor(
    private readonly size: number,
    block: number,
    private readonly sink: MixSink,
  ) {
    const run = Math.max(block, 8192);
    this.buf = [new Float32Array(size + run), new Float32Array(size + run)];
  }

  /** Appends frames [from, to) of the engine's outputs, first passing on what is older than `size`. */
  push(l: Float32Array, r: Float32Array, from: number, to: number): void {
    const n = to - from;
    if (n <= 0) return;
    if (this.len + n > this.buf[0].length) this.emit(this.len - this.size);
    const [bl, br] = this.buf;
    for (let i = 0, at = this.len; i < n; i++, at++) {
      bl[at] = l[from + i]!;
      br[at] = r[from + i]!;
    }
    this.len += n;
  }

  /** The held frame `back` frames before the end (1 = the last), per channel. */
  at(channel: 0 | 1, back: number): number {
    return this.buf[channel][this.len - back]!;
  }

  scale(back: number, g: number): void {
    this.buf[0][this.len - back]! *= g;
    this.buf[1][this.len - back]! *= g;
  }

  flush(): void {
    this.emit(this.len);
  }

  private emit(n: number): void {
    const [l, r] = this.buf;
    let peak = this.peak;
    for (let i = 0; i < n; i++) {
      const a = Math.abs(l[i]!);
      const b = Math.abs(r[i]!);
      if (a > peak) peak = a;
      if (b > peak) peak = b;
    }
    this.peak = peak;
    this.sink(this.buf, n);
    l.copyWithin(0, n, this.len);
    r.copyWithin(0, n, this.len);
    this.len -= n;
  }
}

/** The render, yielding every SLICE_BLOCKS engine blocks; returns its figures at the end. */
function* renderSteps(session: Session, set: StemSet, opts: RenderOptions, t0: number, sink: MixSink): Generator<void, RenderStats, void> {
  if (set.stems.length === 0) {
    throw new ConfigError([{ file: session.file ?? '<session>', line: 1, col: 1, message: 'no channel names a stem (channels[].file): nothing to render' }]);
  }
  const store = initialStore(session, opts.layers, opts.overrides);
  const block = opts.blockSize ?? session.audio.blockSize;
  const sr = set.sampleRate;
  opts.onStart?.(sr, set.frames);
  // No meters: nothing reads them in a render (the report's peak and loudness are the file's own).
  const engine = createEngine(offlineSession(session, set), store.registry, { sampleRate: sr, maxBlock: block, metering: false });
  applyStoreToEngine(store, engine);

  // Stems become the engine's inputs in order, one per strip side (as offlineSession numbers them).
  const stemInputs = set.stems.map((s) => Array.from({ length: s.source.width }, () => new Float32Array(block)));
  const inputs = stemInputs.flat();
  const outL = new Float32Array(block);
  const outR = new Float32Array(block);
  const outputs = [outL, outR];
  const latency = engine.latencyFrames;
  const tailMax = Math.round(((opts.tailMs ?? TAIL_CAP_MS) * sr) / 1000);
  const silenceWindow = Math.round((silenceWindowMs(store) * sr) / 1000);
  const fadeMax = Math.round((TAIL_FADE_MS * sr) / 1000);
  const hold = new Holdback(Math.max(fadeMax, block), block, sink);
  const capacity = latency + set.frames + tailMax;
  const end = set.frames + latency;
  let pos = 0;
  let silentRun = 0;
  let lastReport = -1;
  let blocks = 0;
  while (pos < end || (pos - end < tailMax && silentRun < silenceWindow)) {
    const n = Math.min(block, capacity - pos);
    if (n <= 0) break;
    if (++blocks % SLICE_BLOCKS === 0) yield;
    for (let k = 0, at = 0; k < stemInputs.length; at += stemInputs[k]!.length, k++) set.stems[k]!.source.readInto(pos, n, block, stemInputs[k]!, inputs, at);
    engine.process(inputs, outputs, n);
    let blockPeak = 0;
    for (let i = 0; i < n; i++) {
      const a = Math.max(Math.abs(outL[i]!), Math.abs(outR[i]!));
      if (a > blockPeak) blockPeak = a;
    }
    // The master chain's latency is rendered past the end and cut from the start.
    hold.push(outL, outR, Math.max(0, latency - pos), n);
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
    for (let i = Math.max(end, pos - block); i < pos; i++) last = Math.max(last, Math.abs(hold.at(0, pos - i)), Math.abs(hold.at(1, pos - i)));
    const fade = Math.min(pos - end, fadeMax);
    for (let k = 0; k < fade; k++) hold.scale(fade - k, 0.5 * (1 + Math.cos((Math.PI * (k + 1)) / fade)));
    warnings.push(`the fx tail was still at ${gainToDb(last).toFixed(1)} dBFS when the ${((tailMax / sr) * 1000).toFixed(0)} ms tail cap was reached: faded out over ${((fade / sr) * 1000).toFixed(0)} ms (raise --tail to keep it)`);
  }
  hold.flush();
  return {
    sampleRate: sr,
    sessionSampleRate: session.audio.sampleRate,
    frames,
    stemFrames: set.frames,
    tailFrames: frames - set.frames,
    latencyFrames: latency,
    stems: set.stems.length,
    peakDb: gainToDb(hold.peak),
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
