import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// The interpreter layer alone (`npm run test:interpreter`): it needs no dev server and no
// database, so it runs without the suite's global setup. `npm test` runs these files too, under
// the main config. Forks and one file at a time, as there (Temporal's native bridge, and the
// time-skipping server's shared clock); not isolated, so the files share one fork and the
// workflow bundle (test/harness/bundle.ts), the slowest part of the layer, is built once.
export default defineConfig({
  root: fileURLToPath(new URL('../../', import.meta.url)),
  test: {
    pool: 'forks',
    fileParallelism: false,
    isolate: false,
    testTimeout: 30_000,
    hookTimeout: 120_000,
    include: ['test/interpreter/**/*.test.ts'],
  },
});
