/**
 * The run's own record in MongoDB: status, current step and outcome, created by an insert keyed
 * by run id, so a retried start finds the record it wrote instead of duplicating it. Its audit
 * trail goes to `runAudit`, one insert-only document per entry keyed by run and sequence
 * number, so a retried or overlapping batch stores each entry once.
 */
import type { AuditEntry, RunExecution, RunInput } from '../workflows/contract.js';
import { collections } from '../lib/collections.js';
import type { OutcomeDoc, RunAuditDoc } from '../lib/documents.js';
import { runAuditId, stepRecordId } from '../lib/ids.js';
import { insertIfAbsent, insertManyIfAbsent } from '../lib/mongo.js';
import { cancelOpenTasks } from '../lib/task-decisions.js';
import type { ActivityDeps } from './deps.js';

export interface RunRef extends RunExecution {
  runId: string;
}

export interface AuditBatch extends RunRef {
  /** Index of entries[0] in the run's audit trail. */
  from: number;
  entries: AuditEntry[];
  currentStep: string | null;
}

export interface RunEnd extends RunRef {
  input: Pick<RunInput, 'accountId' | 'playbookId' | 'control'>;
  status: 'completed' | 'cancelled' | 'failed';
  outcome: string | null;
  goalReached: boolean;
  /** False when an `outcome` step already recorded this outcome; true for the goal's outcomes. */
  recordOutcome?: boolean;
  cancelReason?: string;
  endedAt: string;
}

export function createRunRecordActivities({ db }: ActivityDeps) {
  const { outcomes, runs, runAudit } = collections(db);

  return {
    async recordRunStarted({
      runId,
      workflowId,
      firstExecutionRunId,
      input,
      startedAt,
    }: RunRef & { input: RunInput; startedAt: string }): Promise<void> {
      await insertIfAbsent(runs, {
        _id: runId,
        workflowId,
        firstExecutionRunId,
        accountId: input.accountId,
        playbookId: input.playbookId,
        playbookVersion: input.playbookVersion,
        control: input.control,
        status: 'running',
        currentStep: null,
        outcome: null,
        goalReached: null,
        trigger: { ...input.trigger },
        audit: [],
        auditLength: 0,
        startedAt: new Date(startedAt),
      });
    },

    /**
     * Stores the batch's entries in `runAudit`, each keyed by run and position: an entry a
     * retried or overlapping batch stored before is refused as a duplicate and left as it is.
     * The run's record keeps its current step and the trail's stored length.
     */
    async appendAudit({ runId, from, entries, currentStep }: AuditBatch): Promise<void> {
      if (entries.length === 0) return;
      const docs: RunAuditDoc[] = entries.map((e, i) => ({
        _id: runAuditId(runId, from + i),
        runId,
        seq: from + i,
        at: new Date(e.at),
        step: e.step,
        kind: e.kind,
        event: e.event,
        detail: e.detail,
      }));
      await insertManyIfAbsent(runAudit, docs);
      await runs.updateOne(
        { _id: runId },
        { $set: { currentStep }, $max: { auditLength: from + entries.length } },
      );
    },

    /** Ends the run: its record, the outcome, and every task it left open (cancelled). */
    async recordRunEnded(end: RunEnd): Promise<{ cancelledTasks: number }> {
      const endedAt = new Date(end.endedAt);
      // Tasks a CSM completed first stay completed: the decision is an insert (lib/task-decisions.ts).
      const cancelledTasks = await cancelOpenTasks(db, end.runId, endedAt);
      if (end.outcome && end.recordOutcome !== false) {
        const outcome: OutcomeDoc = {
          // Keyed as a step named `end`, as it always was: a retried end records it once.
          _id: stepRecordId('outcome', end.runId, 'end'),
          runId: end.runId,
          accountId: end.input.accountId,
          playbookId: end.input.playbookId,
          name: end.outcome,
          control: end.input.control,
          recordedAt: endedAt,
        };
        await insertIfAbsent(outcomes, outcome);
      }
      await runs.updateOne(
        { _id: end.runId },
        {
          $set: {
            status: end.status,
            outcome: end.outcome,
            goalReached: end.goalReached,
            endedAt,
            currentStep: null,
            ...(end.cancelReason ? { cancelReason: end.cancelReason } : {}),
          },
        },
      );
      return { cancelledTasks };
    },
  };
}
