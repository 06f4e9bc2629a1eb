/**
 * The X32's strips as `/node` sees them: 32 input channels, 8 aux inputs, 8 fx returns, 16 mix
 * buses, 6 matrices, main stereo and mono, 8 DCAs. Leaves, order and scales follow the unofficial
 * X32 OSC protocol document (firmware 4.x: send pan follow, channel automix); reset values are the
 * console's (faders off, sends off, EQ flat, gate and compressor off).
 */
import {
  attack, COLORS, delayTime, dynMix, dynThr, EQ_TYPES, eqFreq, eqGain, eqQ, fader, gateRange, gateThr, hold, hpf, knee, level161,
  mgain, onOff, pan, ratio, release, SEND_TYPES, trim, unitToFloat, quantize, type Kind,
} from './scales.ts';
import type { LeafSpec, TreeBuilder } from './tree-builder.ts';

const two = (n: number): string => String(n).padStart(2, '0');
const en = (...names: string[]): Kind => ({ t: 'enum', names });
/** The float a scale gives a quantity (reset values are written as the quantity they stand for). */
const at = (k: Kind, v: number): number => quantize(k, unitToFloat(k, v));

const name: Kind = { t: 'string', max: 12 };
const icon: Kind = { t: 'int', min: 1, max: 74 };
const color: Kind = { t: 'enum', names: COLORS };
const source: Kind = { t: 'int', min: 0, max: 64 };
const bitmap = (bits: number): Kind => ({ t: 'bitmap', bits });
const FILTER_TYPES = en('LC6', 'LC12', 'HC6', 'HC12', '1.0', '2.0', '3.0', '5.0', '10.0');
const INSERTS = en('OFF', 'FX1L', 'FX1R', 'FX2L', 'FX2R', 'FX3L', 'FX3R', 'FX4L', 'FX4R', 'FX5L', 'FX5R', 'FX6L', 'FX6R', 'FX7L', 'FX7R', 'FX8L', 'FX8R', 'AUX1', 'AUX2', 'AUX3', 'AUX4', 'AUX5', 'AUX6');
const eqType4 = en(...EQ_TYPES);
const eqType6 = en(...EQ_TYPES, 'BU6', 'BU12', 'BS12', 'LR12', 'BU18', 'BU24', 'BS24', 'LR24');
const weight: Kind = { t: 'linf', min: -12, max: 12, step: 0.5, fmt: { decimals: 1, sign: true } };
const panFollow: Kind = { t: 'int', min: 0, max: 1 };

/** Channel colours after a reset, by strip family. */
const YE = 3;
const GN = 2;
const MG = 5;
const CY = 6;
const BL = 4;
const WH = 7;
const RD = 1;

function config(b: TreeBuilder, base: string, colour: number, src?: number): void {
  const leaves: LeafSpec[] = [['name', name, ''], ['icon', icon, 1], ['color', color, colour]];
  if (src !== undefined) leaves.push(['source', source, src]);
  b.node(`${base}/config`, leaves);
}

function eq(b: TreeBuilder, base: string, bands: number, type: Kind): void {
  b.node(`${base}/eq`, [['on', onOff, 1]]);
  const freqs = bands === 4 ? [124.7, 496.6, 1970, 10020] : [124.7, 300, 700, 1970, 5020, 10020];
  for (let k = 1; k <= bands; k++) {
    const shelf = k === 1 ? 1 : k === bands ? 4 : 2; // LShv, PEQ..., HShv
    b.node(`${base}/eq/${k}`, [['type', type, shelf], ['f', eqFreq, at(eqFreq, freqs[k - 1]!)], ['g', eqGain, 0.5], ['q', eqQ, at(eqQ, 2)]]);
  }
}

function filter(b: TreeBuilder, path: string): void {
  b.node(path, [['on', onOff, 0], ['type', FILTER_TYPES, 6], ['f', eqFreq, at(eqFreq, 1000)]]);
}

function dyn(b: TreeBuilder, base: string, keysrc: boolean): void {
  const leaves: LeafSpec[] = [
    ['on', onOff, 0], ['mode', en('COMP', 'EXP'), 0], ['det', en('PEAK', 'RMS'), 0], ['env', en('LIN', 'LOG'), 1],
    ['thr', dynThr, 1], ['ratio', ratio, 5], ['knee', knee, 0.2], ['mgain', mgain, 0], ['attack', attack, at(attack, 10)],
    ['hold', hold, at(hold, 10)], ['release', release, at(release, 151)], ['pos', en('PRE', 'POST'), 1],
  ];
  if (keysrc) leaves.push(['keysrc', source, 0]);
  leaves.push(['mix', dynMix, 1], ['auto', onOff, 0]);
  b.node(`${base}/dyn`, leaves);
  filter(b, `${base}/dyn/filter`);
}

