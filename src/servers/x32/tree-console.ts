/**
 * The rest of the X32 tree: console configuration (links, solo, talkback, oscillator, routing, user
 * controls, DP48), effect slots, outputs, head amps, and the `/-prefs`, `/-stat`, `/-action`,
 * `/-urec`, `/-show` and `/-usb` nodes apps read at connect. faderd has none of these but solo
 * switches (bindings.ts), so each answers with the value of a console after a reset.
 */
import { COLORS, delayTime, level161, onOff, quantize, unitToFloat, type Kind } from './scales.ts';
import type { LeafSpec, TreeBuilder } from './tree-builder.ts';

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const en = (...names: string[]): Kind => ({ t: 'enum', names });
const int = (min: number, max: number): Kind => ({ t: 'int', min, max });
const str = (max = 32): Kind => ({ t: 'string', max });
const bits = (n: number): Kind => ({ t: 'bitmap', bits: n });
const linf = (min: number, max: number, step: number, decimals: number, sign = false, width?: number): Kind => ({ t: 'linf', min, max, step, fmt: { decimals, sign, ...(width ? { width } : {}) } });
/** An enum faderd never changes: only its reset name and index matter. */
const fixedEnum = (index: number, text: string): [Kind, number] => [{ t: 'fixed', type: 'i', text }, index];
const at = (k: Kind, v: number): number => quantize(k, unitToFloat(k, v));
const offs = (names: readonly string[], def = 0): LeafSpec[] => names.map((n) => [n, onOff, def] as const);

const oscFreq: Kind = { t: 'logf', min: 20, max: 20000, steps: 121, fmt: { decimals: 1, khz: true } };
const ROUT_IN = ['AN1-8', 'AN9-16', 'AN17-24', 'AN25-32'];
/** What the four stereo effect slots hold after a reset: hall, plate, delay, chorus. */
const FX_RESET: ReadonlyArray<readonly [number, string]> = [[0, 'HALL'], [5, 'PLAT'], [10, 'DLY'], [13, 'CRS']];
const SCREENS = ['HOME', 'METERS', 'ROUTE', 'SETUP', 'LIB', 'FX', 'MON', 'USB', 'SCENE', 'ASSIGN', 'LOCK'];

