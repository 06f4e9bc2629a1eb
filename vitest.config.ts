import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    // Generous: the suite must pass on a busy 2-core machine (load 8+) without real-time priority.
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
