/** Every workflow the worker serves (bundled by Temporal's bundler from this file). */
export { playbookRun } from './playbook-run.js';
export { selfCheck } from './self-check.js';
export { renewalScan } from './renewal-scan.js';
