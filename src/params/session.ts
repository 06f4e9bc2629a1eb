/**
 * Sessions: what the mixer has (channels, buses, fx returns, master), how audio is clocked, which
 * listeners and mapping files are active, and optional initial param values. YAML on disk; every
 * error names file:line:col.
 */
import net from 'node:net';
import path from 'node:path';
import { z } from 'zod';
import { PaceOnlySchema, PacingSchema, type PacingSetting } from '../surfaces/pacing.ts';
import { readSourceText, YamlSource } from '../util/yaml-source.ts';
import { ConfigError, type SourceIssue } from '../util/source-error.ts';
import { addressMatcher, isLoopback, listenerIssues, listenerWarnings } from '../surfaces/osc/access.ts';
import { LATENCY_MODES, MAX_PRIME_BLOCKS, type LatencyMode } from '../audio/latency.ts';

/** Names show on scribble strips: printable text only. */
const Name = z
  .string()
  .max(32)
  // eslint-disable-next-line no-control-regex
  .refine((v) => !/[\u0000-\u001f\u007f]/.test(v), 'names cannot contain control characters');

const inputRef = z.union([z.number().int().min(1).max(256), z.tuple([z.number().int().min(1).max(256), z.number().int().min(1).max(256)])]);

const ChannelSchema = z.strictObject({
  name: Name.optional(),
  stereo: z.boolean().optional(),
  /** Interface input(s) that feed this strip: 1-based; a pair for a stereo channel. */
  input: inputRef.optional(),
  /** WAV stem that feeds this strip in `faderd render`, relative to the session file. */
  file: z.string().min(1).optional(),
});

const BusSchema = z.strictObject({
  name: Name.optional(),
  stereo: z.boolean().optional(),
  /** Interface outputs this bus plays on (monitor mixes), 1-based. */
  output: inputRef.optional(),
  /** Whether the bus also sums into the master (a subgroup) rather than only feeding its output. */
  master: z.boolean().optional(),
});

const FxSchema = z.strictObject({
  name: Name.optional(),
  type: z.enum(['reverb', 'delay']),
});

const AudioSchema = z.strictObject({
  /** auto: JACK when a JACK server runs, else PortAudio (naudiodon), else the null clock. */
  backend: z.enum(['auto', 'jack', 'portaudio', 'null']).optional(),
  /** Device name pattern (case-insensitive substring or /regex/) or numeric device id. */
  device: z.union([z.string().min(1), z.number().int().min(0)]).optional(),
  sampleRate: z.union([z.literal(44100), z.literal(48000), z.literal(88200), z.literal(96000)]).optional(),
  blockSize: z.number().int().min(64).max(1024).optional(),
  inputs: z.number().int().min(0).max(128).optional(),
  outputs: z.number().int().min(1).max(128).optional(),
  /** Feed a generated demo multitrack even when a real interface is used. */
  demo: z.boolean().optional(),
  /** How much faderd buffers ahead of the device (src/audio/latency.ts): low or safe (default). */
  latency: z.enum(LATENCY_MODES).optional(),
  /** Output blocks queued ahead of the device, outright (overrides latency). */
  primeBlocks: z.number().int().min(0).max(MAX_PRIME_BLOCKS).optional(),
  /** JACK: connect faderd's ports to the physical ports in order (default true). */
  connect: z.boolean().optional(),
});

/** An OSC app that cannot subscribe itself: faderd sends it the mix at start and every change after. */
const OscRemoteSchema = z.strictObject({
  host: z.string().min(1).optional(),
  port: z.number().int().min(1).max(65535),
  /** What it hears, as `/subscribe` takes it (`/norm`, `/ch/*\/fader`...); default every param in units. */
  subscribe: z.array(z.string().min(1).max(256)).max(64).optional(),
  /** Send its own changes back to it (default: osc.echo). */
  echo: z.boolean().optional(),
});

