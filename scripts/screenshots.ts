/**
 * `npm run screenshots`: pictures of the web mixer for the README, taken from the real page. Starts
 * `faderd run` on the null clock (the demo multitrack plays, so meters and loudness move) on free
 * ports with a throw-away state directory, shapes a plausible mix over OSC, and has headless Chromium
 * (Debian's `chromium`) photograph the mixer and a channel's detail view on a 10-inch tablet and the
 * mixer on a phone, into docs/img/.
 *
 *   npm run screenshots [-- --out DIR]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freeTcpPort, launchChromium, openMixer, startMixer, stopMixer } from '../test/web/harness.ts';
import { oscClient, f, i, s } from '../test/surfaces/osc/client.ts';
import { queryOsc, ROOT } from '../test/reliability/daemon-process.ts';

const outAt = process.argv.indexOf('--out');
const out = path.resolve(outAt >= 0 ? process.argv[outAt + 1]! : path.join(ROOT, 'docs', 'img'));
fs.mkdirSync(out, { recursive: true });

const MIX: Array<[string, ReturnType<typeof f>]> = [
  ['/ch/1/fader', f(-3)],
  ['/ch/2/fader', f(-6.5)],
  ['/ch/3/fader', f(-4)],
  ['/ch/4/fader', f(-9)],
  ['/ch/5/fader', f(-12)],
  ['/ch/6/fader', f(-1.5)],
  ['/ch/7/fader', f(-5)],
  ['/ch/8/fader', f(-18)],
  ['/ch/4/pan', f(-0.4)],
  ['/ch/5/pan', f(0.35)],
  ['/ch/8/mute', i(1)],
  ['/ch/6/solo', i(0)],
  ['/bus/1/fader', f(-2)],
  ['/fx/1/fader', f(-8)],
  ['/ch/1/hpf/on', i(1)],
  ['/ch/1/hpf/freq', f(40)],
  ['/ch/1/gate/on', i(1)],
  ['/ch/1/gate/threshold', f(-42)],
  ['/ch/1/eq/1/gain', f(4.5)],
  ['/ch/1/eq/1/freq', f(62)],
  ['/ch/1/eq/2/gain', f(-6)],
  ['/ch/1/eq/2/freq', f(330)],
  ['/ch/1/eq/2/q', f(1.8)],
  ['/ch/1/eq/3/gain', f(3.5)],
  ['/ch/1/eq/3/freq', f(3200)],
  ['/ch/1/eq/4/gain', f(-2)],
  ['/ch/1/comp/on', i(1)],
  ['/ch/1/comp/threshold', f(-24)],
  ['/ch/1/comp/ratio', f(4)],
  ['/master/comp/on', i(1)],
  ['/ch/1/send/1/level', f(-6)],
  ['/ch/2/send/1/level', f(-10)],
  ['/ch/6/send/1/level', f(0)],
];

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faderd-shots-'));
  const mixer = await startMixer({ stateDir: path.join(dir, 'state'), httpPort: await freeTcpPort() });
  const browser = await launchChromium();
  try {
    const osc = await oscClient(mixer.port);
    for (const [a, v] of MIX) osc.send(a, v);
    osc.send('/scene/store', s('Soundcheck'));
    // UDP says nothing back: ask until the daemon holds the last value sent.
    for (let k = 0; k < 50 && (await queryOsc(mixer.port, ['/ch/6/send/1/level'], 200)).get('/ch/6/send/1/level') !== 0; k++) osc.send('/ch/6/send/1/level', f(0));
    await osc.close();
    const shoot = async (file: string, route: string, viewport: { width: number; height: number }, scale: number) => {
      const ctx = await browser.newContext({ viewport, deviceScaleFactor: scale, hasTouch: true });
      const page = await ctx.newPage();
      await openMixer(page, `${mixer.url}#${route}`);
      // Long enough for the loudness figures, the short-term graph and the peak holds to show.
      await page.waitForTimeout(4000);
      await page.screenshot({ path: path.join(out, file) });
      await ctx.close();
      process.stdout.write(`${path.relative(process.cwd(), path.join(out, file))}\n`);
    };
    await shoot('mixer.png', 'mixer', { width: 1280, height: 800 }, 1);
    // The detail views scroll on a tablet; a taller window shows the compressor and the chain too.
    await shoot('channel.png', 'strip/ch/1', { width: 1280, height: 1500 }, 1);
    await shoot('master.png', 'master', { width: 1280, height: 1500 }, 1);
    await shoot('phone.png', 'sends/bus/1', { width: 390, height: 760 }, 2);
  } finally {
    await browser.close();
    await stopMixer(mixer);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`screenshots: ${(e as Error).message}\n`);
  process.exitCode = 1;
});
