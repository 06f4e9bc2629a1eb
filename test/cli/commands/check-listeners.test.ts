/** `faderd check` applies the listeners' network rules exactly as `run` does (issue #14, item 9). */
import { afterAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { checkFile } from '../../../src/cli/commands/check.ts';
import { parseSession } from '../../../src/params/session.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faderd-check-listeners-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const write = (name: string, text: string): string => {
  const f = path.join(dir, name);
  fs.writeFileSync(f, text);
  return f;
};

describe('faderd check on listener settings', () => {
  it('refuses, with a line, the OSC and X32 settings run refuses', () => {
    const f = write('open.yaml', 'osc:\n  host: 0.0.0.0\nx32:\n  readOnly: [the-tablet]\n');
    const { issues } = checkFile(f);
    expect(issues.map((i) => [i.line, i.message])).toEqual([
      [2, expect.stringMatching(/osc: listening on 0\.0\.0\.0 \(beyond this machine\) needs an allow list/)],
      [4, expect.stringMatching(/x32\.readOnly: "the-tablet" is not an IP address/)],
    ]);
    expect(() => parseSession(fs.readFileSync(f, 'utf8'), f)).toThrow(/needs an allow list/);
  });

  it('accepts an IPv6 subnet, and warns (without failing) about an allow list open to every address', () => {
    const f = write('wide.yaml', 'osc:\n  host: 0.0.0.0\n  allow: [fd00:1::/64, 0.0.0.0/0]\n');
    const r = checkFile(f);
    expect(r.issues).toEqual([]);
    expect(r.warnings?.map((w) => [w.line, w.message])).toEqual([[3, expect.stringMatching(/warning: osc\.allow: "0\.0\.0\.0\/0" lets every address in/)]]);
  });
});