function insert(b: TreeBuilder, base: string): void {
  b.node(`${base}/insert`, [['on', onOff, 0], ['pos', en('PRE', 'POST'), 0], ['sel', INSERTS, 0]]);
}

function grp(b: TreeBuilder, base: string): void {
  b.node(`${base}/grp`, [['dca', bitmap(8), 0], ['mute', bitmap(6), 0]]);
}

/** `mix` and its sends: odd sends carry pan, tap and pan follow; even ones only on and level. */
function mix(b: TreeBuilder, base: string, o: { sends: number; st: boolean; pan: boolean; mono: boolean; busTypes: boolean }): void {
  const leaves: LeafSpec[] = [['on', onOff, 1], ['fader', fader, 0]];
  if (o.st) leaves.push(['st', onOff, 1]);
  if (o.pan) leaves.push(['pan', pan, 0.5]);
  if (o.mono) leaves.push(['mono', onOff, 0], ['mlevel', level161, 0]);
  b.node(`${base}/mix`, leaves);
  const types = en(...SEND_TYPES.slice(0, o.busTypes ? 5 : 6));
  for (let m = 1; m <= o.sends; m++) {
    const send: LeafSpec[] = [['on', onOff, 1], ['level', level161, 0]];
    if (m % 2 === 1) send.push(['pan', pan, 0.5], ['type', types, 4], ['panFollow', panFollow, 0]);
    b.node(`${base}/mix/${two(m)}`, send);
  }
}

export function stripNodes(b: TreeBuilder): void {
  for (let c = 1; c <= 32; c++) {
    const base = `ch/${two(c)}`;
    config(b, base, YE, c);
    b.node(`${base}/delay`, [['on', onOff, 0], ['time', delayTime, 0]]);
    b.node(`${base}/preamp`, [['trim', trim, 0.5], ['invert', onOff, 0], ['hpon', onOff, 0], ['hpslope', en('12', '18', '24'), 0], ['hpf', hpf, at(hpf, 80)]]);
    b.node(`${base}/gate`, [
      ['on', onOff, 0], ['mode', en('EXP2', 'EXP3', 'EXP4', 'GATE', 'DUCK'), 3], ['thr', gateThr, 0], ['range', gateRange, at(gateRange, 60)],
      ['attack', attack, 0], ['hold', hold, at(hold, 50)], ['release', release, at(release, 200)], ['keysrc', source, 0],
    ]);
    filter(b, `${base}/gate/filter`);
    dyn(b, base, true);
    insert(b, base);
    eq(b, base, 4, eqType4);
    mix(b, base, { sends: 16, st: true, pan: true, mono: true, busTypes: false });
    grp(b, base);
    b.node(`${base}/automix`, [['group', en('OFF', 'X', 'Y'), 0], ['weight', weight, 0.5]]);
  }
  for (let a = 1; a <= 8; a++) {
    const base = `auxin/${two(a)}`;
    config(b, base, GN, 32 + a);
    b.node(`${base}/preamp`, [['trim', trim, 0.5], ['invert', onOff, 0]]);
    eq(b, base, 4, eqType4);
    mix(b, base, { sends: 16, st: true, pan: true, mono: true, busTypes: false });
    grp(b, base);
  }
  for (let r = 1; r <= 8; r++) {
    const base = `fxrtn/${two(r)}`;
    config(b, base, MG);
    eq(b, base, 4, eqType4);
    mix(b, base, { sends: 16, st: true, pan: true, mono: true, busTypes: false });
    grp(b, base);
  }
  for (let m = 1; m <= 16; m++) {
    const base = `bus/${two(m)}`;
    config(b, base, CY);
    dyn(b, base, true);
    insert(b, base);
    eq(b, base, 6, eqType4);
    mix(b, base, { sends: 6, st: true, pan: true, mono: true, busTypes: true });
    grp(b, base);
  }
  for (let x = 1; x <= 6; x++) {
    const base = `mtx/${two(x)}`;
    config(b, base, BL);
    b.node(`${base}/preamp`, [['invert', onOff, 0]]);
    dyn(b, base, false);
    insert(b, base);
    eq(b, base, 6, eqType6);
    b.node(`${base}/mix`, [['on', onOff, 1], ['fader', fader, 0]]);
    grp(b, base);
  }
  for (const [main, withPan] of [['st', true], ['m', false]] as const) {
    const base = `main/${main}`;
    config(b, base, WH);
    dyn(b, base, false);
    insert(b, base);
    eq(b, base, 6, eqType6);
    mix(b, base, { sends: 6, st: false, pan: withPan, mono: false, busTypes: true });
    grp(b, base);
  }
  for (let d = 1; d <= 8; d++) {
    b.node(`dca/${d}`, [['on', onOff, 1], ['fader', fader, 0]]);
    b.node(`dca/${d}/config`, [['name', name, ''], ['icon', icon, 1], ['color', color, RD]]);
  }
}
