import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { VirtualTimeScheduler } from 'rxjs';
import { MappingHost } from '../../src/mapping/host.ts';
import { MemorySurface } from '../../src/surfaces/memory.ts';
import { ConfigError } from '../../src/util/source-error.ts';
import { makeStore } from './helpers.ts';

const GOOD = (cc: number) => `version: 1
surface: { transport: midi, input: Test }
bindings:
  - source: { cc: ${cc} }
    target: /ch/1/pan
    glue: { taper: linear }
`;

const dirs: string[] = [];
function tmpFile(text: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faderd-mapping-'));
  dirs.push(dir);
  const file = path.join(dir, 'surface.yaml');
  fs.writeFileSync(file, text);
  return file;
}
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function setup(text: string) {
  const file = tmpFile(text);
  const store = makeStore(2);
  const surface = new MemorySurface('t');
  const scheduler = new VirtualTimeScheduler();
  const host = new MappingHost(file, store, surface, { id: 't', scheduler });
  return { file, store, surface, host, scheduler };
}

describe('MappingHost', () => {
  it('refuses a broken edit with file:line:col and keeps the previous mapping running', () => {
    const { file, store, surface, host } = setup(GOOD(7));
    host.start();
    surface.midi(0xb0, 7, 127);
    expect(store.get('/ch/1/pan')).toBe(1);

    fs.writeFileSync(file, GOOD(7).replace('target: /ch/1/pan', 'target: /ch/1/pna'));
    const r = host.reload();
    expect(r.ok).toBe(false);
    expect(!r.ok && r.issues.map((i) => [i.file, i.line, i.col])).toEqual([[file, 5, 13]]);
    surface.midi(0xb0, 7, 0);
    expect(store.get('/ch/1/pan')).toBe(-1); // the old mapping still drives the param

    fs.writeFileSync(file, GOOD(8));
    expect(host.reload()).toEqual({ ok: true });
    surface.midi(0xb0, 7, 127);
    expect(store.get('/ch/1/pan')).toBe(-1); // the old binding is gone...
    surface.midi(0xb0, 8, 127);
    expect(store.get('/ch/1/pan')).toBe(1); // ...and the new one runs
    host.dispose();
    expect(surface.observerCount()).toBe(0);
  });

  it('never throws from reload: an unexpected compile error keeps the previous mapping running', async () => {
    const { file, store, surface, host } = setup(GOOD(7));
    host.start();
    fs.writeFileSync(file, GOOD(9));
    const compile = await import('../../src/mapping/binding/compile.ts');
    const spy = vi.spyOn(compile, 'compileMapping');
    spy.mockImplementationOnce(() => {
      throw new TypeError('boom');
    });
    const r = host.reload();
    spy.mockRestore();
    expect(r).toEqual({ ok: false, issues: [{ file, line: 1, col: 1, message: 'cannot compile: boom' }] });
    surface.midi(0xb0, 7, 127);
    expect(store.get('/ch/1/pan')).toBe(1); // the previous mapping was restored
    fs.writeFileSync(file, 'version: 1\nsurface: { transport: midi, input: Test }\nbindings: *gone\n');
    expect(host.reload()).toMatchObject({ ok: false, issues: [{ line: 3, col: 11, message: expect.stringMatching(/unresolved alias \*gone/) }] });
    host.dispose();
  });

  it('start() throws a ConfigError for a bad file and then runs nothing', () => {
    const { host, surface } = setup('version: 2\nbindings: []\n');
    expect(() => host.start()).toThrow(ConfigError);
    expect(host.compiled).toBeUndefined();
    expect(surface.observerCount()).toBe(0);
  });

  it('refuses a device override that cannot carry the mapping', () => {
    const file = tmpFile(GOOD(7));
    const host = new MappingHost(file, makeStore(2), new MemorySurface('t'), { id: 't', deviceOverride: { transport: 'osc', port: 9100 } });
    const r = host.reload();
    expect(r.ok).toBe(false);
    expect(!r.ok && r.issues[0]!.message).toMatch(/cannot carry/);
  });

  it('watch() reloads when the file is replaced', async () => {
    const { file, store, surface, host } = setup(GOOD(7));
    host.start();
    host.watch();
    // Saved the way many editors do: a new file renamed over the old one.
    fs.writeFileSync(`${file}.tmp`, GOOD(9));
    fs.renameSync(`${file}.tmp`, file);
    await vi.waitFor(() => {
      surface.midi(0xb0, 9, 127);
      expect(store.get('/ch/1/pan')).toBe(1);
    }, { timeout: 5000, interval: 50 });
    host.dispose();
  });
});
