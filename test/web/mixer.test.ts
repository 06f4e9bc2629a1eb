/**
 * The web mixer as an engineer uses it: `faderd run` as a process, the page in real headless
 * Chromium, and a UDP OSC client standing for every other surface on the desk. Controls are found by
 * their accessible names ("Kick fader", "Mute Kick"), as a screen reader finds them.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Browser, BrowserContext, CDPSession, Page } from 'playwright-core';
import { freeTcpPort, holdReplies, launchChromium, openMixer, startMixer, stopMixer, until, type Mixer } from './harness.ts';
import { queryOsc } from '../reliability/daemon-process.ts';
import { oscClient, f, i, s, type OscTestClient } from '../surfaces/osc/client.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faderd-web-'));
let mixer: Mixer;
let browser: Browser;
let osc: OscTestClient;
let httpPort: number;
const contexts: BrowserContext[] = [];
const pageErrors: string[] = [];

beforeAll(async () => {
  httpPort = await freeTcpPort();
  [mixer, browser] = await Promise.all([startMixer({ stateDir: path.join(dir, 'state'), httpPort }), launchChromium()]);
  osc = await oscClient(mixer.port);
}, 60_000);

afterAll(async () => {
  await osc?.close();
  await browser?.close();
  if (mixer) await stopMixer(mixer);
  fs.rmSync(dir, { recursive: true, force: true });
});

afterEach(async () => {
  for (const c of contexts.splice(0)) await c.close();
  // A script error or a refused resource (CSP) on the page fails the test that caused it.
  expect(pageErrors.splice(0)).toEqual([]);
});

async function newPage(): Promise<Page> {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, hasTouch: true });
  contexts.push(ctx);
  const page = await ctx.newPage();
  page.on('pageerror', (e) => pageErrors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/WebSocket connection to .* failed|ERR_CONNECTION_REFUSED/.test(m.text())) pageErrors.push(`console: ${m.text()}`);
  });
  return page;
}

const fader = (page: Page, name: string) => page.getByRole('slider', { name: `${name} fader`, exact: true });

async function valueText(page: Page, name: string): Promise<string | null> {
  return fader(page, name).getAttribute('aria-valuetext');
}

async function showsText(page: Page, name: string, text: string): Promise<void> {
  try {
    await until(async () => (await valueText(page, name)) === text, `${name} fader to show ${text}`);
  } catch (e) {
    // What the page showed when it gave up, and whether its line to the daemon was up.
    throw new Error(`${(e as Error).message} (shows ${await valueText(page, name)}, page connected: ${await page.getAttribute('html', 'data-connected')})`);
  }
}

async function query(address: string): Promise<unknown> {
  return (await queryOsc(mixer.port, [address])).get(address);
}

/** Sets params over UDP and waits until the daemon holds them. */
async function setOverOsc(values: Record<string, number>): Promise<void> {
  for (const [a, v] of Object.entries(values)) osc.send(a, f(v));
  await until(async () => {
    const got = await queryOsc(mixer.port, Object.keys(values));
    return Object.entries(values).every(([a, v]) => got.get(a) === v);
  }, `the daemon to hold ${JSON.stringify(values)}`);
}

/** A fader's value as the page writes it: "+3.4 dB", "-10.0 dB". */
const dbText = (v: number) => `${v > 0 ? '+' : ''}${v.toFixed(1)} dB`;

/** The centre of a fader's cap, in page pixels. */
async function capOf(page: Page, name: string): Promise<{ x: number; y: number }> {
  const box = await fader(page, name).locator('.cap').boundingBox();
  if (!box) throw new Error(`${name} fader has no cap on screen`);
  return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
}

async function touch(cdp: CDPSession, type: 'touchStart' | 'touchMove' | 'touchEnd', points: Array<{ x: number; y: number; id: number }>): Promise<void> {
  await cdp.send('Input.dispatchTouchEvent', { type, touchPoints: type === 'touchEnd' ? [] : points.map((p) => ({ x: p.x, y: p.y, id: p.id, radiusX: 4, radiusY: 4, force: 1 })) });
}

