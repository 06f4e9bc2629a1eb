/**
 * Structured logging (pino). Loggers are named by the file that logs, so a line leads to its source.
 * Quiet by default (warn); FADERD_LOG=info|debug|trace or --verbose raises it.
 *
 * Log lines go to stderr, so stdout stays for a command's output. On a terminal they are human
 * readable (time, level, file, message; an error's stack on its own lines); anywhere else (journald,
 * a pipe, a file) each is one JSON object per line. FADERD_LOG_FORMAT=pretty|json forces either.
 */
import path from 'node:path';
import tty from 'node:tty';
import { fileURLToPath } from 'node:url';
import { pino, type Logger, type DestinationStream } from 'pino';
import { createRequire } from 'node:module';
import type PinoPretty from 'pino-pretty';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export type LogFormat = 'pretty' | 'json';

/** The format for stderr: FADERD_LOG_FORMAT if set (anything else is refused), else pretty on a terminal. */
export function logFormat(env: NodeJS.ProcessEnv = process.env, isTerminal = tty.isatty(2)): LogFormat {
  const f = env.FADERD_LOG_FORMAT?.trim().toLowerCase();
  if (f === 'pretty' || f === 'json') return f;
  if (f) process.stderr.write(`faderd: FADERD_LOG_FORMAT must be "pretty" or "json", got ${JSON.stringify(env.FADERD_LOG_FORMAT)}; using ${isTerminal ? 'pretty' : 'json'}\n`);
  return isTerminal ? 'pretty' : 'json';
}

/** Whether the daemon's notices (start, reload, stop) are plain lines or JSON objects. */
export const format: LogFormat = logFormat();

function stderrStream(): DestinationStream {
  if (format === 'json') return pino.destination({ fd: 2, sync: true });
  // Loaded only for a terminal: with its dependencies, forty-odd modules a service's JSON log never needs.
  const pretty = createRequire(import.meta.url)('pino-pretty') as typeof PinoPretty;
  return pretty({
    destination: 2,
    sync: true,
    colorize: tty.isatty(2),
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname',
    // Extra fields on the same line stay readable; an error's stack keeps its own lines.
    singleLine: false,
  });
}

const options = { base: undefined, timestamp: pino.stdTimeFunctions.isoTime };
let base: Logger = pino({ ...options, level: process.env.FADERD_LOG ?? 'warn' }, stderrStream());

export function setLogLevel(level: string): void {
  base.level = level;
}

/** Replaces the destination (tests capture log lines this way); JSON lines. */
export function setLogDestination(dest: { write(s: string): void }, level = base.level): void {
  base = pino({ ...options, level }, dest);
}

/**
 * A line the user should see whatever the log level: the daemon's start, reload and stop. A plain
 * line on a terminal (or FADERD_LOG_FORMAT=pretty), else a JSON object with the same text as `msg`.
 */
export function notice(text: string, fields: Record<string, unknown> = {}): void {
  if (format === 'pretty') process.stderr.write(text.endsWith('\n') ? text : `${text}\n`);
  else process.stderr.write(JSON.stringify({ level: 30, time: new Date().toISOString(), name: 'faderd', ...fields, msg: text }) + '\n');
}

/** A child logger named after the module's file: `logger(import.meta.url)`. */
export function logger(moduleUrl: string): Logger {
  // Run from dist/ (scripts/build-dist.mjs), a line still names the source file.
  const name = path.relative(root, fileURLToPath(moduleUrl)).replace(/^dist([\\/].*)\.js$/, 'src$1.ts');
  return new Proxy({} as Logger, {
    get(_t, prop) {
      const child = base.child({ name });
      const v = (child as unknown as Record<PropertyKey, unknown>)[prop];
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(child) : v;
    },
  });
}

/** Longest detail a rate-limited line carries: a 64 KB address must not become a 64 KB log line. */
const MAX_DETAIL = 300;
/** Sources remembered for their own rate; past this the oldest is forgotten. */
const MAX_SOURCES = 1024;

/**
 * A rate-limited counter for bad input: counts every occurrence, logs at most one line per interval
 * with the count since the last line. With a `source` (a client's address), each source gets its own
 * line per interval, so one noisy client cannot hide another, and at most `burst` lines per interval
 * go out in all, so a thousand sources cannot flood the log either. Details are cut to 300 characters.
 */
export class RateLimitedLog {
  private count = 0;
  private suppressed = 0;
  private last = -Infinity;
  private windowStart = -Infinity;
  private windowLines = 0;
  private readonly sources = new Map<string, number>();
  constructor(
    private readonly log: Logger,
    private readonly what: string,
    private readonly intervalMs = 5000,
    private readonly burst = 5,
  ) {}
  get total(): number {
    return this.count;
  }
  hit(detail: string, source?: string): void {
    this.count++;
    const now = Date.now();
    if (source === undefined ? now - this.last < this.intervalMs : !this.sourceMayLog(source, now)) {
      this.suppressed++;
      return;
    }
    const d = detail.length > MAX_DETAIL ? `${detail.slice(0, MAX_DETAIL)}... (${detail.length} characters)` : detail;
    this.log.warn({ detail: d, suppressed: this.suppressed, total: this.count }, this.what);
    this.last = now;
    this.suppressed = 0;
  }

  private sourceMayLog(source: string, now: number): boolean {
    if (now - this.windowStart >= this.intervalMs) {
      this.windowStart = now;
      this.windowLines = 0;
    }
    const last = this.sources.get(source);
    if (this.windowLines >= this.burst || (last !== undefined && now - last < this.intervalMs)) return false;
    this.windowLines++;
    this.sources.delete(source);
    this.sources.set(source, now);
    if (this.sources.size > MAX_SOURCES) this.sources.delete(this.sources.keys().next().value!);
    return true;
  }
}
