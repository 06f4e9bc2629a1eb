import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseMapping, loadMapping } from '../../src/mapping/file/load.ts';
import { resolveDevice } from '../../src/mapping/file/device.ts';
import { ConfigError, type SourceIssue } from '../../src/util/source-error.ts';
import { FIXTURES } from './helpers.ts';

function issuesOf(text: string): SourceIssue[] {
  try {
    parseMapping(text, 'bad.yaml');
  } catch (e) {
    if (e instanceof ConfigError) return [...e.issues];
    throw e;
  }
  throw new Error('expected the mapping to be refused');
}

describe('parseMapping', () => {
  it('reports a misspelt key, a bad range and an unknown address in one run, each with line and column', () => {
    const issues = issuesOf(`version: 1
surface: { transport: midi, input: X-Touch }
bindings:
  - source: { pitchbend: true, chanel: 1 }
    target: /ch/1/fader
  - source: { cc: 7 }
    glue: { out: [0, 1.5] }
    target: /ch/1/fader
  - repeat: { i: 0..7 }
    source: { note: 0x10 + i }
    target: /ch/{i + 1}/mutte
`);
    expect(issues).toEqual([
      { file: 'bad.yaml', line: 4, col: 32, message: "unknown key 'chanel' (did you mean 'channel'?)" },
      { file: 'bad.yaml', line: 7, col: 22, message: expect.stringMatching(/^bindings\.1\.glue\.out\.1: .*<=1/) },
      { file: 'bad.yaml', line: 11, col: 13, message: 'bindings.2.target: unknown param address /ch/1/mutte (did you mean /ch/<n>/mute?)' },
    ]);
  });

  it('checks templated numbers per repeat and names the expression they came from', () => {
    const issues = issuesOf(`version: 1
surface: { transport: midi }
bindings:
  - repeat: { i: 0..7 }
    source: { note: 0x7c + i }
    target: /ch/{i + 1}/mute
  - repeat: { i: 3..1 }
    source: { cc: i }
    target: /ch/1/pan
  - source: { cc: 1 + }
    target: /ch/1/pan
  - source: { cc: 2 }
    target: /ch/{bank + 1}/pan
`);
    expect(issues.map((i) => [i.line, i.message])).toEqual([
      [5, 'bindings.0.source.note: must be an integer 0..127, got 128 (from 0x7c + i)'],
      [7, 'bindings.1.repeat.i: range 3..1 runs backwards (write 1..3)'],
      [10, "bindings.2.source.cc: expression '1 +' ends too early"],
      [13, "bindings.3.target: unknown name 'bank' in template '/ch/{bank + 1}/pan'"],
    ]);
  });

  it('refuses sources the surface cannot carry, read-only targets and unknown state', () => {
    const issues = issuesOf(`version: 1
surface: { transport: osc, port: 9100 }
bindings:
  - source: { note: 1 }
    target: /ch/1/mute
  - source: { osc: /meter }
    target: /master/meter/momentary
  - source: { osc: /bank }
    target: { state: bank, value: bank + 8 }
`);
    expect(issues.map((i) => i.line)).toEqual([4, 7, 9]);
    expect(issues[0]!.message).toMatch(/MIDI messages need a MIDI surface/);
    expect(issues[1]!.message).toMatch(/read-only/);
    expect(issues[2]!.message).toMatch(/unknown surface state 'bank'/);
  });

  it('refuses glue the target cannot take: a falling taper table, linear over an unbounded fader, log from 0', () => {
    const issues = issuesOf(`version: 1
surface: { transport: midi }
bindings:
  - source: { cc: 1 }
    glue: { taper: [[0, 10], [1, -10]] }
    target: /ch/1/trim
  - source: { cc: 2 }
    glue: { taper: linear }
    target: /ch/1/fader
  - source: { cc: 3 }
    glue: { taper: log }
    target: /ch/1/pan
`);
    expect(issues.map((i) => [i.line, i.col])).toEqual([[5, 20], [8, 20], [11, 20]]);
    expect(issues.map((i) => i.message)).toEqual([
      expect.stringMatching(/increasing positions and increasing values/),
      expect.stringMatching(/linear needs glue.range/),
      expect.stringMatching(/log needs a range above 0/),
    ]);
  });

  it('expands repeats into instances with resolved sources', () => {
    const m = loadMapping(path.join(FIXTURES, 'mcu.yaml'));
    const faders = m.bindings.filter((b) => b.label.includes('(fader)'));
    expect(faders.map((b) => b.source)).toEqual(Array.from({ length: 8 }, (_, i) => ({ kind: 'pitchbend', channel: i })));
    expect(faders.map((b) => b.touch)).toEqual(Array.from({ length: 8 }, (_, i) => ({ kind: 'note', channel: 0, note: 0x68 + i })));
    expect(m.device).toEqual({ transport: 'midi', input: 'X-Touch' });
    expect(m.feedbackRateHz).toBe(50);
  });

  it('names an unreadable file', () => {
    expect(() => loadMapping('/nonexistent/x.yaml')).toThrow(/x\.yaml:1:1: cannot read mapping/);
  });
});

describe('resolveDevice', () => {
  const m = parseMapping(fs.readFileSync(path.join(FIXTURES, 'mcu.yaml'), 'utf8'), 'mcu.yaml');

  it('keeps the mapping device, refines it, or moves the MIDI mapping to a serial port with MIDI framing', () => {
    expect(resolveDevice(m)).toEqual({ transport: 'midi', input: 'X-Touch' });
    expect(resolveDevice(m, { input: 'MCU Pro' })).toEqual({ transport: 'midi', input: 'MCU Pro' });
    expect(resolveDevice(m, { transport: 'serial', path: '/dev/ttyACM0', framing: 'midi' })).toEqual({ transport: 'serial', path: '/dev/ttyACM0', framing: 'midi' });
  });

  it('refuses an override that cannot carry the mapping', () => {
    expect(() => resolveDevice(m, { transport: 'serial', path: '/dev/ttyUSB0', framing: 'lines' })).toThrow(/cannot carry this mapping's midi messages/);
    expect(() => resolveDevice(m, { transport: 'serial', path: 3 })).toThrow(ConfigError);
  });
});
