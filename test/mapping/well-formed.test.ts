import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { cli } from '../cli/run-main.ts';
import { outputProblem } from '../../src/mapping/binding/codec.ts';
import { MAPPINGS_DIR } from '../../src/mapping/file/shipped.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faderd-wellformed-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
// The CLI reports a failed check through process.exitCode, which outlives a run in this process.
afterEach(() => {
  process.exitCode = undefined;
});
const write = (name: string, text: string): string => {
  const f = path.join(dir, name);
  fs.writeFileSync(f, text);
  return f;
};

describe('a mapping that would send malformed MIDI is refused when it is checked, not at run time', () => {
  it('faderd check names the output, the repeat values and what is wrong, at file:line:col', async () => {
    const f = write(
      'leds.yaml',
      `version: 1
surface: { transport: midi, input: Launch }
bindings:
  - name: mute LEDs
    repeat: { i: 0..3 }
    target: /ch/{i + 1}/mute
    feedback: { midi: { sysex: "F0 00 20 29 {0x7E + i} vv F7" } }
  - source: { cc: 7 }
    target: /ch/1/fader
    feedback: [{ source: true }, { midi: { sysex: "F0 00 20 29 02 0E 80 vv F7" } }]
`,
    );
    const r = await cli(['check', f]);
    expect(r.code).toBe(3);
    expect(r.err + r.out).toContain(`${f}:7:15: bindings.0.feedback: would send a malformed MIDI message (F0 00 20 29 80 00 F7): SysEx data byte 4 is 0x80 (must be < 0x80) (with i = 2)`);
    expect(r.err + r.out).toContain(`${f}:10:34: bindings.1.feedback.1: would send a malformed MIDI message (F0 00 20 29 02 0E 80 00 F7)`);
  });

  it('passes every shipped MIDI mapping', async () => {
    const r = await cli(['check', ...['mackie-control.yaml', 'korg-nanokontrol2.yaml'].map((f) => path.join(MAPPINGS_DIR, f))]);
    expect(r.code, r.err + r.out).toBe(0);
  });

  it('checks the pieces a display is sent in, not the display as one message', () => {
    // Ten digits of a timecode display are ten CCs; a pair and an NRPN are several messages.
    const text = { render: () => '-14.2' } as never;
    expect(outputProblem({ kind: 'segments', channel: 0, cc: 0x40, digits: 10, text })).toBeUndefined();
    expect(outputProblem({ kind: 'source', source: { kind: 'cc14', channel: 0, msb: 7, lsb: 39 } })).toBeUndefined();
    expect(outputProblem({ kind: 'source', source: { kind: 'nrpn', channel: 0, param: 300 } })).toBeUndefined();
    expect(outputProblem({ kind: 'meter', channel: 0, strip: 7 })).toBeUndefined();
    expect(outputProblem({ kind: 'lcd', header: [0, 0, 0x66, 0x14, 0x12], offset: 105, width: 7, gap: 1 })).toBeUndefined();
  });
});
