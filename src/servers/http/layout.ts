/**
 * What the page needs to know before it can draw the mixer, sent as JSON at `/api/layout`: the
 * session's strips, the sample rate its curves are computed at, the param registry (range, default,
 * taper, unit of every address, so each control works exactly as the store will clamp it) and the
 * loudness destinations offered as targets. Live values come over OSC, never from here.
 */
import type { ParamDef, ParamRegistry } from '../../params/registry.ts';
import type { Session } from '../../params/session.ts';
import { PRESETS } from '../../engine/mastering/destinations.ts';

/** One param, compactly: non-finite numbers (a fader's -inf) travel as null. */
export interface ParamInfo {
  readonly a: string;
  readonly type: ParamDef['type'];
  readonly unit: ParamDef['unit'];
  readonly min: number | null;
  readonly max: number | null;
  readonly def: number | boolean | string | null;
  readonly taper: string;
  readonly values?: readonly string[];
  readonly step?: number;
  readonly ro?: true;
  readonly meter?: true;
}

export interface MixerLayout {
  readonly session: string;
  readonly sampleRate: number;
  readonly channels: ReadonlyArray<{ readonly name: string; readonly stereo: boolean }>;
  readonly buses: ReadonlyArray<{ readonly name: string }>;
  readonly fx: ReadonlyArray<{ readonly name: string; readonly type: string }>;
  readonly surfaces: readonly string[];
  readonly destinations: ReadonlyArray<{ readonly name: string; readonly lufs: number; readonly truePeak: number }>;
  readonly params: readonly ParamInfo[];
}

const finite = (v: number): number | null => (Number.isFinite(v) ? v : null);

function paramInfo(d: ParamDef): ParamInfo {
  return {
    a: d.address,
    type: d.type,
    unit: d.unit,
    min: finite(d.min),
    max: finite(d.max),
    def: typeof d.default === 'number' ? finite(d.default) : d.default,
    taper: d.taper.kind,
    ...(d.values ? { values: d.values } : {}),
    ...(d.step !== undefined ? { step: d.step } : {}),
    ...(d.readOnly ? { ro: true as const } : {}),
    ...(d.volatile ? { meter: true as const } : {}),
  };
}

export function mixerLayout(session: Session, registry: ParamRegistry, sampleRate: number, surfaceIds: readonly string[]): MixerLayout {
  return {
    session: session.name,
    sampleRate,
    channels: session.channels.map((c) => ({ name: c.name, stereo: c.stereo })),
    buses: session.buses.map((b) => ({ name: b.name })),
    fx: session.fx.map((f) => ({ name: f.name, type: f.type })),
    surfaces: surfaceIds,
    destinations: Object.entries(PRESETS)
      .filter(([, p]) => p.integratedLufs !== null)
      .map(([name, p]) => ({ name, lufs: p.integratedLufs!, truePeak: p.truePeakDbtp })),
    params: registry.defs.map(paramInfo),
  };
}
