import { defineConfig } from 'vitest/config';

// Temporal's native core bridge breaks under worker threads: run every test file in a fork.
// One Temporal dev server and one MongoDB-protocol server serve the whole run (globalSetup);
// each integration file gets its own database, task queue and SMTP capture (test/harness).
// Files run one at a time because the machine has two cores.
export default defineConfig({
  test: {
    pool: 'forks',
    globalSetup: ['test/global-setup.ts'],
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 240_000,
    include: ['test/**/*.test.ts'],
    reporters: ['default'],
  },
});
