/**
 * Writes that cannot corrupt a saved file. A new version is written in full to a temp file in the
 * same directory (every short write is continued, a write that makes no progress is an error), fsynced,
 * read back and checked byte for byte and by the caller's parser; only then does the previous good
 * copy become `<file>.bak` (hard-linked, so `<file>` itself never disappears) and the temp file is
 * renamed over `<file>`, and the directory is fsynced. A previous file that does not parse is never
 * rotated over a good `.bak`.
 *
 * Any failure (disk full, read-only, short write, a read-back that differs) removes the temp file,
 * leaves `<file>` and `<file>.bak` as they were, and throws an AtomicWriteError naming the file and
 * the reason. A crash at any moment leaves the old file or the new one, both complete.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fsyncDir } from '../util/fsync-dir.ts';

/**
 * The file-system calls the writer makes, as one object so a test can inject a short write or a full
 * disk (`io.writeSync = ...`) and see the previous file survive. Production code never changes it.
 */
export const io = {
  writeSync: (fd: number, buf: Uint8Array, offset: number, length: number): number => fs.writeSync(fd, buf, offset, length),
  fsyncSync: (fd: number): void => fs.fsyncSync(fd),
};

export class AtomicWriteError extends Error {
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`cannot save ${file}: ${reason}; the previous file is untouched`);
  }
}

export interface AtomicWriteOptions {
  /** Keep the previous good copy as `<file>.bak` (state, scenes). */
  readonly keepBackup?: boolean;
  /** Parses a file's text; throws when it is not a good copy. Used on the new data and before rotating the old. */
  readonly validate?: (text: string) => void;
  /**
   * Whether to run `validate` on the new data too (default true). A caller whose data is its own
   * serializer's output and costly to parse (a scene's YAML: tens of ms on a busy machine, during a
   * live control stream) may skip it: the byte-for-byte read-back still proves the file is complete.
   */
  readonly validateNew?: boolean;
}

function reasonOf(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  if (err.code === 'ENOSPC') return 'no space left on the device (ENOSPC)';
  if (err.code === 'EROFS') return 'the file system is read-only (EROFS)';
  if (err.code === 'EACCES' || err.code === 'EPERM') return `permission denied (${err.code})`;
  if (err.code === 'EDQUOT') return 'disk quota exceeded (EDQUOT)';
  return err.code ? `${err.message}` : String(err.message ?? e);
}

/** Writes all of `buf`, continuing short writes; a write that makes no progress is an error. */
function writeAll(fd: number, buf: Uint8Array): void {
  let off = 0;
  while (off < buf.length) {
    const n = io.writeSync(fd, buf, off, buf.length - off);
    if (!(n > 0)) throw new Error(`short write: ${off} of ${buf.length} bytes written, then no progress`);
    off += n;
  }
}


/**
 * Files this process wrote and checked, by identity (inode, size, mtime): an unchanged one is known
 * good without reading and parsing it again at every autosave. Anything else that touched it (a hand
 * edit, a truncation) changes its identity and it is checked in full.
 */
const known = new Map<string, string>();

function identity(file: string): string | undefined {
  try {
    const st = fs.statSync(file, { bigint: true });
    return `${st.ino}:${st.size}:${st.mtimeNs}`;
  } catch {
    return undefined;
  }
}

function remember(file: string): void {
  const id = identity(file);
  if (id) known.set(file, id);
  if (known.size > 1000) known.delete(known.keys().next().value!);
}

/** Whether `file` holds a good copy by `validate` (any readable file when there is no validator). */
function isGood(file: string, validate: AtomicWriteOptions['validate']): boolean {
  const id = identity(file);
  if (id !== undefined && known.get(file) === id) return true;
  try {
    const text = fs.readFileSync(file, 'utf8');
    validate?.(text);
    return true;
  } catch {
    return false;
  }
}

/** Makes `<file>.bak` a copy of `file` without `file` ever being absent: a hard link, else a copy. */
function rotate(file: string): void {
  const bak = `${file}.bak`;
  const tmpBak = path.join(path.dirname(file), `.${path.basename(file)}.bak.${process.pid}.tmp`);
  fs.rmSync(tmpBak, { force: true });
  try {
    fs.linkSync(file, tmpBak);
  } catch {
    fs.copyFileSync(file, tmpBak);
    const fd = fs.openSync(tmpBak, 'r+');
    try {
      io.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  }
  fs.renameSync(tmpBak, bak);
}

export function writeFileAtomic(file: string, data: string | Uint8Array, opts: AtomicWriteOptions = {}): void {
  const dir = path.dirname(file);
  const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data);
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.tmp`);
  try {
    // The data itself first: a serializer bug must not replace a good file either.
    if (opts.validateNew !== false) opts.validate?.(buf.toString('utf8'));
    fs.mkdirSync(dir, { recursive: true });
    const fd = fs.openSync(tmp, 'w', 0o644);
    try {
      writeAll(fd, buf);
      io.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    const back = fs.readFileSync(tmp);
    // Byte for byte what was validated above, so it parses too.
    if (!back.equals(buf)) throw new Error(`read-back differs: ${back.length} of ${buf.length} bytes on disk`);
    if (opts.keepBackup && fs.existsSync(file) && isGood(file, opts.validate)) rotate(file);
    fs.renameSync(tmp, file);
    remember(file);
  } catch (e) {
    try {
      fs.rmSync(tmp, { force: true });
    } catch {
      // Nothing more can be done; the temp file's name starts with a dot and is never read.
    }
    throw new AtomicWriteError(file, reasonOf(e));
  }
  fsyncDir(dir, (fd) => io.fsyncSync(fd));
}

/** Moves a bad file out of the way (never deletes a user's data) and returns where it went. */
export function setAside(file: string, why: string): string {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const dest = `${file}.${why}-${stamp}`;
  fs.renameSync(file, dest);
  return dest;
}
