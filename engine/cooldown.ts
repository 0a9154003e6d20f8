/**
 * Cooldown: no re-enrolment in a playbook until `cooldown` has passed since the account's
 * last run of it ended. The end comes from the run documents (kept for good) and from
 * Temporal's own record of the workflow id (authoritative for a run that just closed, before
 * its document caught up); the later of the two counts.
 */
import type { Db } from 'mongodb';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { collections } from '../lib/collections.js';
import { durationMs } from '../language/durations.js';
import { runWorkflowId } from '../workflows/contract.js';

export interface LastRun {
  running: boolean;
  endedAt: Date | null;
}

export async function lastRun(
  db: Db,
  temporal: Client,
  playbookId: string,
  accountId: string,
): Promise<LastRun> {
  const workflowId = runWorkflowId(playbookId, accountId);
  const [doc, described] = await Promise.all([
    collections(db)
      .runs.find({ playbookId, accountId, endedAt: { $exists: true } }, { projection: { endedAt: 1 } })
      .sort({ endedAt: -1 })
      .limit(1)
      .next(),
    temporal.workflow
      .getHandle(workflowId)
      .describe()
      .catch((err: unknown) => {
        if (err instanceof WorkflowNotFoundError) return null;
        throw err;
      }),
  ]);
  if (described?.status.name === 'RUNNING') return { running: true, endedAt: null };
  const ends = [doc?.endedAt, described?.closeTime].filter((d): d is Date => d instanceof Date);
  const endedAt = ends.length ? new Date(Math.max(...ends.map((d) => d.getTime()))) : null;
  return { running: false, endedAt };
}

/** When the cooldown lets the account enrol again, or null if it may enrol now. */
export function cooldownUntil(last: LastRun, cooldown: string | undefined, now: Date): Date | null {
  if (!cooldown || !last.endedAt) return null;
  const until = new Date(last.endedAt.getTime() + durationMs(cooldown));
  return until > now ? until : null;
}
