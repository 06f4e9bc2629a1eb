import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    // Two test files at a time, even on a 2-core machine (vitest's default there is one): most of the
    // suite's time is spent waiting on child processes, daemons and sockets, not computing. Test files
    // never share a port (daemons get free ports, --no-http unless a web mixer is wanted, x32 off in
    // their sessions) or a state directory, so they can run side by side.
    maxWorkers: 2,
    // Generous: the suite must pass on a busy 2-core machine (load 8+) without real-time priority.
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
