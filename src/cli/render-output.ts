/**
 * Where `faderd render` writes, decided before any audio is rendered, so a wrong `-o` fails in a
 * second rather than after the mix, and never destroys an input:
 *
 * - a mix goes to `-o FILE`, or into `-o DIR` when DIR exists or the name ends with `/`;
 * - deliveries (`--for`) go into a directory under the same rule; a single delivery may also be
 *   written to `-o FILE`; several deliveries with `-o` naming something other than a directory are a
 *   usage error (a directory named `spot.wav` is never made);
 * - a file the render reads (a stem, the session, the state or scene file) is never an output.
 *
 * File-system failures are worded for the user: the path they typed and the reason, never a raw
 * `ENOENT` naming a temporary file.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Session } from '../params/session.ts';
import { destinationFileTag, type Destination } from '../engine/mastering/destinations.ts';
import { FileError, fsReason, UsageError } from './errors.ts';

export type OutputPlan =
  /** The mix, or one delivery, to this file. */
  | { readonly kind: 'file'; readonly file: string; readonly shown: string }
  /** Deliveries into this directory (made if missing). */
  | { readonly kind: 'dir'; readonly dir: string; readonly shown: string };

const endsWithSep = (p: string): boolean => p.endsWith('/') || p.endsWith(path.sep);
const isDir = (p: string): boolean => {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
};

/** Decides the output of a render from `-o` (or its absence), the destinations and the session's base name. */
export function planOutput(output: string | undefined, dests: readonly Destination[] | undefined, baseName: string): OutputPlan {
  const asDir = output !== undefined && (endsWithSep(output) || isDir(output));
  if (!dests) {
    if (output === undefined) return { kind: 'file', file: path.resolve(`${baseName}.wav`), shown: `${baseName}.wav` };
    if (asDir) return { kind: 'file', file: path.resolve(output, `${baseName}.wav`), shown: path.join(output, `${baseName}.wav`) };
    return { kind: 'file', file: path.resolve(output), shown: output };
  }
  if (output === undefined) return { kind: 'dir', dir: path.resolve('.'), shown: '.' };
  if (asDir) return { kind: 'dir', dir: path.resolve(output), shown: output };
  if (dests.length === 1) return { kind: 'file', file: path.resolve(output), shown: output };
  throw new UsageError(
    `--for ${dests.map((d) => d.name).join(',')} writes ${dests.length} files, so -o names a directory, and ${JSON.stringify(output)} is not one: ` +
      `give an existing directory, or end the name with / to have it made (e.g. -o ${output.replace(/\.wav$/i, '')}/)`,
  );
}

/** The files the plan will write: one per destination for a directory, else the one file. */
export function plannedFiles(plan: OutputPlan, dests: readonly Destination[] | undefined, baseName: string): Array<{ file: string; shown: string }> {
  if (plan.kind === 'file') return [{ file: plan.file, shown: plan.shown }];
  return (dests ?? []).map((d) => {
    const name = `${baseName}.${destinationFileTag(d)}.wav`;
    return { file: path.join(plan.dir, name), shown: path.join(plan.shown, name) };
  });
}

/** What a render reads: the session, its stems, and the state and scene files layered on it. */
export function renderInputs(session: Session, extra: Array<{ file: string; what: string }>): Array<{ file: string; what: string }> {
  const out: Array<{ file: string; what: string }> = [];
  if (session.file) out.push({ file: session.file, what: 'the session file' });
  for (const c of session.channels) if (c.file) out.push({ file: path.resolve(session.dir, c.file), what: `the stem of channel ${JSON.stringify(c.name)}` });
  return [...out, ...extra.map((e) => ({ file: path.resolve(e.file), what: e.what }))];
}

/** Device and inode of an existing file, so a link or another spelling of the path is still caught. */
function identity(file: string): string | undefined {
  try {
    const st = fs.statSync(file);
    return `${st.dev}:${st.ino}`;
  } catch {
    return undefined;
  }
}

/** Refuses (usage error) an output that is one of the render's inputs. */
export function refuseInputsAsOutputs(outputs: ReadonlyArray<{ file: string; shown: string }>, inputs: ReadonlyArray<{ file: string; what: string }>): void {
  for (const o of outputs) {
    const id = identity(o.file);
    const hit = inputs.find((i) => path.resolve(i.file) === path.resolve(o.file) || (id !== undefined && identity(i.file) === id));
    if (hit) throw new UsageError(`refusing to write ${o.shown}: it is ${hit.what}, which this render reads; choose another -o`);
  }
}

/**
 * A file-system error while writing `shown` (a file, or a directory of deliveries), in the user's
 * words: a missing directory is named, nothing about temporary files.
 */
export function writeError(shown: string, e: unknown, what = 'write'): Error {
  const err = e as NodeJS.ErrnoException;
  if (!err?.code) return e as Error;
  const dir = path.dirname(shown);
  if (err.code === 'ENOENT' && !fs.existsSync(dir)) return new FileError(what, shown, new Error(`the directory ${dir} does not exist`));
  return new Error(`cannot ${what} ${shown}: ${fsReason(err)}`);
}
