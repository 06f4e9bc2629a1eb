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

/**
 * A rate-limited counter for bad input: counts every occurrence, logs at most one line per interval
 * with the count since the last line.
 */
export class RateLimitedLog {
  private count = 0;
  private suppressed = 0;
  private last = -Infinity;
  constructor(
    private readonly log: Logger,
    private readonly what: string,
    private readonly intervalMs = 5000,
  ) {}
  get total(): number {
    return this.count;
  }
  hit(detail: string): void {
    this.count++;
    const now = Date.now();
    if (now - this.last >= this.intervalMs) {
      this.log.warn({ detail, suppressed: this.suppressed, total: this.count }, this.what);
      this.last = now;
      this.suppressed = 0;
    } else this.suppressed++;
  }
}
