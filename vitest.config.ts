import { defineConfig } from 'vitest/config';

// Temporal's native core bridge breaks under worker threads: run every test file in a fork.
// Integration files start their own servers in beforeAll; files run one at a time because
// the machine has two cores and the time-skipping server's clock is shared per environment.
export default defineConfig({
  test: {
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 240_000,
    include: ['test/**/*.test.ts', 'language/**/*.test.ts', 'kpis/**/*.test.ts'],
    reporters: ['default'],
  },
});