const OscSchema = z.strictObject({
  enabled: z.boolean().optional(),
  host: z.string().min(1).optional(),
  port: z.number().int().min(1).max(65535).optional(),
  /** Client addresses or CIDR subnets allowed to connect when listening beyond loopback. */
  allow: z.array(z.string().min(1)).optional(),
  /** Clients (addresses or subnets) that may read state and meters but change nothing. */
  readOnly: z.array(z.string().min(1)).optional(),
  websocketPort: z.number().int().min(1).max(65535).optional(),
  /** Fixed feedback destinations (host/port) for apps that cannot ask. */
  remotes: z.array(OscRemoteSchema).max(16).optional(),
  /** Echo each client's own changes back to it (a client may say otherwise with /echo). Default false. */
  echo: z.boolean().optional(),
  /** Feedback pace per UDP client, and bundling (src/surfaces/pacing.ts); `false`: unpaced. */
  pacing: PacingSchema.optional(),
});

/** The X32 server (apps and libraries written for a Behringer X32): the OSC listener's settings but the WebSocket port. */
const X32Schema = OscSchema.pick({ enabled: true, host: true, port: true, allow: true, readOnly: true }).extend({ pacing: PaceOnlySchema.optional() });
/** The web mixer (src/servers/http): its page and OSC over WebSocket at /osc on one port. */
const HttpSchema = z.strictObject({
  enabled: z.boolean().optional(),
  host: z.string().min(1).optional(),
  port: z.number().int().min(1).max(65535).optional(),
  /** Client addresses or CIDR subnets allowed when listening beyond loopback. */
  allow: z.array(z.string().min(1)).optional(),
  /** Clients (addresses or subnets) that see the mix but change nothing. */
  readOnly: z.array(z.string().min(1)).optional(),
  /** Pages of other origins allowed to open /osc, exactly as a browser sends them (`https://desk.example`). */
  origins: z.array(z.string().min(1).max(300)).optional(),
  /** Host names (besides IP addresses and localhost) browsers reach this machine by, e.g. `mixer.local`. */
  hostnames: z.array(z.string().min(1).max(253)).optional(),
});

const SurfaceSchema = z.union([
  z.string().min(1),
  z.strictObject({
    mapping: z.string().min(1),
    id: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/i).optional(),
    /** Overrides of the mapping's device description (port pattern, serial path, host/port...). */
    device: z.record(z.string(), z.unknown()).optional(),
    options: z.record(z.string(), z.unknown()).optional(),
  }),
]);

const SafetySchema = z.strictObject({
  /** Highest gain, in dB, that master and bus faders may be set to without the deliberate override. */
  maxGainDb: z.number().min(-20).max(10).optional(),
});

const StateSchema = z.strictObject({
  dir: z.string().min(1).optional(),
  autosaveMs: z.number().int().min(50).max(60_000).optional(),
});

export const SessionSchema = z.strictObject({
  version: z.literal(1).optional(),
  name: z.string().optional(),
  channels: z.union([z.number().int().min(1).max(256), z.array(ChannelSchema).min(1).max(256)]).optional(),
  buses: z.union([z.number().int().min(0).max(64), z.array(BusSchema).max(64)]).optional(),
  fx: z.array(FxSchema).max(16).optional(),
  master: z.strictObject({ output: inputRef.optional() }).optional(),
  audio: AudioSchema.refine((a) => !(a.primeBlocks === 0 && a.backend === 'portaudio'), {
    path: ['primeBlocks'],
    message: '0 needs the JACK backend (a PortAudio duplex stream must always have a block queued): use 1 or more, or backend: jack',
  }).optional(),
  osc: OscSchema.optional(),
  x32: X32Schema.optional(),
  http: HttpSchema.optional(),
  surfaces: z.array(SurfaceSchema).optional(),
  /** With no `surfaces` listed, load the shipped mappings whose devices are connected (default true). */
  autoSurfaces: z.boolean().optional(),
  safety: SafetySchema.optional(),
  state: StateSchema.optional(),
  /** Initial param values (address → value), applied before saved state. */
  params: z.record(z.string(), z.union([z.number(), z.boolean(), z.string()])).optional(),
});

export type SessionFile = z.infer<typeof SessionSchema>;

