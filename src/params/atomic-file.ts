/**
 * Atomic file replacement: write a temp file in the same directory, fsync it, keep the previous good
 * copy as `<file>.bak`, rename the temp over the file, fsync the directory. A crash at any moment
 * leaves either the old file, the new file, or (between the two renames) the `.bak` copy.
 */
import fs from 'node:fs';
import path from 'node:path';

export function writeFileAtomic(file: string, data: string | Uint8Array, opts: { keepBackup?: boolean } = {}): void {
  const dir = path.dirname(file);
  fs.mkdirSync(dir, { recursive: true });
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.tmp`);
  const fd = fs.openSync(tmp, 'w', 0o644);
  try {
    fs.writeSync(fd, typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  if (opts.keepBackup && fs.existsSync(file)) fs.renameSync(file, `${file}.bak`);
  fs.renameSync(tmp, file);
  try {
    const dfd = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(dfd);
    } finally {
      fs.closeSync(dfd);
    }
  } catch {
    // Some filesystems refuse fsync on a directory; the rename is still atomic there.
  }
}

/** Moves a bad file out of the way (never deletes a user's data) and returns where it went. */
export function setAside(file: string, why: string): string {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const dest = `${file}.${why}-${stamp}`;
  fs.renameSync(file, dest);
  return dest;
}
