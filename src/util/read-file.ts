/**
 * Reading a user's file without trusting what the path points at. A symlink to /dev/zero once ate
 * gigabytes; a FIFO blocked the main thread (and with it every fader) until something wrote to it.
 * So a file is opened without blocking, checked to be a regular file through the open descriptor
 * (no race between a check and the open), and read only up to a size cap suited to its kind.
 *
 *   const text = readRegularText('show.yaml', 'session');   // throws FileReadError naming the file
 */
import fs from 'node:fs';

/** Largest file read for each kind: far beyond any real one, small enough to never hurt. */
export const FILE_LIMITS = {
  session: 1 << 20,
  mapping: 1 << 20,
  scene: 1 << 20,
  'state file': 8 << 20,
  /** A whole WAV file read at once (loudness, tests); streamed reads only check the type. */
  wav: 2 ** 31 - 1,
} as const;

export type FileKind = keyof typeof FILE_LIMITS;

export class FileReadError extends Error {
  constructor(
    readonly file: string,
    message: string,
    /** The errno code when the system refused the open (ENOENT, EACCES...). */
    readonly code?: string,
  ) {
    super(message);
    this.name = 'FileReadError';
  }
}

const describeType = (st: fs.Stats): string =>
  st.isFIFO() ? 'a FIFO' : st.isCharacterDevice() ? 'a character device' : st.isBlockDevice() ? 'a block device' : st.isSocket() ? 'a socket' : st.isDirectory() ? 'a directory' : 'not a regular file';

/**
 * Opens a regular file for reading: never blocks (O_NONBLOCK, so a FIFO is seen, not waited on) and
 * refuses anything else, or a file above `maxBytes`. Returns the descriptor and size; the caller closes it.
 */
export function openRegularFile(file: string, what: string, maxBytes = Infinity): { fd: number; size: number } {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK | fs.constants.O_NOCTTY);
  } catch (e) {
    // Node's message is "CODE: text, syscall 'path'": keep the text, in the user's words.
    const err = e as NodeJS.ErrnoException;
    throw new FileReadError(file, `cannot read ${what}: ${file}: ${err.message.replace(/^[A-Z]+: /, '').replace(/, \w+ '.*'$/, '')}`, err.code);
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) throw new FileReadError(file, `cannot read ${what}: ${file} is ${describeType(st)}, not a regular file`);
    if (st.size > maxBytes) throw new FileReadError(file, `cannot read ${what}: ${file} is ${st.size} bytes, more than the ${maxBytes} a ${what} may be`);
    return { fd, size: st.size };
  } catch (e) {
    fs.closeSync(fd);
    throw e instanceof FileReadError ? e : new FileReadError(file, `cannot read ${what}: ${(e as Error).message}`);
  }
}

/** A regular file's bytes, at most `maxBytes` (the kind's limit by default); one that grows while read is refused. */
export function readRegularFile(file: string, what: FileKind | string, maxBytes: number = FILE_LIMITS[what as FileKind] ?? FILE_LIMITS.session): Buffer {
  const { fd, size } = openRegularFile(file, what, maxBytes);
  try {
    const buf = Buffer.allocUnsafe(Math.min(size, maxBytes) + 1);
    let got = 0;
    for (;;) {
      const n = fs.readSync(fd, buf, got, buf.length - got, got);
      if (n === 0) break;
      got += n;
      if (got > maxBytes) throw new FileReadError(file, `cannot read ${what}: ${file} grew past the ${maxBytes} bytes a ${what} may be`);
      if (got === buf.length) throw new FileReadError(file, `cannot read ${what}: ${file} changed while it was read`);
    }
    return buf.subarray(0, got);
  } catch (e) {
    throw e instanceof FileReadError ? e : new FileReadError(file, `cannot read ${what}: ${(e as Error).message}`);
  } finally {
    fs.closeSync(fd);
  }
}

/** A regular file's text (UTF-8), within its kind's size limit. */
export function readRegularText(file: string, what: FileKind | string, maxBytes?: number): string {
  return readRegularFile(file, what, maxBytes).toString('utf8');
}
