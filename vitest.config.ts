import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/helpers/global-redis.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // Two cores here: files run in parallel, each against its own key prefix on the shared Redis.
    pool: 'forks',
  },
});