function configNodes(b: TreeBuilder): void {
  const pairs = (n: number) => range(1, n / 2).map((k) => `${2 * k - 1}-${2 * k}`);
  b.node('config/chlink', offs(pairs(32)));
  b.node('config/auxlink', offs(pairs(8)));
  b.node('config/fxlink', offs(pairs(8)));
  b.node('config/buslink', offs(pairs(16)));
  b.node('config/mtxlink', offs(pairs(6)));
  b.node('config/mute', offs(range(1, 6).map(String)));
  b.node('config/linkcfg', offs(['hadly', 'eq', 'dyn', 'fdrmute'], 1));
  b.node('config/mono', [['mode', en('LR+M', 'LCR'), 0], ['link', onOff, 0]]);
  const pfl = en('PFL', 'AFL');
  b.node('config/solo', [
    ['level', level161, 0], ['source', en('OFF', 'LR', 'LR+C', 'LRPFL', 'LRAFL', 'AUX56', 'AUX78'), 1], ['sourcetrim', linf(-18, 18, 0.5, 1), 0.5],
    ['chmode', pfl, 0], ['busmode', pfl, 0], ['dcamode', pfl, 0], ['exclusive', onOff, 0], ['followsel', onOff, 0], ['followsolo', onOff, 0],
    ['dimatt', linf(-40, 0, 1, 0), 0.5], ['dim', onOff, 0], ['mono', onOff, 0], ['delay', onOff, 0], ['delaytime', delayTime, 0],
    ['masterctrl', onOff, 0], ['mute', onOff, 0], ['dimpfl', onOff, 0],
  ]);
  b.node('config/talk', [['enable', onOff, 0], ['source', en('INT', 'EXT'), 0]]);
  for (const t of ['A', 'B']) b.node(`config/talk/${t}`, [['level', level161, 0], ['dim', onOff, 1], ['latch', onOff, 0], ['destmap', bits(18), 0]]);
  b.node('config/osc', [['level', level161, 0], ['f1', oscFreq, at(oscFreq, 1000)], ['f2', oscFreq, at(oscFreq, 100.2)], ['fsel', en('F1', 'F2'), 0], ['type', en('SINE', 'PINK', 'WHITE'), 0], ['dest', int(0, 25), 0]]);
  b.node('config/userrout/out', range(1, 48).map((k) => [pad(k), int(0, 208), k] as const));
  b.node('config/userrout/in', range(1, 32).map((k) => [pad(k), int(0, 168), k] as const));
  b.node('config/routing', [['routswitch', en('REC', 'PLAY'), 0]]);
  const inBlocks = (n: number, aux: boolean): LeafSpec[] => [
    ...range(1, n).map((k): LeafSpec => [`${8 * k - 7}-${8 * k}`, ...fixedEnum(k - 1, ROUT_IN[k - 1] ?? 'AN1-8')]),
    ...(aux ? [['AUX', ...fixedEnum(0, 'AUX1-4')] as LeafSpec] : []),
  ];
  b.node('config/routing/IN', inBlocks(4, true));
  for (const port of ['AES50A', 'AES50B']) b.node(`config/routing/${port}`, range(1, 6).map((k): LeafSpec => [`${8 * k - 7}-${8 * k}`, ...fixedEnum(k - 1, ROUT_IN[(k - 1) % 4]!)]));
  b.node('config/routing/CARD', inBlocks(4, false));
  b.node('config/routing/OUT', ['1-4', '5-8', '9-12', '13-16'].map((o, k): LeafSpec => [o, ...fixedEnum(k < 2 ? 0 : 1, ['AN1-4', 'AN5-8', 'AN9-12', 'AN13-16'][k]!)]));
  b.node('config/routing/PLAY', inBlocks(4, true));
  for (const set of ['A', 'B', 'C']) {
    b.node(`config/userctrl/${set}`, [['color', { t: 'enum', names: COLORS }, 0]]);
    b.node(`config/userctrl/${set}/enc`, range(1, 4).map((k) => [String(k), str(7), '-'] as const));
    b.node(`config/userctrl/${set}/btn`, range(5, 12).map((k) => [String(k), str(7), '-'] as const));
  }
  const tape = linf(-6, 24, 0.5, 1);
  b.node('config/tape', [['gainL', tape, at(tape, 0)], ['gainR', tape, at(tape, 0)], ['autoplay', onOff, 0]]);
  b.node('config/amixenable', offs(['X', 'Y']));
  b.node('config/dp48', [['scope', bits(4), 0], ['broadcast', int(0, 1), 0], ['aesAB', en('A', 'B'), 0]]);
  b.node('config/dp48/assign', range(1, 48).map((k) => [pad(k), int(0, 12), 0] as const));
  b.node('config/dp48/link', range(1, 24).map((k) => [pad(k), int(0, 1), 0] as const));
  b.node('config/dp48/grpname', range(1, 12).map((k) => [pad(k), str(8), ''] as const));
}

function fxOutputsHeadamps(b: TreeBuilder): void {
  const parKind: Kind = { t: 'fixed', type: 'f', text: '0' };
  for (let s = 1; s <= 8; s++) {
    const [index, text] = FX_RESET[s - 1] ?? [0, 'GEQ2'];
    b.node(`fx/${s}`, [['type', ...fixedEnum(index, text)]]);
    if (s <= 4) b.node(`fx/${s}/source`, [['l', ...fixedEnum(0, 'INS')], ['r', ...fixedEnum(0, 'INS')]]);
    b.node(`fx/${s}/par`, range(1, 64).map((p) => [pad(p), parKind, 0] as const));
  }
  const pos = (k: number): [Kind, number] => fixedEnum(k, ['IN/LC', 'IN/LC+M', '<-EQ', '<-EQ+M', 'EQ->', 'EQ->+M', 'PRE', 'PRE+M', 'POST'][k]!);
  const out = (src: number, p = 8, invert = true): LeafSpec[] => [['src', int(0, 76), src], ['pos', ...pos(p)], ...(invert ? ([['invert', onOff, 0]] as LeafSpec[]) : [])];
  for (let o = 1; o <= 16; o++) {
    b.node(`outputs/main/${pad(o)}`, out(o <= 2 ? o : 0));
    b.node(`outputs/main/${pad(o)}/delay`, [['on', onOff, 0], ['time', delayTime, 0]]);
  }
  for (let o = 1; o <= 6; o++) b.node(`outputs/aux/${pad(o)}`, out(0));
  for (let o = 1; o <= 16; o++) {
    b.node(`outputs/p16/${pad(o)}`, out(0));
    b.node(`outputs/p16/${pad(o)}/iQ`, [['group', en('OFF', 'A', 'B'), 0], ['speaker', ...fixedEnum(0, 'none')], ['eq', ...fixedEnum(0, 'Linear')], ['model', int(0, 7), 0]]);
  }
  for (let o = 1; o <= 2; o++) b.node(`outputs/aes/${pad(o)}`, out(o));
  for (let o = 1; o <= 2; o++) b.node(`outputs/rec/${pad(o)}`, out(o, 8, false));
  const gain = linf(-12, 60, 0.5, 1, true);
  for (let h = 0; h <= 127; h++) b.node(`headamp/${pad(h, 3)}`, [['gain', gain, at(gain, 0)], ['phantom', onOff, 0]]);
  b.node('-insert', [...range(1, 8).flatMap((k) => [`fx${k}L`, `fx${k}R`]), ...range(1, 6).map((k) => `aux${k}`)].map((n) => [n, int(0, 71), 0] as const));
}

