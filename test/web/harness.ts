/**
 * Browser tests' parts: Debian's headless Chromium through playwright-core (a fresh profile each
 * launch), `faderd run` as a real process with its web mixer on a port chosen here, and helpers to
 * wait for what the page shows.
 */
import net from 'node:net';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startDaemon, type DaemonProcess } from '../reliability/daemon-process.ts';

export const CHROMIUM = process.env.FADERD_CHROMIUM ?? '/usr/bin/chromium';

/** The flags the browser tests and the screenshot script run Chromium with (headless is playwright's). */
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}

/** A TCP port that was free a moment ago. */
export async function freeTcpPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

export interface Mixer extends DaemonProcess {
  readonly httpPort: number;
  readonly url: string;
}

/** `faderd run` on the null clock with the web mixer on `httpPort`. */
export async function startMixer(opts: { stateDir: string; httpPort: number; oscPort?: number; session?: string }): Promise<Mixer> {
  const d = await startDaemon({
    stateDir: opts.stateDir,
    ...(opts.oscPort ? { port: opts.oscPort } : {}),
    ...(opts.session ? { session: opts.session } : {}),
    extraArgs: ['--http-port', String(opts.httpPort)],
  });
  // The web mixer's line may arrive in a later write than the start line: wait for it, and never
  // leave a daemon behind when it does not come (it would hold its ports for the next test files).
  const line = `web mixer: http://127.0.0.1:${opts.httpPort}/`;
  for (let t0 = Date.now(); !d.stderr().includes(line) && d.child.exitCode === null && Date.now() - t0 < 20_000; ) await new Promise((r) => setTimeout(r, 25));
  if (!d.stderr().includes(line)) {
    d.child.kill('SIGKILL');
    throw new Error(`no web mixer in the start line:\n${d.stderr()}`);
  }
  return { ...d, httpPort: opts.httpPort, url: `http://127.0.0.1:${opts.httpPort}/` };
}

export async function stopMixer(m: Mixer): Promise<void> {
  if (m.child.exitCode !== null || m.child.signalCode !== null) return;
  m.child.kill('SIGTERM');
  await m.exited;
}

/** Opens the mixer and waits until it is connected and drawn (values are then on their way). */
export async function openMixer(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await page.waitForSelector('html[data-connected="true"] .app main > *');
}

/** Resolves once `fn` returns true, polling; a timeout names `what`. */
export async function until(fn: () => Promise<boolean> | boolean, what: string, ms = 30_000): Promise<void> {
  const t0 = Date.now();
  while (!(await fn())) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A late reply under the test's control (see holdReplies). */
export interface HeldReplies {
  /** The first argument's value of each message held so far, in the daemon's order. */
  held(): Promise<unknown[]>;
  /** Hands the held messages to the page, in order, before this resolves; later ones pass freely. */
  release(): Promise<void>;
  /** The first argument's value of each message for the address that passed after release(), in order. */
  after(): Promise<unknown[]>;
}

/** The page side of holdReplies, plain browser JS (this project's TypeScript has no DOM types). */
const LATE_SCRIPT = String.raw`(address) => {
  const Native = window.WebSocket;
  const held = [];
  const values = [];
  const after = [];
  let holding = true;
  window.faderdLate = {
    values,
    after,
    release() {
      holding = false;
      for (const deliver of held.splice(0)) deliver();
    },
  };
  const asEvent = (bytes) => ({ data: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) });
  class LateWebSocket extends Native {
    set onmessage(fn) {
      super.onmessage = !fn ? null : (e) => {
        const osc = globalThis.osc;
        if (!(e.data instanceof ArrayBuffer)) return fn.call(this, e);
        const flat = [];
        const walk = (p) => (p.packets ? p.packets.forEach(walk) : flat.push(p));
        try {
          walk(osc.readPacket(new Uint8Array(e.data), { metadata: true, unpackSingleArgs: false }));
        } catch {
          return fn.call(this, e);
        }
        const mine = flat.filter((m) => m.address === address);
        if (!mine.length) return fn.call(this, e);
        if (!holding) {
          for (const m of mine) after.push(m.args[0]?.value);
          return fn.call(this, e);
        }
        for (const m of mine) {
          values.push(m.args[0]?.value);
          held.push(() => fn.call(this, asEvent(osc.writePacket(m, { metadata: true }))));
        }
        const rest = flat.filter((m) => m.address !== address);
        if (rest.length) fn.call(this, asEvent(osc.writePacket({ timeTag: { raw: [0, 1] }, packets: rest }, { metadata: true })));
      };
    }
    get onmessage() {
      return super.onmessage;
    }
  }
  window.WebSocket = LateWebSocket;
}`;

/**
 * Makes replies late on purpose: every message for `address` the daemon sends the page over /osc is
 * held back in the page (taken out of its bundle; the rest of the frame goes on at once) until
 * `release()`, which hands them to the page in the daemon's order, at once, and lets later ones
 * through (noted in `after()`). Installed before the page loads, so the page's first read of the mix is what gets held.
 * It wraps the page's WebSocket in the page itself: routing the socket through the test process
 * instead would carry every meter frame across, too slow on a loaded machine.
 */
export async function holdReplies(page: Page, address: string): Promise<HeldReplies> {
  await page.addInitScript({ content: `(${LATE_SCRIPT})(${JSON.stringify(address)});` });
  return {
    held: () => page.evaluate('[...(window.faderdLate?.values ?? [])]') as Promise<unknown[]>,
    release: () => page.evaluate('window.faderdLate.release()') as Promise<void>,
    after: () => page.evaluate('[...(window.faderdLate?.after ?? [])]') as Promise<unknown[]>,
  };
}