export interface ChannelSpec {
  readonly name: string;
  readonly stereo: boolean;
  readonly input?: number | readonly [number, number];
  readonly file?: string;
}
export interface BusSpec {
  readonly name: string;
  readonly stereo: boolean;
  readonly output?: number | readonly [number, number];
  readonly master: boolean;
}
export interface FxSpec {
  readonly name: string;
  readonly type: 'reverb' | 'delay';
}
export interface SurfaceSpec {
  readonly mapping: string;
  readonly id?: string;
  readonly device?: Readonly<Record<string, unknown>>;
  readonly options?: Readonly<Record<string, unknown>>;
}

/** A session with every default filled in: what the rest of faderd consumes. */
export interface Session {
  readonly file?: string;
  readonly dir: string;
  readonly name: string;
  readonly channels: readonly ChannelSpec[];
  readonly buses: readonly BusSpec[];
  readonly fx: readonly FxSpec[];
  readonly master: { readonly output: readonly [number, number] };
  readonly audio: {
    readonly backend: 'auto' | 'jack' | 'portaudio' | 'null';
    readonly device?: string | number;
    readonly sampleRate: number;
    readonly blockSize: number;
    readonly inputs?: number;
    readonly outputs?: number;
    readonly demo: boolean;
    readonly latency: LatencyMode;
    readonly primeBlocks?: number;
    readonly connect: boolean;
  };
  readonly osc: {
    readonly enabled: boolean;
    readonly host: string;
    readonly port: number;
    readonly allow: readonly string[];
    readonly readOnly: readonly string[];
    readonly websocketPort?: number;
    readonly remotes: ReadonlyArray<{ readonly host: string; readonly port: number; readonly subscribe?: readonly string[]; readonly echo?: boolean }>;
    readonly echo: boolean;
    readonly pacing?: PacingSetting;
  };
  readonly x32: {
    readonly enabled: boolean;
    readonly host: string;
    readonly port: number;
    readonly allow: readonly string[];
    readonly readOnly: readonly string[];
    readonly pacing?: PacingSetting | false;
  };
  readonly http: {
    readonly enabled: boolean;
    readonly host: string;
    readonly port: number;
    readonly allow: readonly string[];
    readonly readOnly: readonly string[];
    readonly origins: readonly string[];
    readonly hostnames: readonly string[];
  };
  readonly surfaces: readonly SurfaceSpec[];
  readonly autoSurfaces: boolean;
  readonly safety: { readonly maxGainDb: number };
  readonly state: { readonly dir?: string; readonly autosaveMs: number };
  readonly params: Readonly<Record<string, number | boolean | string>>;
}

export const DEFAULT_SESSION_YAML = `# faderd's embedded default session
version: 1
name: Default
channels:
  - { name: Kick, input: 1 }
  - { name: Snare, input: 2 }
  - { name: Bass, input: 3 }
  - { name: Guitar, input: 4 }
  - { name: Keys, input: 5 }
  - { name: Vox 1, input: 6 }
  - { name: Vox 2, input: 7 }
  - { name: Pad, input: 8 }
buses:
  - { name: Mon 1 }
  - { name: Mon 2 }
fx:
  - { name: Reverb, type: reverb }
  - { name: Delay, type: delay }
master: { output: [1, 2] }
audio: { backend: auto, sampleRate: 48000, blockSize: 128 }
osc: { host: 127.0.0.1, port: 9000 }
`;

