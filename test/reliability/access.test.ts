/**
 * Who may reach a running faderd: the OSC server binds to loopback by default; a session that opens
 * it to a LAN without an allow list refuses to start, saying why; read-only clients can look but not
 * touch. (Allow-list denial of a LAN client is tested at the server: test/mapping/native-osc.test.ts.)
 */
import dgram from 'node:dgram';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodePacket, encodeMessage } from '../../src/surfaces/osc/codec.ts';
import type { OscMessage } from '../../src/surfaces/osc/codec.ts';
import { freeUdpPort, spawnDaemon, startDaemon, type DaemonProcess } from './daemon-process.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faderd-access-'));
const running: DaemonProcess[] = [];
afterAll(() => {
  for (const d of running) d.child.kill('SIGKILL');
  fs.rmSync(dir, { recursive: true, force: true });
});

function sessionFile(name: string, osc: string): string {
  const file = path.join(dir, `${name}.yaml`);
  fs.writeFileSync(file, `name: ${name}\nchannels: 4\nx32: { enabled: false }\nosc: ${osc}\n`);
  return file;
}

/** The first IPv4 address of this machine that is not loopback, if it has one. */
function lanAddress(): string | undefined {
  for (const list of Object.values(os.networkInterfaces())) for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  return undefined;
}

/** Sends messages from a socket bound to 127.0.0.1 to `host:port` and collects replies for `ms`. */
async function exchange(host: string, port: number, msgs: Array<[string, number?]>, ms = 400): Promise<OscMessage[]> {
  const sock = dgram.createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, host === '127.0.0.1' ? '127.0.0.1' : undefined, () => r()));
  const got: OscMessage[] = [];
  sock.on('message', (d) => {
    for (const g of decodePacket(d)) got.push(...g.messages);
  });
  // An ICMP "port unreachable" comes back as a socket error: exactly the point when nothing listens there.
  sock.on('error', () => undefined);
  for (const [address, v] of msgs) sock.send(encodeMessage(address, v === undefined ? [] : [{ type: 'f', value: v }]), port, host);
  await new Promise((r) => setTimeout(r, ms));
  sock.close();
  return got;
}

describe('network access', () => {
  it('refuses to start when the session listens beyond loopback with no allow list, and says what to add', async () => {
    const port = await freeUdpPort();
    const d = spawnDaemon({ stateDir: path.join(dir, 'st-open'), session: sessionFile('open', '{ host: 0.0.0.0 }'), port });
    const { code } = await d.exited;
    expect(code).not.toBe(0);
    expect(d.stderr()).toMatch(/listening on 0\.0\.0\.0 \(beyond this machine\) needs an allow list of client addresses or subnets, e\.g\. allow: \[192\.168\.1\.0\/24\]/);
    expect(d.stderr()).not.toMatch(/faderd running/);
    const bad = spawnDaemon({ stateDir: path.join(dir, 'st-bad'), session: sessionFile('badallow', '{ host: 0.0.0.0, allow: [192.168.1.0/33] }'), port });
    expect((await bad.exited).code).not.toBe(0);
    expect(bad.stderr()).toMatch(/osc\.allow: "192\.168\.1\.0\/33" is not an IPv4 or IPv6 subnet/);
  });

  it('binds OSC to loopback by default: local clients are served, the machine\'s LAN address is not listening', async () => {
    const d = await startDaemon({ stateDir: path.join(dir, 'st-default') });
    running.push(d);
    expect(d.stderr()).toMatch(new RegExp(`OSC 127\\.0\\.0\\.1:${d.port}`));
    const local = await exchange('127.0.0.1', d.port, [['/ch/1/fader', -5], ['/ch/1/fader']]);
    expect(local.find((m) => m.address === '/ch/1/fader')?.args[0]?.value).toBe(-5);
    const lan = lanAddress();
    if (lan) {
      expect(await exchange(lan, d.port, [['/ch/1/fader', 3], ['/ch/1/fader']])).toEqual([]);
      const after = await exchange('127.0.0.1', d.port, [['/ch/1/fader']]);
      expect(after[0]?.args[0]?.value).toBe(-5);
    }
  });

  it('a read-only client gets state and meters but changes nothing', async () => {
    const d = await startDaemon({ stateDir: path.join(dir, 'st-ro'), session: sessionFile('ro', '{ host: 127.0.0.1, readOnly: [127.0.0.1] }') });
    running.push(d);
    const got = await exchange('127.0.0.1', d.port, [['/ch/2/fader', -20], ['/ch/2/fader'], ['/ch/2/meter/peak']]);
    expect(got.find((m) => m.address === '/ch/2/fader')?.args[0]?.value).toBe(0);
    expect(got.some((m) => m.address === '/ch/2/meter/peak')).toBe(true);
  });
});