describe('the web mixer in Chromium', () => {
  it('shows the live mix the moment it loads: values set elsewhere, mutes, names and moving meters', async () => {
    osc.send('/ch/4/mute', i(1));
    osc.send('/ch/8/name', s('Pad L'));
    await setOverOsc({ '/ch/4/fader': -12 });
    await until(async () => (await query('/ch/8/name')) === 'Pad L', 'the name to be set');
    const page = await newPage();
    await openMixer(page, mixer.url);
    await showsText(page, 'Guitar', '-12.0 dB');
    expect(await page.getByRole('button', { name: 'Mute Guitar', exact: true }).getAttribute('aria-pressed')).toBe('true');
    await fader(page, 'Pad L').waitFor();
    // The demo multitrack plays on the null clock: the Kick meter's unlit part shrinks from full.
    const cover = page.getByRole('img', { name: 'Kick level' }).locator('.cover');
    await until(async () => /scaleY\(0\.\d+\)/.test((await cover.getAttribute('style')) ?? ''), 'the Kick meter to move');
  });

  it('dragging the Kick fader moves /ch/1/fader, as a UDP client reads it', async () => {
    await setOverOsc({ '/ch/1/fader': 0 });
    const page = await newPage();
    await openMixer(page, mixer.url);
    await showsText(page, 'Kick', '0.0 dB');
    const cap = await capOf(page, 'Kick');
    await page.mouse.move(cap.x, cap.y);
    await page.mouse.down();
    for (let k = 1; k <= 8; k++) await page.mouse.move(cap.x, cap.y - k * 10);
    await page.mouse.up();
    const shown = await valueText(page, 'Kick');
    expect(shown).toMatch(/^\+\d+\.\d dB$/);
    await until(async () => `+${(await query('/ch/1/fader')) as number}`.startsWith(shown!.replace(/ dB$/, '').slice(0, 3)), `/ch/1/fader to be ${shown}`);
    const value = (await query('/ch/1/fader')) as number;
    expect(`+${value.toFixed(1)} dB`).toBe(shown);
  });

  it('a change sent over OSC moves the slider', async () => {
    const page = await newPage();
    await openMixer(page, mixer.url);
    osc.send('/ch/2/fader', f(-20));
    await showsText(page, 'Snare', '-20.0 dB');
    osc.send('/ch/2/fader', s('-inf'));
    await showsText(page, 'Snare', '-∞ dB');
  });

  it('mute round trip: the button mutes /ch/1 for everyone, and a mute from OSC shows on the button', async () => {
    const page = await newPage();
    await openMixer(page, mixer.url);
    const mute = page.getByRole('button', { name: 'Mute Kick', exact: true });
    expect(await mute.getAttribute('aria-pressed')).toBe('false');
    await mute.click();
    await until(async () => (await query('/ch/1/mute')) === 1, '/ch/1/mute to be 1');
    // The page ends on what the daemon holds, even when a reply to its first read arrives after the click
    // (the next test makes that reply late on purpose).
    await until(async () => (await mute.getAttribute('aria-pressed')) === 'true', 'the button to show the mute');
    osc.send('/ch/1/mute', i(0));
    await until(async () => (await mute.getAttribute('aria-pressed')) === 'false', 'the button to show unmuted');
  });

  it('a reply to the first read that arrives after a click on mute does not undo it: the button ends on what the daemon holds', async () => {
    osc.send('/ch/3/mute', i(0));
    await until(async () => (await query('/ch/3/mute')) === 0, '/ch/3/mute to be 0');
    const page = await newPage();
    const late = await holdReplies(page, '/ch/3/mute');
    await openMixer(page, mixer.url);
    await until(async () => (await late.held()).length > 0, 'the reply to the first read of /ch/3/mute (held back)');
    expect((await late.held())[0]).toBe(0);
    const mute = page.getByRole('button', { name: 'Mute Bass', exact: true });
    await mute.click();
    await until(async () => (await query('/ch/3/mute')) === 1, '/ch/3/mute to be 1');
    // Now the stale "unmuted" reaches the page, after its own change.
    await late.release();
    await until(async () => (await mute.getAttribute('aria-pressed')) === 'true', `the button to end on the mute the daemon holds (aria-pressed=${await mute.getAttribute('aria-pressed')})`);
    expect(await query('/ch/3/mute')).toBe(1);
  });

  it('a reply to the first read that arrives during a fader drag does not stay on the fader: let go, it shows what the daemon holds', async () => {
    await setOverOsc({ '/ch/5/fader': -10 });
    const page = await newPage();
    const late = await holdReplies(page, '/ch/5/fader');
    await openMixer(page, mixer.url);
    await until(async () => (await late.held()).length > 0, 'the reply to the first read of /ch/5/fader (held back)');
    expect((await late.held())[0]).toBe(-10);
    const cap = await capOf(page, 'Keys');
    await page.mouse.move(cap.x, cap.y);
    await page.mouse.down();
    for (let k = 1; k <= 6; k++) await page.mouse.move(cap.x, cap.y - k * 8);
    const dragged = (await valueText(page, 'Keys'))!;
    expect(dragged).not.toBe('-10.0 dB');
    await until(async () => dbText((await query('/ch/5/fader')) as number) === dragged, `the daemon to hold Keys at ${dragged}`);
    // The stale -10 dB reaches the page while the fader is still held, after the last move.
    await late.release();
    expect(await valueText(page, 'Keys')).toBe(dragged);
    // Every value the fader shows from here on, in the page: letting go must not flash the stale one.
    await fader(page, 'Keys').evaluate((el) => {
      const seen: string[] = [];
      (globalThis as unknown as { keysShown: string[] }).keysShown = seen;
      // The page's own MutationObserver (this project's TypeScript has no DOM types).
      const Observer = (globalThis as unknown as { MutationObserver: new (cb: () => void) => { observe(target: unknown, options: object): void } }).MutationObserver;
      new Observer(() => seen.push(el.getAttribute('aria-valuetext') ?? '')).observe(el, { attributes: true, attributeFilter: ['aria-valuetext'] });
    });
    const before = (await late.after()).length;
    await page.mouse.up();
    // Letting go asks the daemon; its reply (after the page's own moves on the same socket) is the last word.
    await until(async () => (await late.after()).length > before, 'the reply to the read on letting go');
    await until(async () => (await valueText(page, 'Keys')) === dragged, `Keys to end on ${dragged}, which the daemon holds (shows ${await valueText(page, 'Keys')})`);
    expect(dbText((await query('/ch/5/fader')) as number)).toBe(dragged);
    const shown = (await page.evaluate('globalThis.keysShown')) as string[];
    expect(shown.filter((t) => t !== dragged), `values the fader showed after it was let go: ${JSON.stringify(shown)}`).toEqual([]);
  });

  it('scenes round trip: stored from the page, recalled from the page only after confirming', async () => {
    await setOverOsc({ '/ch/5/fader': -5 });
    const page = await newPage();
    await openMixer(page, mixer.url);
    await page.getByRole('link', { name: 'Scenes' }).click();
    await page.getByRole('textbox', { name: 'Scene name' }).fill('Verse');
    await page.getByRole('button', { name: 'Store scene' }).click();
    await page.getByRole('button', { name: 'Recall Verse', exact: true }).waitFor();
    expect(fs.existsSync(path.join(dir, 'state', 'scenes', 'Verse.yaml'))).toBe(true);

    await setOverOsc({ '/ch/5/fader': -30 });
    await page.getByRole('button', { name: 'Recall Verse', exact: true }).click();
    await page.getByRole('alertdialog').getByRole('button', { name: 'Cancel' }).click();
    expect(await page.getByRole('alertdialog').count()).toBe(0);
    expect(await query('/ch/5/fader')).toBe(-30);

    await page.getByRole('button', { name: 'Recall Verse', exact: true }).click();
    await page.getByRole('button', { name: 'Confirm recall' }).click();
    await until(async () => (await query('/ch/5/fader')) === -5, '/ch/5/fader to be recalled to -5');
    await page.getByRole('link', { name: 'Mixer' }).click();
    await showsText(page, 'Keys', '-5.0 dB');
  });

  it('two fingers move two faders at once', async () => {
    await setOverOsc({ '/ch/1/fader': -10, '/ch/2/fader': -10 });
    const page = await newPage();
    await openMixer(page, mixer.url);
    await showsText(page, 'Snare', '-10.0 dB');
    const cdp = await page.context().newCDPSession(page);
    const a = await capOf(page, 'Kick');
    const b = await capOf(page, 'Snare');
    await touch(cdp, 'touchStart', [{ ...a, id: 1 }, { ...b, id: 2 }]);
    for (let k = 1; k <= 6; k++) await touch(cdp, 'touchMove', [{ x: a.x, y: a.y - 12 * k, id: 1 }, { x: b.x, y: b.y - 6 * k, id: 2 }]);
    await touch(cdp, 'touchEnd', []);
    const kick = await valueText(page, 'Kick');
    const snare = await valueText(page, 'Snare');
    // Both moved up, each by its own finger's distance.
    expect(parseFloat(kick!)).toBeGreaterThan(parseFloat(snare!));
    expect(parseFloat(snare!)).toBeGreaterThan(-10);
    await until(async () => {
      const got = await queryOsc(mixer.port, ['/ch/1/fader', '/ch/2/fader']);
      return `${(got.get('/ch/1/fader') as number).toFixed(1)} dB` === kick && `${(got.get('/ch/2/fader') as number).toFixed(1)} dB` === snare;
    }, `the daemon to hold Kick ${kick} and Snare ${snare}`);
  });

  it('a held fader is not moved by feedback; let go, it shows the change made meanwhile', async () => {
    await setOverOsc({ '/ch/6/fader': -10, '/ch/7/fader': -10 });
    const page = await newPage();
    await openMixer(page, mixer.url);
    await showsText(page, 'Vox 2', '-10.0 dB');
    const cdp = await page.context().newCDPSession(page);
    const cap = await capOf(page, 'Vox 1');
    await touch(cdp, 'touchStart', [{ ...cap, id: 1 }]);
    await touch(cdp, 'touchMove', [{ x: cap.x, y: cap.y - 8, id: 1 }]);
    const held = await valueText(page, 'Vox 1');
    expect(held).not.toBe('-10.0 dB');
    // One batch from another surface: when Vox 2 shows it, the page has seen Vox 1's part too.
    osc.bundle([
      { address: '/ch/6/fader', args: [f(-40)] },
      { address: '/ch/7/fader', args: [f(-40)] },
    ]);
    await showsText(page, 'Vox 2', '-40.0 dB');
    expect(await valueText(page, 'Vox 1')).toBe(held);
    await touch(cdp, 'touchEnd', []);
    await showsText(page, 'Vox 1', '-40.0 dB');
  });

  it('a double tap puts a fader back to 0 dB; Fine makes the same slide move a fifth as far; the keyboard steps it', async () => {
    await setOverOsc({ '/ch/8/fader': -20 });
    const page = await newPage();
    await openMixer(page, mixer.url);
    const pad = page.getByRole('slider', { name: /^Pad.* fader$/ });
    await until(async () => (await pad.getAttribute('aria-valuetext')) === '-20.0 dB', 'Pad at -20 dB');
    const cap = await pad.locator('.cap').boundingBox();
    await page.mouse.dblclick(cap!.x + cap!.width / 2, cap!.y + cap!.height / 2);
    await until(async () => (await query('/ch/8/fader')) === 0, '/ch/8/fader back to 0 dB');

    // Near unity the law is 40 dB per travel: the same 40 px slide moves 5 times less with Fine on.
    const slide = async () => {
      const c = (await pad.locator('.cap').boundingBox())!;
      await page.mouse.move(c.x + c.width / 2, c.y + c.height / 2);
      await page.mouse.down();
      for (let k = 1; k <= 4; k++) await page.mouse.move(c.x + c.width / 2, c.y + c.height / 2 - 10 * k);
      await page.mouse.up();
      return parseFloat((await pad.getAttribute('aria-valuetext'))!);
    };
    const coarse = await slide();
    await setOverOsc({ '/ch/8/fader': 0 });
    await until(async () => (await pad.getAttribute('aria-valuetext')) === '0.0 dB', 'Pad back at 0 dB');
    await page.getByRole('button', { name: 'Fine adjustment' }).click();
    const fine = await slide();
    expect(coarse).toBeGreaterThan(1);
    expect(fine).toBeCloseTo(coarse / 5, 0);

    await pad.focus();
    await page.keyboard.press('End');
    await until(async () => (await query('/ch/8/fader')) === 10, '/ch/8/fader at the top');
    await page.keyboard.press('Home');
    await until(async () => (await query('/ch/8/fader')) === -Infinity, '/ch/8/fader off');
  });

  it('dragging an EQ handle sets that band\'s frequency and gain; the curve is drawn from the engine\'s filters', async () => {
    await setOverOsc({ '/ch/2/eq/3/gain': 0, '/ch/2/eq/3/freq': 2500 });
    const page = await newPage();
    await openMixer(page, `${mixer.url}#strip/ch/2`);
    const graph = page.getByRole('img', { name: 'Snare EQ response' });
    const flat = await graph.locator('path.curve').getAttribute('d');
    const handle = graph.locator('.handle[data-band="3"]');
    const box = (await handle.boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    for (let k = 1; k <= 5; k++) await page.mouse.move(box.x + box.width / 2 + 8 * k, box.y + box.height / 2 - 8 * k);
    await page.mouse.up();
    await until(async () => ((await query('/ch/2/eq/3/gain')) as number) > 1, 'band 3 gain up');
    expect((await query('/ch/2/eq/3/freq')) as number).toBeGreaterThan(2500);
    expect(await graph.locator('path.curve').getAttribute('d')).not.toBe(flat);
    const gain = page.getByRole('slider', { name: 'Snare EQ band 3 gain' });
    expect(await gain.getAttribute('aria-valuetext')).toBe(`+${((await query('/ch/2/eq/3/gain')) as number).toFixed(1)} dB`);
  });

  it("a page from another origin cannot open /osc: 403, and the refusal is counted", async () => {
    const evilPort = await freeTcpPort();
    const evil = http.createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.end(`<!doctype html><script>
        const ws = new WebSocket('ws://127.0.0.1:${httpPort}/osc');
        ws.binaryType = 'arraybuffer';
        ws.onopen = () => { document.title = 'open'; };
        ws.onclose = () => { if (document.title !== 'open') document.title = 'refused'; };
      </script>`);
    });
    await new Promise<void>((r) => evil.listen(evilPort, '127.0.0.1', () => r()));
    try {
      const statsOf = async () => JSON.parse(await (await fetch(`${mixer.url}api/stats`)).text()) as { refused: number; upgrades: number };
      const before = await statsOf();
      const page = await newPage();
      await page.goto(`http://127.0.0.1:${evilPort}/`);
      await until(async () => (await page.title()) !== '', 'the foreign page to try');
      expect(await page.title()).toBe('refused');
      const after = await statsOf();
      expect(after.refused).toBe(before.refused + 1);
      expect(after.upgrades).toBe(before.upgrades);
      // The same upgrade with that Origin, as the browser sent it, gets 403.
      const status = await new Promise<number>((resolve) => {
        const ws = new WebSocket(`ws://127.0.0.1:${httpPort}/osc`, { headers: { Origin: `http://127.0.0.1:${evilPort}` } });
        ws.on('unexpected-response', (_q, res) => resolve(res.statusCode ?? 0));
        ws.on('open', () => resolve(101));
      });
      expect(status).toBe(403);
    } finally {
      await new Promise<void>((r) => evil.close(() => r()));
    }
  });

  it('says when it is not connected and reconnects by itself after the daemon restarts', async () => {
    const page = await newPage();
    await openMixer(page, mixer.url);
    const oscPort = mixer.port;
    await stopMixer(mixer);
    await page.getByRole('alert').filter({ hasText: 'Not connected' }).waitFor();
    expect(await page.locator('html').getAttribute('data-connected')).toBe('false');
    mixer = await startMixer({ stateDir: path.join(dir, 'state'), httpPort, oscPort });
    await page.waitForSelector('html[data-connected="true"]', { timeout: 20_000 });
    expect(await page.getByRole('alert').filter({ hasText: 'Not connected' }).count()).toBe(0);
    osc.send('/ch/3/fader', f(-7));
    await showsText(page, 'Bass', '-7.0 dB');
  }, 60_000);
});