function prefsNodes(b: TreeBuilder, consoleName: string): void {
  const pct = (min: number, step: number): Kind => linf(min, 100, step, 0);
  b.node('-prefs', [
    ['style', str(), ''], ['bright', pct(10, 5), 1], ['lcdcont', pct(0, 2), 0.5], ['ledbright', pct(10, 5), 1], ['lamp', pct(10, 10), 1],
    ['lampon', onOff, 0], ['clockrate', en('48K', '44K1'), 0], ['clocksource', en('INT', 'AES50A', 'AES50B', 'Exp Card'), 0],
    ...offs(['confirm_general', 'confirm_overwrite', 'confirm_sceneload', 'viewrtn', 'selfollowsbank', 'sceneadvance', 'safe_masterlevels']),
    ['haflags', bits(4), 0], ['autosel', onOff, 0], ['show_control', en('CUES', 'SCENES', 'SNIPPETS'), 1], ['clockmode', en('24h', '12h'), 0],
    ['hardmute', onOff, 0], ['dcamute', onOff, 0], ['invertmutes', en('NORM', 'INV'), 0], ['name', str(), consoleName],
  ]);
  b.node('-prefs/remote', [['enable', onOff, 0], ['protocol', en('MC', 'HUI', 'CC'), 0], ['port', en('MIDI', 'CARD', 'RTP'), 0], ['ioenable', bits(12), 0]]);
  for (let q = 1; q <= 16; q++) b.node(`-prefs/iQ/${pad(q)}`, [['iQmodel', ...fixedEnum(0, 'none')], ['iQeqset', ...fixedEnum(0, 'Linear')], ['iQsound', int(0, 7), 0]]);
  b.node('-prefs/card', [
    ['UFifc', ...fixedEnum(1, 'USB')], ['UFmode', ...fixedEnum(0, '32/32')], ['USBmode', ...fixedEnum(0, '32/32')], ['ADATwc', en('IN', 'OUT'), 0],
    ['ADATsync', ...fixedEnum(0, 'WC')], ['MADImode', en('56', '64'), 1], ['MADIin', ...fixedEnum(0, '1-32')], ['MADIout', ...fixedEnum(1, '1-32')], ['MADIsrc', ...fixedEnum(0, 'OFF')],
  ]);
  const decay: Kind = { t: 'logf', min: 0.25, max: 16, steps: 19, fmt: { decimals: 2 } };
  b.node('-prefs/rta', [
    ['visibility', ...fixedEnum(0, 'OFF')], ['gain', linf(0, 60, 6, 0), 0], ['autogain', onOff, 0], ['source', int(0, 73), 0], ['pos', en('PRE', 'POST'), 1],
    ['mode', en('BAR', 'SPEC'), 0], ['options', bits(6), 0], ['det', en('RMS', 'PEAK'), 0], ['decay', decay, at(decay, 1)], ['peakhold', ...fixedEnum(0, 'OFF')],
  ]);
  b.node('-prefs/ip', [['dhcp', onOff, 0]]);
  const ip: Record<string, number[]> = { addr: [127, 0, 0, 1], mask: [255, 0, 0, 0], gateway: [0, 0, 0, 0] };
  for (const [n, q] of Object.entries(ip)) b.node(`-prefs/ip/${n}`, q.map((v, k) => [String(k), int(0, 255), v] as const));
}

