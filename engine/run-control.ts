/**
 * Stopping runs: cancel one run, or retire a playbook (no new enrolments; optionally cancel
 * its runs in flight). Cancelling is a `cancelRequested` signal, so the workflow ends cleanly:
 * open tasks cancelled, the run recorded as cancelled with the reason.
 */
import type { Db } from 'mongodb';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { cancelRequested, type RunExecution } from '../workflows/contract.js';
import { collections } from '../lib/collections.js';
import { playbookNotFound, runNotFound } from './errors.js';

export interface RunControlDeps {
  db: Db;
  temporal: Client;
  now: () => Date;
}

/**
 * Cancels the run with this id (`run_…`). Where it lives in Temporal is read from its enrolment
 * (written at start) or, for a run the engine did not start, its run document.
 */
export async function cancelRun(
  deps: RunControlDeps,
  runId: string,
  reason: string,
): Promise<'cancelling' | 'already_ended'> {
  const { enrolments, runs } = collections(deps.db);
  const projection = { workflowId: 1, firstExecutionRunId: 1 };
  const execution =
    (await enrolments.findOne({ _id: runId }, { projection })) ??
    (await runs.findOne({ _id: runId }, { projection }));
  if (!execution) throw runNotFound(runId);
  return signalCancel(deps, execution, reason);
}

/** The first execution's run id pins the signal to this run, not a later one of the same workflow id. */
async function signalCancel(
  deps: RunControlDeps,
  { workflowId, firstExecutionRunId }: RunExecution,
  reason: string,
): Promise<'cancelling' | 'already_ended'> {
  try {
    await deps.temporal.workflow
      .getHandle(workflowId, undefined, { firstExecutionRunId })
      .signal(cancelRequested, { reason });
    return 'cancelling';
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
    return 'already_ended';
  }
}

export interface RetireResult {
  playbookId: string;
  retired: true;
  retiredAt: Date;
  /** Runs that were sent a cancel (only with cancelRunning). */
  cancelled: string[];
}

export async function retirePlaybook(
  deps: RunControlDeps,
  playbookId: string,
  opts: { cancelRunning?: boolean; reason?: string } = {},
): Promise<RetireResult> {
  const retiredAt = deps.now();
  const res = await collections(deps.db).playbooks.updateOne(
    { _id: playbookId },
    { $set: { retired: true, retiredAt } },
  );
  if (res.matchedCount === 0) throw playbookNotFound(playbookId);
  const cancelled: string[] = [];
  if (opts.cancelRunning) {
    // Enrolments (written at start) rather than run docs (written by the workflow a moment
    // later): a run started just before the retire is not missed.
    const enrolled = await collections(deps.db)
      .enrolments.find({ playbookId }, { projection: { workflowId: 1, firstExecutionRunId: 1 } })
      .toArray();
    const reason = opts.reason ?? `playbook ${playbookId} retired`;
    for (const run of enrolled) {
      const result = await signalCancel(deps, run, reason).catch(() => 'already_ended' as const);
      if (result === 'cancelling') cancelled.push(run._id);
    }
  }
  return { playbookId, retired: true, retiredAt, cancelled };
}
