/**
 * A stand-in for the playbook-run workflow, registered under the same type name, for tests of
 * the engine's hand-off to Temporal: it records in MongoDB (through an activity) that the run
 * it was given started, then waits for a cancel. It tests what the engine promises (a started
 * run is durable), independently of how the real workflow interprets playbooks.
 */
import { condition, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import { cancelRequested, type RunInput } from '../../../workflows/contract.js';
import type { createProbeActivities } from './probe-activities.js';

const { recordRunProgress } = proxyActivities<ReturnType<typeof createProbeActivities>>({
  startToCloseTimeout: '1 minute',
});

export async function playbookRun(input: RunInput): Promise<void> {
  let cancelled = false;
  setHandler(cancelRequested, () => void (cancelled = true));
  await recordRunProgress({
    workflowId: workflowInfo().workflowId,
    runId: workflowInfo().firstExecutionRunId,
    accountId: input.accountId,
    control: input.control,
  });
  await condition(() => cancelled);
}
