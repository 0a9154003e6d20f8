import { resolve } from 'node:path';
import { bundleWorkflowCode, type WorkflowBundle } from '@temporalio/worker';
import {
  buildWorkflowBundle,
  quietLogger,
  readWorkflowBundle,
  workflowsPath as productionWorkflows,
} from '../../worker/workflow-bundle.js';

// The worker's workflows (workflows/index.ts) come from dist/workflow-bundle.js, the bundle
// the worker runs: test/global-setup.ts builds it once per test run when it is not current, so
// here it is only read (built when a run has no global setup and it is stale, as under
// `npm run test:interpreter`). Test-only workflows are bundled once per file (each test file
// has its own process) and shared among all the workers the file creates.
const bundles = new Map<string, Promise<WorkflowBundle>>();

export function workflowBundle(workflowsPath: string): Promise<WorkflowBundle> {
  const key = resolve(workflowsPath);
  let bundle = bundles.get(key);
  if (!bundle) {
    bundle =
      key === productionWorkflows
        ? buildWorkflowBundle().then(() => readWorkflowBundle())
        : bundleWorkflowCode({ workflowsPath, logger: quietLogger });
    bundles.set(key, bundle);
  }
  return bundle;
}
