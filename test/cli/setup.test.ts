/**
 * #23 item 1: the README's set-up names every system package the install needs (node-gyp compiles
 * naudiodon's addon and the JACK bridge: make, g++ and Python 3), and `.ci/run`, which runs the set-up
 * on a clean checkout, installs them explicitly.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { root } from './spawn.ts';

const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
const setup = readme.slice(readme.indexOf('## Set-up'), readme.indexOf('\n## ', readme.indexOf('## Set-up') + 1));
const aptLines = (text: string) => text.split('\n').filter((l) => /apt-get install/.test(l) && !l.includes('`apt-get'));

describe('set-up', () => {
  it('the README set-up installs the tool chain before npm ci', () => {
    const install = setup.indexOf('apt-get install');
    expect(install).toBeGreaterThan(0);
    expect(install).toBeLessThan(setup.indexOf('\nnpm ci'));
    for (const pkg of ['build-essential', 'python3']) expect(aptLines(setup).some((l) => l.split(/\s+/).includes(pkg))).toBe(true);
  });

  it('.ci/run installs build-essential and python3 along with the test packages', () => {
    const ci = aptLines(fs.readFileSync(path.join(root, '.ci', 'run'), 'utf8'));
    expect(ci).toHaveLength(1);
    for (const pkg of ['build-essential', 'python3', 'jackd2', 'socat']) expect(ci[0]!.split(/\s+/)).toContain(pkg);
  });
});
