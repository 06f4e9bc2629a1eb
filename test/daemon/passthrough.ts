/**
 * The control for the paced test: a bare naudiodon duplex passthrough (no engine, no worker, no
 * faderd) on the same device, counting the glitches the machine itself causes.
 * Usage: node --import tsx passthrough.ts DEVICE FRAMES SECONDS → prints {"blocks":N,"glitches":M}
 */
import { loadAddon, SAMPLE_FORMAT } from '../../src/audio/portaudio/addon.ts';

const [name, framesArg, secondsArg] = process.argv.slice(2);
const frames = Number(framesArg);
const addon = loadAddon();
const dev = addon.getDevices().find((d) => d.name === name);
if (!dev) throw new Error(`no device ${name}`);
const base = { deviceId: dev.id, sampleRate: 48000, sampleFormat: SAMPLE_FORMAT.float32, framesPerBuffer: frames, closeOnError: true, channelCount: 2 };
const prime = Math.max(2, Math.ceil(8 / ((frames / 48000) * 1000)));
const io = addon.create({ inOptions: { ...base, maxQueue: 16 }, outOptions: { ...base, maxQueue: prime + 2 } });
const bytes = frames * 2 * 4;
const silence = Buffer.alloc(bytes);
for (let i = 0; i < prime; i++) await io.write(silence);
io.start();
const t0 = performance.now();
let blocks = 0;
let glitches = 0;
while (performance.now() - t0 < Number(secondsArg) * 1000) {
  const r = await io.read(bytes);
  if (r.err) glitches++;
  const w = await io.write(r.err || !r.buf ? silence : r.buf);
  if (w) glitches++;
  blocks++;
}
await io.quit('ABORT');
process.stdout.write(`\n${JSON.stringify({ blocks, glitches })}\n`);
process.exit(0);
