import { defineConfig } from 'vitest/config';

/**
 * `npm run test:faults`: the fault suite at full scale (1,000 jobs through worker crashes, 5,000
 * chaos jobs per policy, …), one file at a time so that its counts and times are measured alone.
 * `npm test` runs the same files at a small scale.
 */
export default defineConfig({
  test: {
    include: ['test/faults/**/*.test.ts'],
    globalSetup: ['test/helpers/global-redis.ts'],
    env: { BACKSTOP_FAULT_SCALE: 'full' },
    testTimeout: 1_800_000,
    hookTimeout: 60_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
