/**
 * Where pacing is set, and how a wrong value is reported: the session's `osc.pacing` and
 * `x32.pacing`, a mapping file's `surface.pacing`, each refused with file:line:col and the key.
 */
import { describe, expect, it } from 'vitest';
import { parseSession } from '../../src/params/session.ts';
import { parseMapping } from '../../src/mapping/file/load.ts';
import { ConfigError, formatIssue } from '../../src/util/source-error.ts';
import { DEFAULT_PACE, resolvePacing, serialPace } from '../../src/surfaces/pacing.ts';

function issues(f: () => unknown): string[] {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).issues.map(formatIssue);
  }
  throw new Error('expected a refusal');
}

describe('pacing settings', () => {
  it('session: osc.pacing and x32.pacing are read, bad values named by file:line:col', () => {
    const s = parseSession('channels: 2\nosc: { pacing: { rate: 500, bundle: true } }\nx32: { pacing: false }\n', 'show.yaml');
    expect(s.osc.pacing).toEqual({ rate: 500, bundle: true });
    expect(s.x32.pacing).toBe(false);
    expect(resolvePacing(s.osc.pacing, DEFAULT_PACE.udp)).toEqual({ pace: { burst: DEFAULT_PACE.udp.burst, rate: 500 }, bundleBytes: 1400 });
    const out = issues(() => parseSession('channels: 2\nosc:\n  pacing: { burst: 0 }\nx32:\n  pacing: { bundle: true }\n', 'show.yaml'));
    expect(out).toHaveLength(2);
    expect(out[0]).toMatch(/^show\.yaml:3:\d+: osc\.pacing/);
    // An X32 app expects plain messages: no bundles there.
    expect(out[1]).toMatch(/^show\.yaml:5:\d+: .*bundle/);
  });

  it('mapping file: surface.pacing per transport, bad values named by file:line:col', () => {
    const ok = parseMapping('version: 1\nsurface: { transport: midi, input: board, pacing: { rate: 3125, burst: 512 } }\nbindings:\n  - { source: { cc: 1 }, target: /ch/1/fader }\n', 'board.yaml');
    expect(ok.device).toMatchObject({ pacing: { rate: 3125, burst: 512 } });
    const bad = issues(() => parseMapping('version: 1\nsurface:\n  transport: serial\n  path: /dev/null\n  framing: lines\n  pacing: { rate: -1 }\nbindings:\n  - { source: { line: "F {value}" }, target: /ch/1/fader }\n', 'board.yaml'));
    expect(bad[0]).toMatch(/^board\.yaml:6:\d+: surface\.pacing/);
  });

  it('serial paces at its baud rate in bytes; false turns pacing off', () => {
    expect(serialPace(31250)).toEqual({ burst: 256, rate: 3125 });
    expect(resolvePacing(false, DEFAULT_PACE.midi).pace).toBeUndefined();
    expect(resolvePacing(undefined, serialPace(115200)).pace).toEqual({ burst: 256, rate: 11520 });
  });
});
