import { defineConfig } from 'vitest/config';

/**
 * How long one test or hook may run before it counts as hung. Not a performance budget: on a busy
 * 2-core machine a file's set-up (an embedded database, sign-ups hashing passwords, Chromium) can take
 * many times what it takes on a quiet one, and tests wait on conditions rather than on fixed delays.
 * This bound exists only so that a real hang fails the run instead of holding CI forever. Test files
 * do not set their own (no `vi.setConfig`, no per-test timeouts): one budget, here.
 */
const HANG_MS = 10 * 60_000;

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    testTimeout: HANG_MS,
    hookTimeout: HANG_MS,
    // The suite runs once per database engine; the engine's name tells the runs apart in reports.
    name: process.env.ROSTER_TEST_DATABASE_URL ? 'postgres' : 'pglite',
  },
});
