/**
 * The web mixer: how long a tablet waits from opening the address to seeing the live mix, and what
 * the daemon pays for browsers that show meters. `faderd run` on the null clock (the demo multitrack
 * plays), headless Chromium (Debian's `chromium`) on the same machine.
 *
 *   load time: a fresh browser profile each time (nothing cached), from navigation to the Kick fader
 *              showing the value the daemon holds; then the same page again with its cache (revisit).
 *   CPU:       the daemon's process tree (main thread, engine thread, launcher), from /proc, over a
 *              window with no browser, then with 4 browsers on the mixer view (meters at 30 Hz).
 *   the page:  on the mixer view with meters moving, Chromium's own counters (CDP Performance) over
 *              10 s with the CPU slowed 4x (a mid-range tablet): main-thread busy time, and layouts
 *              and style recalculations per second (meters move by transform, so layouts stay near 0).
 */
import fs from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { fmt, progress, sectionMain, type Row } from './common.ts';
import { startDaemon } from './daemon-proc.ts';
import { CHROMIUM, CHROMIUM_ARGS, freeTcpPort } from '../../test/web/harness.ts';

const TICKS_PER_S = 100;

/** CPU seconds used so far by a set of processes (user + system). */
function cpuSeconds(pids: readonly number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(f[11]) + Number(f[12]);
    } catch {
      // Gone: it no longer costs anything.
    }
  }
  return ticks / TICKS_PER_S;
}

async function corePct(pids: () => number[], seconds: number): Promise<number> {
  const p = pids();
  const c0 = cpuSeconds(p);
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  return (100 * (cpuSeconds(p) - c0)) / ((performance.now() - t0) / 1000);
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function loadTimes(browser: Browser, url: string, n: number): Promise<{ cold: number; warm: number; bytes: number }> {
  const cold: number[] = [];
  const warm: number[] = [];
  let bytes = 0;
  for (let k = 0; k < n; k++) {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await ctx.newPage();
    let got = 0;
    page.on('response', (r) => {
      const len = Number(r.headers()['content-length'] ?? 0);
      if (k === 0) got += len;
    });
    for (const into of [cold, warm]) {
      const t0 = performance.now();
      await page.goto(url);
      // A function, not a string: the page's Content-Security-Policy forbids eval.
      await page.waitForFunction(() => (globalThis as unknown as { document: { querySelector(s: string): { getAttribute(n: string): string | null } | null } }).document.querySelector('[aria-label="Kick fader"]')?.getAttribute('aria-valuetext') === '-6.0 dB', undefined, { polling: 'raf' });
      into.push(performance.now() - t0);
    }
    if (k === 0) bytes = got;
    await ctx.close();
  }
  return { cold: median(cold), warm: median(warm), bytes };
}

/** Chromium's counters for a page showing the mixer, over `seconds`, with the CPU slowed `throttle` times. */
async function pageCost(browser: Browser, url: string, seconds: number, throttle: number): Promise<{ busyPct: number; scriptPct: number; layoutsPerS: number; stylesPerS: number }> {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await ctx.newPage();
  await page.goto(url);
  await page.waitForSelector('html[data-connected="true"] .meter');
  const cdp = await ctx.newCDPSession(page);
  await cdp.send('Performance.enable');
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: throttle });
  const read = async () => Object.fromEntries((await cdp.send('Performance.getMetrics')).metrics.map((m) => [m.name, m.value])) as Record<string, number>;
  const a = await read();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const b = await read();
  await ctx.close();
  const d = (k: string) => (b[k] ?? 0) - (a[k] ?? 0);
  const wall = d('Timestamp');
  return { busyPct: (100 * d('TaskDuration')) / wall, scriptPct: (100 * d('ScriptDuration')) / wall, layoutsPerS: d('LayoutCount') / wall, stylesPerS: d('RecalcStyleCount') / wall };
}

async function measure(opts: { quick: boolean }): Promise<Row[]> {
  const httpPort = await freeTcpPort();
  const daemon = await startDaemon({ args: ['--http-port', String(httpPort)] });
  const url = `http://127.0.0.1:${httpPort}/`;
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  try {
    // A value only the daemon knows: the page shows it once it is live.
    const { oscClient, f } = await import('../../test/surfaces/osc/client.ts');
    const osc = await oscClient(daemon.oscPort);
    osc.send('/ch/1/fader', f(-6));
    await new Promise((r) => setTimeout(r, 300));
    await osc.close();
    progress('web: page load');
    const loads = await loadTimes(browser, url, opts.quick ? 3 : 7);
    const window = opts.quick ? 5 : 20;
    progress(`web: daemon CPU without browsers (${window} s)`);
    const idle = await corePct(daemon.pids, window);
    const ctxs = [];
    for (let k = 0; k < 4; k++) {
      const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      const page = await ctx.newPage();
      await page.goto(url);
      await page.waitForSelector('html[data-connected="true"] .meter');
      ctxs.push(ctx);
    }
    progress(`web: daemon CPU with 4 browsers showing meters (${window} s)`);
    const busy = await corePct(daemon.pids, window);
    for (const c of ctxs) await c.close();
    progress('web: the page\'s own cost, CPU slowed 4x (10 s)');
    const cost = await pageCost(browser, url, opts.quick ? 5 : 10, 4);
    return [
      {
        group: 'web',
        what: 'web mixer page load to live values, fresh profile / revisit (median)',
        faderd: `${fmt(loads.cold)} ms / ${fmt(loads.warm)} ms`,
        note: `${fmt(loads.bytes / 1024)} KiB on the wire (gzip), Chromium on the same machine`,
      },
      {
        group: 'web',
        what: 'daemon CPU, default session on the null clock: no browser / 4 browsers showing meters',
        faderd: `${fmt(idle)} / ${fmt(busy)} % of a core`,
        note: `+${fmt(busy - idle)} % for 4 pages (meters at 30 Hz)`,
      },
      {
        group: 'web',
        what: 'the page on the mixer view, meters moving, CPU slowed 4x: main thread busy (of which script); layouts, style recalcs per second',
        faderd: `${fmt(cost.busyPct)} % (${fmt(cost.scriptPct)} %); ${fmt(cost.layoutsPerS)}, ${fmt(cost.stylesPerS)} /s`,
        note: 'Chromium Performance metrics, software rendering (no GPU here); meters move by transform only',
      },
    ];
  } finally {
    await browser.close();
    await daemon.stop();
  }
}

sectionMain(import.meta.url, measure);
