/**
 * A loaded mapping: every binding expanded over its repeat variables, numbers evaluated and checked,
 * templates compiled. The compiler turns this into pipelines without further validation.
 */
import type { AddressPattern } from '../../util/osc-pattern.ts';
import type { OscArg, SurfaceDeviceSpec } from '../../surfaces/types.ts';
import type { ParamValue } from '../../params/registry.ts';
import type { CompiledExpr, CompiledTemplate, Env } from './expr.ts';
import type { ButtonMode, Encoding } from './schema.ts';

/** One byte of a SysEx/frame pattern: a fixed byte, any byte, or the value byte. */
export type PatternByte = { readonly byte: number } | { readonly any: true } | { readonly value: true };

/** A source with every number resolved; MIDI channels are 0-based here. */
export type SourceSpec =
  | { readonly kind: 'note'; readonly channel: number; readonly note: number }
  | { readonly kind: 'cc'; readonly channel: number; readonly cc: number }
  | { readonly kind: 'cc14'; readonly channel: number; readonly msb: number; readonly lsb: number }
  | { readonly kind: 'nrpn'; readonly channel: number; readonly param: number }
  | { readonly kind: 'pitchbend'; readonly channel: number }
  | { readonly kind: 'pressure'; readonly channel: number }
  | { readonly kind: 'polypressure'; readonly channel: number; readonly note: number }
  | { readonly kind: 'program'; readonly channel: number }
  | { readonly kind: 'sysex'; readonly pattern: readonly PatternByte[] }
  | { readonly kind: 'frame'; readonly pattern: readonly PatternByte[] }
  | { readonly kind: 'osc'; readonly address: string; readonly match: AddressPattern; readonly args: string; readonly arg: number; readonly units: Units }
  | { readonly kind: 'line'; readonly match: RegExp; readonly format: CompiledTemplate; readonly env: Env; readonly units: Units };

export type Units = 'normalized' | 'value';

export type FeedbackOut =
  | { readonly kind: 'source'; readonly source: SourceSpec; readonly on?: number; readonly off?: number }
  | { readonly kind: 'ring'; readonly channel: number; readonly cc: number; readonly mode: number; readonly center: boolean }
  | { readonly kind: 'meter'; readonly channel: number; readonly strip: number; readonly refreshMs?: number }
  /** A scribble-strip cell: `width` characters from `offset`, the last `gap` of them kept blank. */
  | { readonly kind: 'lcd'; readonly header: readonly number[]; readonly offset: number; readonly width: number; readonly gap: number }
  /** 7-segment digits, one CC each from `cc` (rightmost) upwards; `text` replaces the formatted value. */
  | { readonly kind: 'segments'; readonly channel: number; readonly cc: number; readonly digits: number; readonly text?: CompiledTemplate }
  | { readonly kind: 'osc'; readonly address: string; readonly type: 'f' | 'i' | 's' | 'T'; readonly units: Units }
  | { readonly kind: 'line'; readonly format: CompiledTemplate; readonly env: Env };

export type TargetSpec =
  | { readonly kind: 'param'; readonly address: CompiledTemplate; readonly value?: ParamValue }
  | { readonly kind: 'all'; readonly pattern: CompiledTemplate; readonly value?: ParamValue }
  | { readonly kind: 'state'; readonly name: string; readonly value: CompiledExpr }
  | { readonly kind: 'scene'; readonly which: 'recall' | 'store'; readonly name: string }
  | { readonly kind: 'resync' };

export interface Glue {
  readonly in: readonly [number, number];
  readonly out: readonly [number, number];
  readonly invert: boolean;
  readonly taper: 'param' | 'linear' | 'log' | ReadonlyArray<readonly [number, number]>;
  readonly range?: readonly [number, number];
  readonly encoder?: Encoding;
  readonly step: number;
  readonly accel?: { readonly factors: readonly number[]; readonly windowMs: number };
  readonly button?: ButtonMode;
  readonly holdMs: number;
  /** Soft-takeover threshold (normalized), when pickup is on. */
  readonly pickup?: number;
  readonly deadband: number;
  readonly value?: ParamValue;
}

export interface BindingInstance {
  /** `bindings[2] i=3`: where a log line or error points. */
  readonly label: string;
  readonly line: number;
  readonly col: number;
  readonly vars: Env;
  readonly when?: CompiledExpr;
  readonly source?: SourceSpec;
  readonly touch?: SourceSpec;
  readonly glue: Glue;
  readonly target: TargetSpec;
  readonly feedback: readonly FeedbackOut[];
  readonly echo: boolean;
  readonly display?: { readonly lcd: Extract<FeedbackOut, { kind: 'lcd' }>; readonly holdMs: number };
}

export interface StateVarDef {
  readonly name: string;
  readonly initial: number;
  readonly min?: CompiledExpr;
  readonly max?: CompiledExpr;
  /** Group whose surfaces share this variable's value. */
  readonly shared?: string;
}

/** A fixed answer to an OSC query. */
export interface StaticReply {
  readonly address: string;
  readonly args: readonly OscArg[];
}

export interface MappingFile {
  readonly file: string;
  readonly version: 1;
  readonly name: string;
  readonly device: SurfaceDeviceSpec;
  readonly state: readonly StateVarDef[];
  /** Option values in effect (declared defaults with the session's overrides applied). */
  readonly options: Readonly<Record<string, number>>;
  readonly replies: readonly StaticReply[];
  /** The connection handshake the surface expects (the Mackie Control device query and its answer). */
  readonly handshake?: { readonly kind: 'mackie'; readonly deviceId: number };
  readonly feedbackRateHz: number;
  readonly bindings: readonly BindingInstance[];
}
