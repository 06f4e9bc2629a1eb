/**
 * The shipped systemd unit: `systemd-analyze verify` accepts it without a single complaint (a value
 * systemd cannot parse is only a warning with exit 0, so stderr must be empty too), and it says what a
 * show machine needs: SIGHUP on reload, a restart on failure, realtime limits.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../reliability/daemon-process.ts';

const UNIT = path.join(ROOT, 'systemd', 'faderd.service');
const hasSystemd = spawnSync('systemd-analyze', ['--version'], { encoding: 'utf8' }).status === 0;

describe('systemd/faderd.service', () => {
  it.runIf(hasSystemd)('passes systemd-analyze verify with no warnings', () => {
    const r = spawnSync('systemd-analyze', ['verify', UNIT], { encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr.trim()).toBe('');
    expect(r.status).toBe(0);
  });

  it('reloads with SIGHUP to the main pid, restarts on failure, and allows realtime audio', () => {
    const text = fs.readFileSync(UNIT, 'utf8');
    const settings = new Map(
      text
        .split('\n')
        .filter((l) => /^[A-Za-z]+=/.test(l))
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] as const),
    );
    expect(settings.get('ExecReload')).toBe('/bin/kill -HUP $MAINPID');
    expect(settings.get('ExecStart')).toMatch(/ faderd run /);
    expect(settings.get('Restart')).toBe('on-failure');
    expect(Number(settings.get('LimitRTPRIO'))).toBeGreaterThan(0);
    expect(settings.get('LimitMEMLOCK')).toBe('infinity');
    expect(text).toMatch(/^Environment=FADERD_LOG_FORMAT=json$/m);
    // The same small young generation as `npm start` (the idle RSS the README states).
    expect(text).toMatch(/^Environment=NODE_OPTIONS=--max-semi-space-size=1$/m);
  });
});
