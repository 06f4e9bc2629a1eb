/**
 * A private ALSA configuration for tests, in a HOME of their own: a null PCM, a file-backed duplex
 * device (capture from a raw file, playback appended to another) and a JACK-backed paced device.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface AlsaHome {
  readonly dir: string;
  readonly home: string;
  readonly inRaw: string;
  readonly outRaw: string;
}

export function makeAlsaHome(prefix = 'faderd-alsa-'): AlsaHome {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const home = path.join(dir, 'home');
  fs.mkdirSync(home);
  const inRaw = path.join(dir, 'in.raw');
  const outRaw = path.join(dir, 'out.raw');
  fs.writeFileSync(
    path.join(home, '.asoundrc'),
    `pcm.mixnull { type null }
pcm.filein { type file slave.pcm "null" file "/dev/null" infile "${inRaw}" format "raw" }
pcm.fileout { type file slave.pcm "null" file "${outRaw}" format "raw" perm 0644 }
pcm.filedev { type asym capture.pcm "filein" playback.pcm "fileout" }
pcm.jackdev {
  type jack
  playback_ports { 0 system:playback_1 1 system:playback_2 }
  capture_ports { 0 system:capture_1 1 system:capture_2 }
}
`,
  );
  return { dir, home, inRaw, outRaw };
}
