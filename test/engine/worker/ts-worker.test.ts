/**
 * tsWorker runs a .ts entry under tsx and a .js entry (the engine worker from dist/) as it is, with
 * no TypeScript loader: the probe worker tries to import a .ts module, which only a loader allows.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { tsWorker } from '../../../src/engine/worker/ts-worker.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faderd-ts-worker-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const PROBE = `import { parentPort, workerData } from 'node:worker_threads';
try {
  const m = await import(workerData);
  parentPort.postMessage(String(m.answer));
} catch (e) {
  parentPort.postMessage(e.code ?? String(e));
}
`;
fs.writeFileSync(path.join(dir, 'package.json'), '{ "type": "module" }\n');
fs.writeFileSync(path.join(dir, 'probe.js'), PROBE);
fs.writeFileSync(path.join(dir, 'probe.ts'), PROBE);
fs.writeFileSync(path.join(dir, 'module.ts'), 'export const answer: number = 42;\n');
const moduleTs = pathToFileURL(path.join(dir, 'module.ts')).href;

async function run(entry: string): Promise<string> {
  const w = tsWorker(pathToFileURL(path.join(dir, entry)), moduleTs);
  try {
    return await new Promise<string>((resolve, reject) => {
      w.once('message', resolve);
      w.once('error', reject);
    });
  } finally {
    await w.terminate();
  }
}

describe('tsWorker', () => {
  it('a .ts entry runs under tsx: it can import TypeScript', async () => {
    expect(await run('probe.ts')).toBe('42');
  }, 60_000);

  it('a .js entry runs without a TypeScript loader', async () => {
    expect(await run('probe.js')).toBe('ERR_UNKNOWN_FILE_EXTENSION');
  }, 60_000);
});
