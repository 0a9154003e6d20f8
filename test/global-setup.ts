/**
 * Starts ONE stack (Temporal dev server + MongoDB-protocol server) for the whole test run and
 * hands its addresses to the test files (see test/harness/index.ts). SMTP is not started
 * here: this runs in vitest's main process, and test files run in forks, so each file that
 * needs mail starts its own in-process capture through the harness and reads it directly.
 */
import type { TestProject } from 'vitest/node';
import { startStack } from '../lib/stack.js';
import { buildWorkflowBundle } from '../worker/workflow-bundle.js';
import './harness/provided.js';

export default async function setup(project: TestProject) {
  const began = Date.now();
  // The worker's workflow bundle (dist/workflow-bundle.js), built here once for the whole run
  // when it is missing or older than its sources; every test file reads it (harness/bundle.ts).
  const [started, bundled] = await Promise.allSettled([startStack({ smtp: false }), buildWorkflowBundle()]);
  if (started.status === 'rejected') throw started.reason;
  const stack = started.value;
  if (bundled.status === 'rejected') {
    await stack.stop();
    throw bundled.reason;
  }
  project.provide('temporalAddress', stack.temporalAddress);
  project.provide('mongodbUri', stack.mongodbUri);
  project.provide('mongoKind', stack.mongoKind);
  if (process.env.RETAIN_TEST_VERBOSE) {
    console.log(
      `[stack] Temporal ${stack.temporalAddress}, ${stack.mongoKind} ${stack.mongodbUri} (${Date.now() - began}ms)`,
    );
  }
  // vitest may be interrupted (Ctrl-C) without running teardown; stop the servers anyway.
  const onSignal = (signal: NodeJS.Signals) => {
    void stack.stop().finally(() => process.kill(process.pid, signal));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return async () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await stack.stop();
  };
}
