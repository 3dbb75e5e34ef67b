import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/helpers/global-redis.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // Files run side by side, each against its own key prefix on the shared Redis. Vitest's default
    // is one fewer worker than cores, which on two cores ran the suite file by file: 640 s, against
    // 385 s with two (the tests wait on state, not on time, so sharing the cores slows but does not
    // fail them).
    maxWorkers: Math.max(2, availableParallelism() - 1),
  },
});
