/**
 * Signals to the account's live runs. A live run's workflow id is known from the playbook id
 * alone (one per account × playbook), so the engine signals every playbook's id, retired ones
 * included, and ignores the ones with no open run: no lookup that could lag behind a start.
 */
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { SignalDefinition } from '@temporalio/common';
import { runWorkflowId } from '../workflows/contract.js';
import type { EnrolmentResult } from '../lib/documents.js';
import type { PlaybookCatalog } from './playbook-catalog.js';

/** Returns the workflow ids that received the signal. */
export async function signalLiveRuns<Args extends unknown[]>(
  temporal: Client,
  playbookIds: string[],
  accountId: string,
  signal: SignalDefinition<Args>,
  ...args: Args
): Promise<string[]> {
  const delivered = await Promise.all(
    playbookIds.map(async (playbookId) => {
      const workflowId = runWorkflowId(playbookId, accountId);
      try {
        await temporal.workflow.getHandle(workflowId).signal(signal, ...args);
        return workflowId;
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) return null;
        throw err;
      }
    }),
  );
  return delivered.filter((id): id is string => id !== null);
}

/**
 * A fact the account's live runs should hear (a health change, an event): every playbook's run
 * but those the fact's trigger just started, whose input already carries it.
 */
export async function signalOtherLiveRuns<Args extends unknown[]>(
  deps: { temporal: Client; catalog: PlaybookCatalog },
  enrolments: EnrolmentResult[],
  accountId: string,
  signal: SignalDefinition<Args>,
  ...args: Args
): Promise<string[]> {
  const started = new Set(enrolments.filter((e) => e.status === 'started').map((e) => e.playbookId));
  const others = (await deps.catalog.allIds()).filter((p) => !started.has(p));
  return signalLiveRuns(deps.temporal, others, accountId, signal, ...args);
}
