/**
 * A log line names the source file that logged it, also when faderd runs from dist/ (the JavaScript
 * scripts/build-dist.mjs compiles at install): dist/x/y.js is reported as src/x/y.ts.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { logger, setLogDestination } from '../../src/util/log.ts';
import { ROOT } from '../reliability/daemon-process.ts';

describe('logger names', () => {
  it('names src/ files as they are, and dist/ files by their source', () => {
    const names: string[] = [];
    setLogDestination({ write: (s: string) => void names.push((JSON.parse(s) as { name: string }).name) }, 'warn');
    logger(pathToFileURL(path.join(ROOT, 'src', 'daemon', 'daemon.ts')).href).warn('a');
    logger(pathToFileURL(path.join(ROOT, 'dist', 'daemon', 'daemon.js')).href).warn('b');
    logger(pathToFileURL(path.join(ROOT, 'scripts', 'bench', 'run.js')).href).warn('c');
    expect(names).toEqual(['src/daemon/daemon.ts', 'src/daemon/daemon.ts', 'scripts/bench/run.js']);
  });
});