/** Normalizes a validated session file into a Session with every default set. */
export function resolveSession(raw: SessionFile, file: string | undefined): Session {
  const dir = file ? path.dirname(path.resolve(file)) : process.cwd();
  const chans = raw.channels ?? 8;
  const channels: ChannelSpec[] =
    typeof chans === 'number'
      ? Array.from({ length: chans }, (_, i) => ({ name: `Ch ${i + 1}`, stereo: false, input: i + 1 }))
      : chans.map((c, i) => ({
          name: c.name ?? `Ch ${i + 1}`,
          stereo: c.stereo ?? Array.isArray(c.input),
          ...(c.input !== undefined ? { input: c.input } : {}),
          ...(c.file !== undefined ? { file: c.file } : {}),
        }));
  const b = raw.buses ?? 2;
  const buses: BusSpec[] =
    typeof b === 'number'
      ? Array.from({ length: b }, (_, i) => ({ name: `Bus ${i + 1}`, stereo: true, master: false }))
      : b.map((x, i) => ({
          name: x.name ?? `Bus ${i + 1}`,
          stereo: x.stereo ?? true,
          master: x.master ?? false,
          ...(x.output !== undefined ? { output: x.output } : {}),
        }));
  const fx: FxSpec[] = (raw.fx ?? []).map((f, i) => ({ name: f.name ?? `FX ${i + 1}`, type: f.type }));
  const mo = raw.master?.output ?? [1, 2];
  return {
    ...(file !== undefined ? { file: path.resolve(file) } : {}),
    dir,
    name: raw.name ?? (file ? path.basename(file).replace(/\.ya?ml$/i, '') : 'Default'),
    channels,
    buses,
    fx,
    master: { output: typeof mo === 'number' ? [mo, mo + 1] : [mo[0], mo[1]] },
    audio: {
      backend: raw.audio?.backend ?? 'auto',
      ...(raw.audio?.device !== undefined ? { device: raw.audio.device } : {}),
      sampleRate: raw.audio?.sampleRate ?? 48000,
      blockSize: raw.audio?.blockSize ?? 128,
      ...(raw.audio?.inputs !== undefined ? { inputs: raw.audio.inputs } : {}),
      ...(raw.audio?.outputs !== undefined ? { outputs: raw.audio.outputs } : {}),
      demo: raw.audio?.demo ?? false,
      latency: raw.audio?.latency ?? 'safe',
      ...(raw.audio?.primeBlocks !== undefined ? { primeBlocks: raw.audio.primeBlocks } : {}),
      connect: raw.audio?.connect ?? true,
    },
    osc: {
      enabled: raw.osc?.enabled ?? true,
      host: raw.osc?.host ?? '127.0.0.1',
      port: raw.osc?.port ?? 9000,
      allow: raw.osc?.allow ?? [],
      readOnly: raw.osc?.readOnly ?? [],
      ...(raw.osc?.websocketPort !== undefined ? { websocketPort: raw.osc.websocketPort } : {}),
      remotes: (raw.osc?.remotes ?? []).map((r) => ({ ...r, host: r.host ?? '127.0.0.1' })),
      echo: raw.osc?.echo ?? false,
      ...(raw.osc?.pacing !== undefined ? { pacing: raw.osc.pacing } : {}),
    },
    x32: {
      enabled: raw.x32?.enabled ?? true,
      host: raw.x32?.host ?? '127.0.0.1',
      port: raw.x32?.port ?? 10023,
      allow: raw.x32?.allow ?? [],
      readOnly: raw.x32?.readOnly ?? [],
      ...(raw.x32?.pacing !== undefined ? { pacing: raw.x32.pacing } : {}),
    },
    http: {
      enabled: raw.http?.enabled ?? true,
      host: raw.http?.host ?? '127.0.0.1',
      port: raw.http?.port ?? 9080,
      allow: raw.http?.allow ?? [],
      readOnly: raw.http?.readOnly ?? [],
      origins: raw.http?.origins ?? [],
      hostnames: raw.http?.hostnames ?? [],
    },
    surfaces: (raw.surfaces ?? []).map((s) => (typeof s === 'string' ? { mapping: s } : { ...s })),
    autoSurfaces: raw.autoSurfaces ?? true,
    safety: { maxGainDb: raw.safety?.maxGainDb ?? 10 },
    state: { ...(raw.state?.dir !== undefined ? { dir: raw.state.dir } : {}), autosaveMs: raw.state?.autosaveMs ?? 500 },
    params: raw.params ?? {},
  };
}

function knownKeysAt(pathArr: ReadonlyArray<PropertyKey>): string[] {
  const top = Object.keys(SessionSchema.shape);
  if (pathArr.length === 0) return top;
  const head = String(pathArr[0]);
  const shapes: Record<string, string[]> = {
    channels: Object.keys(ChannelSchema.shape),
    buses: Object.keys(BusSchema.shape),
    fx: Object.keys(FxSchema.shape),
    audio: Object.keys(AudioSchema.shape),
    osc: pathArr[1] === 'remotes' && pathArr.length > 2 ? Object.keys(OscRemoteSchema.shape) : Object.keys(OscSchema.shape),
    x32: Object.keys(X32Schema.shape),
    http: Object.keys(HttpSchema.shape),
    safety: Object.keys(SafetySchema.shape),
    state: Object.keys(StateSchema.shape),
    master: ['output'],
    surfaces: ['mapping', 'id', 'device', 'options'],
  };
  return shapes[head] ?? top;
}

