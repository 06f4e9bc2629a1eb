import { afterEach, describe, expect, it } from 'vitest';
import { logger, RateLimitedLog, setLogDestination } from '../../src/util/log.ts';

const lines: Array<{ detail: string; suppressed: number; total: number }> = [];
setLogDestination({ write: (s: string) => lines.push(JSON.parse(s)) }, 'warn');
afterEach(() => {
  lines.length = 0;
});

describe('RateLimitedLog', () => {
  it('logs one line per interval per source, cut to a bounded length, and at most a burst in all', () => {
    const r = new RateLimitedLog(logger(import.meta.url), 'refused', 60_000, 3);
    for (let k = 0; k < 1000; k++) r.hit(`10.0.0.1: /${'x'.repeat(65_000)}`, '10.0.0.1');
    r.hit('10.0.0.2: /ch/1/fadr', '10.0.0.2'); // a second client is still heard
    for (let k = 3; k < 100; k++) r.hit(`from ${k}`, `10.0.0.${k}`);
    expect(r.total).toBe(1098);
    expect(lines.map((l) => l.detail.slice(0, 9))).toEqual(['10.0.0.1:', '10.0.0.2:', 'from 3']);
    for (const l of lines) expect(l.detail.length).toBeLessThan(400);
    expect(lines[0]!.detail).toMatch(/\(65011 characters\)$/);
  });

  it('without a source, logs one line per interval with the count suppressed meanwhile', () => {
    const r = new RateLimitedLog(logger(import.meta.url), 'bad', 60_000);
    for (let k = 0; k < 50; k++) r.hit(`n${k}`);
    expect(lines.map((l) => l.detail)).toEqual(['n0']);
  });
});
