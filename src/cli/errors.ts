import fs from 'node:fs';
import { ConfigError } from '../util/source-error.ts';
/** A command was used wrongly (exit code 2). */
export class UsageError extends Error {}

const REASONS: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'it is a directory',
  ENOTDIR: 'a part of the path is a file, not a directory',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'the file system is read-only',
  EEXIST: 'it already exists',
  ENAMETOOLONG: 'the name is too long',
  EMFILE: 'too many open files',
  EIO: 'input/output error on the device',
};

/**
 * A file-system error in a user's words: "permission denied" rather than
 * "EACCES: permission denied, open '/out/.mix.wav.1234.tmp'", whose temporary name means nothing to them.
 */
export function fsReason(e: NodeJS.ErrnoException): string {
  if (e.code && REASONS[e.code]) return REASONS[e.code]!;
  // Node's message is "CODE: text, syscall 'path'": keep the text.
  return e.message.replace(/^[A-Z]+: /, '').replace(/, \w+ '.*'$/, '');
}

/** A file-system failure (exit code 1) saying what faderd tried, on which file, and why it failed. */
export class FileError extends Error {
  constructor(action: string, file: string, e: unknown) {
    super(`cannot ${action} ${file}: ${(e as NodeJS.ErrnoException)?.code ? fsReason(e as NodeJS.ErrnoException) : (e as Error).message}`);
  }
}

/** Reads a file the user named; failure is a ConfigError at its first line in their words ("cannot read scene: no such file or directory"). */
export function readUserFile(file: string, what?: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (e) {
    throw new ConfigError([{ file, line: 1, col: 1, message: `cannot read${what ? ` ${what}` : ''}: ${fsReason(e as NodeJS.ErrnoException)}` }]);
  }
}

/**
 * A refused read (FileReadError) in a user's words, for a line that already names the file: "cannot
 * read: no such file or directory", "cannot read: it is a directory, not a regular file".
 */
export function readRefusal(e: { file: string; message: string; code?: string }): string {
  if (e.code) return `cannot read: ${fsReason(e as unknown as NodeJS.ErrnoException)}`;
  const m = e.message.replace(/^cannot read [a-z ]+?: /, 'cannot read: ');
  return m.startsWith(`cannot read: ${e.file} `) ? `cannot read: it ${m.slice(`cannot read: ${e.file} `.length)}` : m;
}
