/**
 * One parametric EQ band as the strips and the master chain hold it: its params by engine value (the
 * shape as an index into the registry's EQ_TYPES) and its filter, which is skipped while the band is
 * the identity.
 */
import type { BiquadBank, BiquadType } from '../dsp/biquad.ts';
import { EQ_TYPES } from '../../params/registry.ts';
import type { ParamBinder } from '../types.ts';

export interface EqBand {
  readonly bank: BiquadBank;
  /** Index into EQ_TYPES. */
  type: number;
  freqHz: number;
  gainDb: number;
  q: number;
  /** Whether the band filters now (EQ on and not the identity, see eqBandFilters); when it stops, its
   *  bank glides to a wire and is skipped once there. */
  active: boolean;
}

/** The biquad type of a band's shape; an index outside EQ_TYPES reads as a peak. */
export function eqBandKind(band: EqBand): BiquadType {
  return EQ_TYPES[band.type] ?? 'peak';
}

/**
 * Whether a band of shape `kind` changes the signal: a shelf or peak at 0 dB is the identity, the
 * other shapes filter at any gain. Takes the band, not its gain: a double passed to a call V8 does
 * not inline is boxed, and this runs on the audio thread.
 */
export function eqBandFilters(band: EqBand, kind: BiquadType): boolean {
  return !((kind === 'peak' || kind === 'lowshelf' || kind === 'highshelf') && band.gainDb === 0);
}

/** Binds `${prefix}/{type,freq,gain,q}` to the band's fields; `changed` runs after each store. */
export function bindEqBand(bind: ParamBinder, prefix: string, band: EqBand, changed: () => void): void {
  bind(`${prefix}/type`, (v) => {
    band.type = v[0]!;
    changed();
  });
  bind(`${prefix}/freq`, (v) => {
    band.freqHz = v[0]!;
    changed();
  });
  bind(`${prefix}/gain`, (v) => {
    band.gainDb = v[0]!;
    changed();
  });
  bind(`${prefix}/q`, (v) => {
    band.q = v[0]!;
    changed();
  });
}
