/**
 * The frozen whole-file render (and, with --for, export) of a session in this process, then its peak
 * resident memory on stderr as `peak-rss-kb N`: the figure the streaming render's memory test is
 * compared against (test/cli/render-memory.test.ts).
 *
 *   node --import tsx test/audio/file/reference/peak-rss-whole.ts SESSION OUT.wav|OUTDIR [--for DESTS]
 */
import fs from 'node:fs';
import { loadSession } from '../../../../src/params/session.ts';
import { encodeWav } from '../../../../src/audio/file/wav.ts';
import { DELIVERY_MIX_OVERRIDES } from '../../../../src/engine/mastering/export.ts';
import { parseDestinations } from '../../../../src/engine/mastering/destinations.ts';
import { renderSession } from './render-whole.ts';
import { exportForDestinations } from './export-whole.ts';

const [sessionFile, out, flag, dests] = process.argv.slice(2);
const session = loadSession(sessionFile!);
if (flag === '--for') {
  const mix = renderSession(session, { tailMs: 0, overrides: DELIVERY_MIX_OVERRIDES });
  exportForDestinations({ sampleRate: mix.sampleRate, channels: mix.channels }, parseDestinations(dests!), out!, 'whole');
} else {
  const mix = renderSession(session, { tailMs: 0 });
  fs.writeFileSync(out!, encodeWav(mix.channels, mix.sampleRate, { bitDepth: '24' }));
}
process.stderr.write(`peak-rss-kb ${process.resourceUsage().maxRSS}\n`);
