/**
 * #23 item 12, as a user types it: a µ-law WAV is named as such ("format format code 7" before);
 * `inptu` gets a "did you mean" as `blocksize` does (a swap of two letters is one edit); misspelt
 * options get commander's suggestion; `run --help` shows the default ports.
 *
 * The first test's command runs as a child process; the others through the CLI's main() in this
 * process, from the test's folder (what the entry runs, without a second of start-up per command).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import wavefile from 'wavefile';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { faderd } from './spawn.ts';
import { cli } from './run-main.ts';

// A child process on a loaded machine takes its time.
vi.setConfig({ testTimeout: 240_000, hookTimeout: 60_000 });

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faderd-smaller-'));
  const w = new wavefile.WaveFile();
  w.fromScratch(1, 8000, '8m', new Uint8Array(800));
  fs.writeFileSync(path.join(dir, 'mulaw.wav'), w.toBuffer());
  fs.writeFileSync(path.join(dir, 'typo.yaml'), 'channels:\n  - { name: Kick, inptu: 1 }\naudio: { blocksize: 128 }\n');
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('smaller things', () => {
  it('names an unsupported WAV encoding once, without "format format"', () => {
    const r = faderd(['loudness', 'mulaw.wav'], { cwd: dir });
    expect(r.code).toBe(3);
    expect(r.err).toContain('mulaw.wav:1:1: unsupported sample format: µ-law audio (WAV format code 7), 8-bit (use 16, 24 or 32-bit integer, or 32-bit float PCM)');
    expect(r.err).not.toMatch(/format format/);
  });

  it('suggests input for inptu as it suggests blockSize for blocksize', async () => {
    const r = await cli(['check', 'typo.yaml'], { cwd: dir });
    expect(r.code).toBe(3);
    expect(r.err).toContain("typo.yaml:2:19: unknown key 'inptu' (did you mean 'input'?)");
    expect(r.err).toContain("typo.yaml:3:10: unknown key 'blocksize' (did you mean 'blockSize'?)");
  });

  it('suggests an option for a swapped-letter typo on the command line', async () => {
    const r = await cli(['render', 'x.yaml', '--tial', '0'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.err).toContain("error: unknown option '--tial'");
    expect(r.err).toContain('(Did you mean --tail?)');
    const b = await cli(['params', '--fitler', '/ch/1/*'], { cwd: dir });
    expect(b.code).toBe(2);
    expect(b.err).toContain('(Did you mean --filter?)');
  });

  it('run --help shows the default ports', async () => {
    const r = await cli(['run', '--help'], { cwd: dir });
    expect(r.code).toBe(0);
    // Help text wraps to the terminal's width: compare with the spaces collapsed.
    const help = r.out.replace(/\s+/g, ' ');
    expect(help).toContain("--osc-port <port> native OSC server UDP port (default: the session's osc.port, 9000)");
    expect(help).toContain("--x32-port <port> X32 server UDP port (default: the session's x32.port, 10023 as on a console)");
    expect(help).toContain("--http-port <port> web mixer HTTP port (default: the session's http.port, 9080)");
  });
});