/** Parses and validates session YAML text; throws ConfigError listing every problem with file:line:col. */
export function parseSession(text: string, file: string): Session {
  return sessionFromSource(YamlSource.parse(text, file));
}

/** Validates an already parsed session file (for callers that keep its positions); throws ConfigError. */
export function sessionFromSource(src: YamlSource): Session {
  const js = src.toJS() ?? {};
  const res = SessionSchema.safeParse(js);
  if (!res.success) throw new ConfigError(src.zodIssues(res.error, knownKeysAt));
  const session = resolveSession(res.data, src.file === '<default>' ? undefined : src.file);
  const issues = [];
  for (const [i, c] of session.channels.entries()) {
    if (c.stereo && typeof c.input === 'number') {
      // A stereo channel given one input takes that input and the next.
    } else if (!c.stereo && Array.isArray(c.input)) {
      issues.push(src.issue(['channels', i, 'stereo'], `channels.${i}: a pair of inputs needs 'stereo: true'`));
    }
  }
  issues.push(...listenerSettingIssues(src, session));
  issues.push(...oscRemoteIssues(src, session.osc));
  if (issues.length) throw new ConfigError(issues);
  return session;
}

/**
 * Every listener (OSC, X32, web mixer) under the same network rules the servers apply when they
 * start (src/surfaces/osc/access.ts): an IP address to listen on, valid allow and read-only entries,
 * and beyond loopback an allow list of clients. So `check` refuses what `run` would, with a line.
 */
function listenerSettingIssues(src: YamlSource, session: Session): SourceIssue[] {
  const issues: SourceIssue[] = [];
  for (const key of ['osc', 'x32', 'http'] as const) {
    const l = session[key];
    for (const i of listenerIssues(key, l.host, l.allow, l.readOnly, l.enabled)) issues.push(src.issue([key, ...i.path], i.message));
  }
  return issues;
}

/** Warnings `check` prints and `run` logs without refusing: an allow entry open to the whole internet. */
export function sessionWarnings(src: YamlSource, session: Session): SourceIssue[] {
  return (['osc', 'x32', 'http'] as const).flatMap((key) => listenerWarnings(key, session[key].allow).map((w) => src.issue([key, ...w.path], `warning: ${w.message}`)));
}

/** A fixed remote is an IP address the listener may talk to: loopback or within its allow list. */
function oscRemoteIssues(src: YamlSource, osc: Session['osc']): SourceIssue[] {
  let allowed: (ip: string) => boolean = isLoopback;
  try {
    allowed = addressMatcher(osc.allow);
  } catch {
    // A bad allow list is reported where the listener starts; judge remotes by loopback alone.
  }
  const issues: SourceIssue[] = [];
  osc.remotes.forEach((r, i) => {
    if (!net.isIP(r.host)) issues.push(src.issue(['osc', 'remotes', i, 'host'], `osc.remotes.${i}.host must be an IP address, got ${JSON.stringify(r.host)}`));
    else if (!allowed(r.host)) issues.push(src.issue(['osc', 'remotes', i, 'host'], `osc.remotes.${i}.host ${r.host} is not in osc.allow: faderd sends only to clients it would accept`));
  });
  return issues;
}

/** Loads a session file from disk; a missing or unreadable file is a ConfigError naming it. */
export function loadSession(file: string): Session {
  return parseSession(readSourceText(file, 'session'), file);
}

/**
 * The session's file parsed again for positions, so that a later check (a stem, a param value) can
 * point at its line; undefined for a session without a file or a file that can no longer be read.
 * (A Session is plain data, cloned into the engine worker, so it does not carry its parse tree.)
 */
export function sessionSource(session: Session): YamlSource | undefined {
  if (!session.file) return undefined;
  try {
    return YamlSource.parse(readSourceText(session.file, 'session'), session.file);
  } catch {
    return undefined;
  }
}

export const defaultSession = (): Session => parseSession(DEFAULT_SESSION_YAML, '<default>');