function statNodes(b: TreeBuilder): void {
  b.node('-stat', [
    ['selidx', int(0, 71), 0], ['chfaderbank', int(0, 3), 0], ['grpfaderbank', int(0, 3), 0], ['sendsonfader', onOff, 0], ['bussendbank', int(0, 3), 0],
    ['eqband', int(0, 5), 0], ['solo', onOff, 0], ['keysolo', onOff, 0], ['userbank', int(0, 2), 0], ['autosave', onOff, 1], ['lock', int(0, 2), 0],
    ['usbmounted', onOff, 0], ['remote', onOff, 0], ['rtamodeeq', en('BAR', 'SPEC'), 0], ['rtamodegeq', en('BAR', 'SPEC'), 0], ['rtaeqpre', onOff, 0],
    ['rtageqpost', onOff, 0], ['rtasource', int(0, 170), 0], ['xcardtype', int(0, 9), 0], ['xcardsync', onOff, 0], ['geqonfdr', onOff, 0],
    ['geqpos', int(0, 0x817), 0], ['dcaspill', int(0, 8), 0],
  ]);
  b.node('-stat/screen', [['screen', { t: 'enum', names: SCREENS }, 0], ['mutegrp', onOff, 0], ['utils', onOff, 0]]);
  for (const page of ['CHAN', 'METER', 'ROUTE', 'SETUP', 'LIB', 'FX', 'MON', 'USB', 'SCENE', 'ASSIGN']) b.node(`-stat/screen/${page}`, [['page', int(0, 8), 0]]);
  b.node('-stat/solosw', range(1, 80).map((k) => [pad(k), onOff, 0] as const));
  b.node('-stat/aes50', [['A', str(), ''], ['B', str(), ''], ['state', bits(4), 0]]);
  b.node('-stat/tape', [['state', en('STOP', 'PPAUSE', 'PLAY', 'RPAUSE', 'RECORD', 'FF', 'REW'), 0], ['file', str(64), ''], ['etime', int(0, 1e6), 0], ['rtime', int(0, 1e6), 0]]);
  b.node('-stat/osc', [['on', onOff, 0]]);
  b.node('-stat/talk', [['A', onOff, 0], ['B', onOff, 0]]);
  b.node('-stat/urec', [['state', int(0, 5), 0], ['etime', int(0, 1e6), 0], ['rtime', int(0, 1e6), 0]]);
  const actions = ['setip', 'setclock', 'initall', 'initlib', 'initshow', 'savestate', 'undopt', 'doundo', 'playtrack', 'newscreen', 'clearsolo', 'setprebus', 'setsrate', 'setrtasrc', 'recselect', 'gocue', 'goscene', 'gosnippet'];
  b.node('-action', actions.map((n): LeafSpec => (n === 'setclock' ? [n, str(), ''] : [n, int(-1, 999), 0])));
  b.node('-urec', ['sessionmax', 'markermax', 'sessionlen', 'sessionpos', 'markerpos', 'batterystate', 'srate', 'tracks', 'sessionspan', 'sessionoffs', 'sd1state', 'sd2state'].map((n) => [n, int(0, 1e6), 0] as const));
  b.node('-show/prepos', [['current', int(-1, 99), 0]]);
  b.node('-show/showfile/show', [['name', str(), '']]);
  b.node('-undo', [['time', str(), '']]);
  b.node('-usb', [['path', str(64), ''], ['title', str(64), '']]);
  b.node('-usb/dir', [['dirpos', int(0, 999), 0], ['maxpos', int(0, 999), 0]]);
}

/** `config` comes first (as in a scene file), the rest after the strips. */
export function consoleNodes(b: TreeBuilder, part: 'config' | 'rest', consoleName = 'faderd'): void {
  if (part === 'config') return configNodes(b);
  fxOutputsHeadamps(b);
  prefsNodes(b, consoleName);
  statNodes(b);
}
