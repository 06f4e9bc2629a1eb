/**
 * The X32 scales against the unofficial X32 OSC protocol document's appendix tables ([float, node
 * value] couples) and against lines of a scene file saved by a real console (fw 3.x/4.x), which hold
 * the same text `/node` answers with.
 */
import { describe, expect, it } from 'vitest';
import { eqFreq, eqQ, fader, fromArg, fromText, hold, hpf, level161, quantize, release, toText, dbToLevel, levelToDb } from '../../../src/servers/x32/scales.ts';
import { buildTree, nodeLine } from '../../../src/servers/x32/tree.ts';
import { tokenize } from '../../../src/servers/x32/wire.ts';

describe('X32 scales: the protocol document tables', () => {
  it('fader law: 0.75 = 0 dB, 0.5 = -10, 0.25 = -30, 0.0625 = -60, 0 = -oo, both ways', () => {
    for (const [f, db] of [[1, 10], [0.75, 0], [0.5, -10], [0.25, -30], [0.0625, -60]] as const) {
      expect(levelToDb(f)).toBeCloseTo(db, 9);
      expect(dbToLevel(db)).toBeCloseTo(f, 9);
    }
    expect(levelToDb(0)).toBe(-Infinity);
    expect(dbToLevel(-Infinity)).toBe(0);
    // 1024 known fader values: a float snaps to round(f * 1023) / 1023.
    expect(quantize(fader, 0.5)).toBe(Math.fround(512 / 1023));
  });

  it('level table, 161 values: [float, node value] couples', () => {
    const table: Array<[number, string]> = [[0, '-oo'], [0.0063, '-87.0'], [0.0625, '-60.0'], [0.2562, '-29.5'], [0.5063, '-9.8'], [0.5188, '-9.3'], [0.7437, '-0.3'], [0.75, '0.0'], [0.7563, '+0.3'], [0.8062, '+2.3'], [1, '+10.0']];
    for (const [f, text] of table) expect(toText(level161, f).trim(), String(f)).toBe(text);
    expect(toText(level161, 0)).toBe('  -oo'); // right-aligned in 5 columns, as a scene file shows it
  });

  it('frequency table, 201 values 20 Hz..20 kHz, with the kHz form', () => {
    const table: Array<[number, string]> = [[0, '20.0'], [0.005, '20.7'], [0.205, '82.4'], [0.435, '403.7'], [0.5, '632.5'], [0.565, '990.9'], [0.57, '1k02'], [0.615, '1k39'], [0.9, '10k02'], [1, '20k00']];
    for (const [f, text] of table) expect(toText(eqFreq, f), String(f)).toBe(text);
    expect(toText(eqFreq, fromText(eqFreq, '1k39')!)).toBe('1k39');
    expect(toText(eqFreq, fromText(eqFreq, '1000')!)).toBe('990.9'); // the nearest known value
  });

  it('Q (72 values 10..0.3), hold, release and high-pass tables', () => {
    const q: Array<[number, string]> = [[0, '10'], [1 / 71, '9.5'], [17 / 71, '4.3'], [39 / 71, '1.5'], [46 / 71, '1.0'], [1, '0.3']];
    for (const [f, text] of q) expect(toText(eqQ, f), String(f)).toBe(text);
    for (const [f, text] of [[0, '0.02'], [0.03, '0.03'], [0.4, '2.00'], [0.54, '10.0'], [0.74, ' 100'], [0.94, '1002'], [1, '2000']] as const) expect(toText(hold, f)).toBe(text);
    for (const [f, text] of [[0.02, '   6'], [0.5, ' 141'], [0.71, ' 576'], [0.99, '3741']] as const) expect(toText(release, f)).toBe(text);
    for (const [f, text] of [[0.02, '21'], [0.5, '89'], [0.64, '136'], [1, '400']] as const) expect(toText(hpf, f)).toBe(text);
  });

  it('arguments: floats snap, ints clamp, strings parse as node text, enums take names', () => {
    const tree = buildTree();
    const mode = tree.leaf('/ch/01/gate/mode')!;
    expect(fromArg(mode.kind, 's', 'GATE')).toBe(3);
    expect(fromArg(mode.kind, 'i', 3)).toBe(3);
    expect(fromArg(mode.kind, 'i', 99)).toBe(4);
    expect(fromArg(fader, 's', '-10')).toBe(0.5); // finer than the console keeps it; what faderd sends back is snapped
    expect(fromArg(fader, 'f', 1.5)).toBe(1);
    expect(fromArg(fader, 's', '-oo')).toBe(0);
    expect(fromArg(fader, 's', 'loud')).toBeUndefined();
    expect(fromArg(fader, 'f', Number.NaN)).toBeUndefined();
    expect(fromArg(tree.leaf('/ch/01/grp/dca')!.kind, 's', '%00000101')).toBe(5);
  });
});

describe('X32 node lines as a console writes them', () => {
  // Lines from a scene file saved by an X32 (the same text /node answers).
  const lines = [
    '/ch/01/config "Mani" 1 CY 1',
    '/ch/01/delay OFF   0.3',
    '/ch/01/preamp +0.0 OFF ON 24 136',
    '/ch/01/gate OFF EXP4 -38.5 27.0 20  100  576 0',
    '/ch/01/gate/filter OFF 3.0 1k39',
    '/ch/01/dyn ON COMP RMS LIN -23.0 2.0 1 8.00 74 0.03  576 POST 0 100 OFF',
    '/ch/01/dyn/filter OFF 3.0 990.9',
    '/ch/01/insert OFF POST OFF',
    '/ch/01/eq/1 VEQ 232.3 -6.00 4.3',
    '/ch/01/eq/3 PEQ 1k21 -4.25 4.3',
    '/ch/01/eq/4 HCut 11k91 +0.00 2.0',
    '/ch/01/mix ON  +0.2 ON +0 OFF   -oo',
    '/ch/01/mix/02 ON -10.5',
    '/ch/01/grp %00000001 %000000',
    '/ch/01/automix OFF -12.0',
    '/auxin/01/preamp +8.8 OFF',
    '/bus/01/mix OFF   0.0 OFF +0 OFF -81.0',
    '/bus/01/dyn ON COMP RMS LOG -22.5 2.0 0 0.00 35 0.25  226 POST 0 100 OFF',
    '/mtx/01/dyn OFF COMP RMS LOG 0.0 3.0 1 0.00 10 10.0  151 POST 100 OFF',
    '/main/st/mix ON  -9.9 +0',
    '/dca/1 OFF  -2.2',
    '/dca/2/config "Instruments" 23 GN',
    '/config/solo   0.0 AUX78 0.0 PFL PFL PFL ON OFF ON -22 OFF OFF OFF   0.3 OFF OFF OFF',
    '/config/talk/A -12.0 OFF ON %000000000000000010',
    '/config/mono LR+M ON',
    '/headamp/000 +41.0 OFF',
    '/headamp/087 -3.5 OFF',
  ];
  it.each(lines)('%s', (line) => {
    const tree = buildTree();
    const [head, ...values] = tokenize(line);
    const node = tree.node(head!)!;
    expect(node.leaves).toHaveLength(values.length);
    const texts = node.leaves.map((l, k) => {
      const v = fromText(l.kind, values[k]!);
      expect(v, `${l.address} ${values[k]}`).toBeDefined();
      return toText(l.kind, v!);
    });
    expect(nodeLine(node.path, texts)).toBe(line);
  });
});
