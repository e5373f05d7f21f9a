import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    pool: 'forks',
    // Every world any test starts is searched for leaked secrets when it closes.
    setupFiles: ['test/support/leak-watch.ts'],
  },
});
