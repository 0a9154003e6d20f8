/**
 * Stopping runs: cancel one run, or retire a playbook (no new enrolments; optionally cancel
 * its runs in flight). Cancelling is a `cancelRequested` signal, so the workflow ends cleanly:
 * open tasks cancelled, the run recorded as cancelled with the reason.
 */
import type { Db } from 'mongodb';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { cancelRequested } from '../workflows/contract.js';
import { collections } from '../lib/collections.js';
import { playbookNotFound, runNotFound } from './errors.js';

export interface RunControlDeps {
  db: Db;
  temporal: Client;
  now: () => Date;
}

/** `runId` is the run doc id `<workflowId>/<firstExecutionRunId>` (a bare workflow id also works). */
export async function cancelRun(
  deps: RunControlDeps,
  runId: string,
  reason: string,
): Promise<'cancelling' | 'already_ended'> {
  const slash = runId.lastIndexOf('/');
  const workflowId = slash > 0 ? runId.slice(0, slash) : runId;
  const firstExecutionRunId = slash > 0 ? runId.slice(slash + 1) : undefined;
  try {
    await deps.temporal.workflow
      .getHandle(workflowId, undefined, { firstExecutionRunId })
      .signal(cancelRequested, { reason });
    return 'cancelling';
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
    const { runs, enrolments } = collections(deps.db);
    const known = await runs.countDocuments({ _id: runId }, { limit: 1 });
    const enrolled = await enrolments.countDocuments({ _id: runId }, { limit: 1 });
    if (known + enrolled === 0) throw runNotFound(runId);
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
    const ids = await collections(deps.db).enrolments.distinct('_id', { playbookId });
    const reason = opts.reason ?? `playbook ${playbookId} retired`;
    for (const runId of ids) {
      const result = await cancelRun(deps, runId, reason).catch(() => 'already_ended' as const);
      if (result === 'cancelling') cancelled.push(runId);
    }
  }
  return { playbookId, retired: true, retiredAt, cancelled };
}
