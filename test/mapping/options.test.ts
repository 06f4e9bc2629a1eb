import { describe, expect, it } from 'vitest';
import { parseMapping } from '../../src/mapping/file/load.ts';
import { ConfigError, type SourceIssue } from '../../src/util/source-error.ts';
import { hex, rig } from './helpers.ts';

function issuesOf(text: string, options?: Record<string, unknown>): SourceIssue[] {
  try {
    parseMapping(text, 'bad.yaml', options);
  } catch (e) {
    if (e instanceof ConfigError) return [...e.issues];
    throw e;
  }
  throw new Error('expected the mapping to be refused');
}

const UNIT = `version: 1
surface: { transport: midi }
options: { deviceId: 0x14, stripOffset: 0 }
bindings:
  - repeat: { i: 0..1 }
    source: { note: 0x10 + i }
    target: /ch/{stripOffset + i + 1}/mute
  - repeat: { i: 0..1 }
    target: /ch/{stripOffset + i + 1}/name
    feedback: { lcd: { offset: i * 7, header: [0x00, 0x00, 0x66, deviceId, 0x12] } }
`;

describe('mapping options', () => {
  it('are read by source numbers, targets and LCD headers, and overridden per surface', () => {
    const m = parseMapping(UNIT, 'unit.yaml', { deviceId: 0x15, stripOffset: 8 });
    expect(m.options).toEqual({ deviceId: 0x15, stripOffset: 8 });
    const r = rig(m);
    const sent = r.flush();
    expect(sent).toContain(hex(0xf0, 0, 0, 0x66, 0x15, 0x12, 0, ...[...'Ch 9   '].map((c) => c.charCodeAt(0)), 0xf7));
    r.surface.midi(0x90, 0x11, 0x7f);
    expect(r.store.get('/ch/10/mute')).toBe(true);
    expect(r.mapping.bindings[0]!.label).toBe('bindings[0] i=0'); // options stay out of log labels
  });

  it('refuses unknown or non-numeric overrides and header bytes out of range, naming them', () => {
    expect(issuesOf(UNIT, { stripOfset: 8 }).map((i) => i.message)).toEqual(["option override 'stripOfset': unknown option; did you mean 'stripOffset'?"]);
    expect(issuesOf(UNIT, { deviceId: 'xt' }).map((i) => i.message)).toEqual(['option override \'deviceId\': must be a number, got "xt"']);
    expect(issuesOf(UNIT, { deviceId: 0x80 }).map((i) => i.message)).toEqual([expect.stringMatching(/header\.3: must be an integer 0\.\.127, got 128 \(from deviceId\)/)]);
    const none = issuesOf('version: 1\nsurface: { transport: midi }\nbindings:\n  - { source: { note: 1 }, target: /ch/1/mute }\n', { x: 1 });
    expect(none[0]).toMatchObject({ line: 1, message: "option override 'x': unknown option (this mapping declares no options)" });
  });
});

describe('segments output', () => {
  it('checks that every digit has a CC and that the text template names known variables', () => {
    const issues = issuesOf(`version: 1
surface: { transport: midi }
state: { bank: 0 }
bindings:
  - target: /master/meter/shortterm
    feedback: { segments: { cc: 0x7A, digits: 10 } }
  - target: { state: bank }
    feedback: { segments: { cc: 0x4A, digits: 2, text: "{bnak + 1}" } }
`);
    expect(issues.map((i) => [i.line, i.message])).toEqual([
      [6, expect.stringMatching(/segments\.cc: must be an integer 0\.\.118, got 122/)],
      [8, expect.stringMatching(/unknown name 'bnak'/)],
    ]);
  });
});

describe('shared state', () => {
  it('moves every surface of the group on the same store, each within its own bounds', () => {
    const text = (max: number) => `version: 1
surface: { transport: midi }
state: { bank: { initial: 0, min: 0, max: ${max}, shared: pair } }
bindings:
  - { source: { note: 0x2F }, target: { state: bank, value: bank + 8 }, feedback: false }
`;
    const a = rig(parseMapping(text(8), 'a.yaml'));
    const b = rig(parseMapping(text(16), 'b.yaml'), { store: a.store });
    const other = rig(parseMapping(text(16).replace('pair', 'other'), 'c.yaml'), { store: a.store });
    b.surface.midi(0x90, 0x2f, 0x7f);
    expect([a.compiled.state.get('bank'), b.compiled.state.get('bank'), other.compiled.state.get('bank')]).toEqual([8, 8, 0]);
    b.surface.midi(0x90, 0x2f, 0x7f);
    expect([a.compiled.state.get('bank'), b.compiled.state.get('bank')]).toEqual([8, 16]);
    // A surface compiled later starts where the group is.
    const late = rig(parseMapping(text(16), 'd.yaml'), { store: a.store });
    expect(late.compiled.state.get('bank')).toBe(16);
    b.compiled.dispose();
    a.surface.midi(0x90, 0x2f, 0x7f);
    expect(late.compiled.state.get('bank')).toBe(16);
  });
});
