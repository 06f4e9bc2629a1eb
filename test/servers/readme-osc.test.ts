/**
 * The README's OSC examples, run as printed against a real `faderd run` child process with liblo's
 * own `oscsend` and `oscdump` (liblo-tools, installed by .ci/run). The blocks are found by their
 * markers (`<!-- osc-example: NAME -->`, `<!-- osc-output: NAME -->`, `<!-- osc-session: NAME -->`);
 * the only change made to them is the port numbers: 9000, 9001 and 9002 become free ports, so parallel
 * test files and a daemon already running on this machine do not collide.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_SESSION_YAML } from '../../src/params/session.ts';
import { freeUdpPort, queryOsc, ROOT, startDaemon, type DaemonProcess } from '../reliability/daemon-process.ts';

const README = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faderd-readme-osc-'));
const children: ChildProcess[] = [];
const daemons: DaemonProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
  for (const d of daemons.splice(0)) d.child.kill('SIGKILL');
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** The fenced block right after `<!-- KIND: NAME -->`. */
function block(kind: string, name: string): string {
  const marker = `<!-- ${kind}: ${name} -->`;
  const at = README.indexOf(marker);
  if (at < 0) throw new Error(`README.md has no ${marker}`);
  const m = /```[a-z]*\n([\s\S]*?)```/.exec(README.slice(at + marker.length));
  if (!m) throw new Error(`README.md: no fenced block after ${marker}`);
  return m[1]!;
}

type Ports = Record<'9000' | '9001' | '9002', number>;
const withPorts = (text: string, p: Ports) => text.replace(/\b900[012]\b/g, (x) => String(p[x as keyof Ports]));

async function ports(): Promise<Ports> {
  return { '9000': await freeUdpPort(), '9001': await freeUdpPort(), '9002': await freeUdpPort() };
}

/** Resolves once something has bound UDP `port` on 127.0.0.1 (we can no longer bind it ourselves). */
async function bound(port: number): Promise<void> {
  const t0 = Date.now();
  for (;;) {
    const s = dgram.createSocket('udp4');
    const free = await new Promise<boolean>((r) => {
      s.once('error', () => r(false));
      s.bind(port, '0.0.0.0', () => r(true));
    });
    await new Promise<void>((r) => s.close(() => r()));
    if (!free) return;
    if (Date.now() - t0 > 10_000) throw new Error(`nothing listens on UDP ${port}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Starts a README line that ends in `&` (a listener); returns its output so far. */
async function background(line: string): Promise<() => string> {
  const cmd = line.replace(/#.*$/, '').trim().replace(/&$/, '').trim();
  const child = spawn('sh', ['-c', `exec ${cmd}`], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  const port = Number(/(\d+)\s*$/.exec(cmd)?.[1]);
  await bound(port);
  return () => out;
}

/** Runs a README block line by line, as a user would type it; returns the outputs of its listeners. */
async function run(text: string): Promise<Array<() => string>> {
  const listeners: Array<() => string> = [];
  for (const line of text.split('\n').filter((l) => l.trim() && !l.trim().startsWith('#'))) {
    if (/&\s*(#.*)?$/.test(line)) {
      listeners.push(await background(line));
      continue;
    }
    const r = spawnSync('sh', ['-c', line], { encoding: 'utf8', timeout: 10_000 });
    expect(r.status, `${line}\n${r.stderr}`).toBe(0);
  }
  return listeners;
}

/** `oscdump` lines without their time tag. */
const messages = (out: string) => out.split('\n').map((l) => l.replace(/^[0-9a-f]{8}\.[0-9a-f]{8} /, '').trim()).filter(Boolean);

/** Waits until every expected line has appeared, in order (other lines may come between). */
async function expectInOrder(out: () => string, expected: readonly string[], what: string): Promise<void> {
  const t0 = Date.now();
  const inOrder = () => {
    const got = messages(out());
    let k = 0;
    for (const g of got) if (k < expected.length && g === expected[k]) k++;
    return k === expected.length;
  };
  while (!inOrder()) {
    if (Date.now() - t0 > 15_000) throw new Error(`${what}: expected, in order:\n${expected.join('\n')}\ngot:\n${out()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function session(name: string, oscYaml?: string): string {
  let text = DEFAULT_SESSION_YAML;
  if (oscYaml) text = text.replace(/^osc: .*$/m, oscYaml.trimEnd());
  const file = path.join(dir, `${name}.yaml`);
  fs.writeFileSync(file, `${text}\nx32: { enabled: false }\n`);
  return file;
}

async function daemon(name: string, p: Ports, oscYaml?: string): Promise<DaemonProcess> {
  const d = await startDaemon({ stateDir: path.join(dir, `state-${name}`), session: session(name, oscYaml), port: p['9000'], extraArgs: ['--no-http'] });
  daemons.push(d);
  return d;
}

const haveLiblo = spawnSync('sh', ['-c', 'command -v oscsend && command -v oscdump']).status === 0;

describe.skipIf(!haveLiblo)("README's OSC examples, run with liblo's tools", () => {
  it('set-up: two changes and a query answered on the port it names', async () => {
    const p = await ports();
    const d = await daemon('setup', p);
    const listener = dgram.createSocket('udp4');
    await new Promise<void>((r) => listener.bind(p['9001'], '127.0.0.1', () => r()));
    const replies: Buffer[] = [];
    listener.on('message', (m) => replies.push(m));
    try {
      await run(withPorts(block('osc-example', 'set-up'), p));
      const got = await queryOsc(d.port, ['/ch/1/fader', '/ch/2/fader'], 5000);
      expect(got.get('/ch/1/fader')).toBe(-6);
      expect(got.get('/ch/2/fader')).toBe(0);
      const t0 = Date.now();
      while (replies.length === 0 && Date.now() - t0 < 10_000) await new Promise((r) => setTimeout(r, 20));
      expect(replies.length).toBe(1);
    } finally {
      listener.close();
    }
  });

  it('hearing back: oscdump on a reply port shows the mix, a change and a query reply, as printed', async () => {
    const p = await ports();
    await daemon('hearing', p);
    const [dump] = await run(withPorts(block('osc-example', 'hearing-back'), p));
    const expected = messages(block('osc-output', 'hearing-back'));
    expect(expected.length).toBeGreaterThan(2);
    await expectInOrder(dump!, expected, 'oscdump');
  });

  it('session remotes: apps that cannot ask get the mix at start and every change after', async () => {
    const p = await ports();
    const yaml = withPorts(block('osc-session', 'remotes'), p);
    // The listeners start first: a remote hears faderd's snapshot when it starts.
    const [units] = await run(`oscdump -L ${p['9001']} &\n`);
    const [norm] = await run(`oscdump -L ${p['9002']} &\n`);
    await daemon('remotes', p, yaml);
    await expectInOrder(units!, ['/ch/1/name s "Kick"', '/ch/1/fader f 0.000000', '/master/fader f 0.000000'], 'the units remote');
    await expectInOrder(norm!, ['/norm/ch/1/fader f 0.750000', '/ch/8/name s "Pad"'], 'the /norm remote');
    await run(`oscsend 127.0.0.1 ${p['9000']} /ch/3/fader f -10\n`);
    await expectInOrder(units!, ['/ch/3/fader f -10.000000'], 'the change, in units');
    await expectInOrder(norm!, ['/norm/ch/3/fader f 0.500000'], 'the change, normalized');
    expect(messages(units!()).some((m) => m.startsWith('/norm/'))).toBe(false);
  });
});
