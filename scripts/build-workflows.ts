/**
 * `npm run build:workflows`: bundles workflows/index.ts into dist/workflow-bundle.js (see
 * worker/workflow-bundle.ts) unless the bundle there is current; `--force` rebuilds anyway.
 */
import { buildWorkflowBundle } from '../worker/workflow-bundle.js';

const force = process.argv.includes('--force');
const log = { info: (message: string) => console.log(`[build:workflows] ${message}`) };
buildWorkflowBundle({ force, log }).then(
  (built) => {
    if (!built) log.info('dist/workflow-bundle.js is current');
  },
  (err: unknown) => {
    console.error('[build:workflows] failed:', err);
    process.exit(1);
  },
);
