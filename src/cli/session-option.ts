/** Shared `--session FILE` handling: a file when given, the embedded default otherwise. */
import { defaultSession, loadSession, type Session } from '../params/session.ts';

export function sessionFrom(file: string | undefined): Session {
  return file ? loadSession(file) : defaultSession();
}
