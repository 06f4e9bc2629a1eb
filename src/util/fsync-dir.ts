/**
 * Makes a rename inside `dir` durable: fsync on the directory itself, after the renamed file's own
 * fsync. `fsync` is the caller's seam (its tests swap it to see the order of calls or a failure).
 */
import fs from 'node:fs';

export function fsyncDir(dir: string, fsync: (fd: number) => void): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fsync(fd);
  } catch {
    // Some file systems refuse fsync on a directory; the rename is still atomic there.
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}
