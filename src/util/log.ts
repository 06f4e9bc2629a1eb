/**
 * Structured logging (pino). Loggers are named by the file that logs, so a line leads to its source.
 * Quiet by default (warn); FADERD_LOG=info|debug|trace or --verbose raises it.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino, type Logger } from 'pino';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

let base: Logger = pino({
  level: process.env.FADERD_LOG ?? 'warn',
  base: undefined,
  timestamp: pino.stdTimeFunctions.isoTime,
});

export function setLogLevel(level: string): void {
  base.level = level;
}

/** Replaces the destination (tests capture log lines this way). */
export function setLogDestination(dest: { write(s: string): void }, level = base.level): void {
  base = pino({ level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime }, dest);
}

/** A child logger named after the module's file: `logger(import.meta.url)`. */
export function logger(moduleUrl: string): Logger {
  const name = path.relative(root, fileURLToPath(moduleUrl));
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
