import { bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';

// Bundling workflows takes seconds; do it once per file (each test file has its own process)
// and share the bundle among all the workers the file creates.
const bundles = new Map<string, Promise<WorkflowBundleWithSourceMap>>();

export function workflowBundle(workflowsPath: string): Promise<WorkflowBundleWithSourceMap> {
  let bundle = bundles.get(workflowsPath);
  if (!bundle) {
    bundle = bundleWorkflowCode({ workflowsPath, logger: quietLogger });
    bundles.set(workflowsPath, bundle);
  }
  return bundle;
}

const quietLogger = {
  log: () => {},
  trace: () => {},
  debug: () => {},
  info: () => {},
  warn: (message: string, meta?: unknown) => console.warn(message, meta ?? ''),
  error: (message: string, meta?: unknown) => console.error(message, meta ?? ''),
};
