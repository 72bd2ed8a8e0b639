import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // The suite runs once per database engine; the engine's name tells the runs apart in reports.
    name: process.env.ROSTER_TEST_DATABASE_URL ? 'postgres' : 'pglite',
  },
});
