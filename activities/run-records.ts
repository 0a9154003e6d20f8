/**
 * The run's own record in MongoDB: status, current step, audit trail and outcome. Created by an
 * insert keyed by run id, so a retried start finds the record it wrote instead of duplicating
 * it; then updated in place, with the audit's stored length saying where a retried append
 * starts, so it adds nothing twice.
 */
import type { AuditEntry, RunExecution, RunInput } from '../workflows/contract.js';
import { collections } from '../lib/collections.js';
import type { OutcomeDoc } from '../lib/documents.js';
import { stepRecordId } from '../lib/ids.js';
import { insertIfAbsent } from '../lib/mongo.js';
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
  const { outcomes, runs } = collections(db);

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
     * Appends the part of the batch not stored yet. A batch can overlap one stored before (a
     * retried activity, or one the workflow stopped waiting for when the run ended), so
     * `auditLength` says where the stored trail ends and only the entries after it are pushed.
     */
    async appendAudit({ runId, from, entries, currentStep }: AuditBatch): Promise<void> {
      for (let attempt = 0; attempt < 5; attempt++) {
        const doc = await runs.findOne({ _id: runId }, { projection: { auditLength: 1 } });
        const stored = doc?.auditLength ?? 0;
        // A gap would mean an earlier batch is missing; the workflow never sends one (it only
        // advances after a stored batch), so there is nothing sound to append.
        if (stored < from) return;
        const fresh = entries.slice(stored - from).map((e) => ({ ...e, at: new Date(e.at) }));
        if (fresh.length === 0) return;
        const result = await runs.updateOne(
          { _id: runId, auditLength: stored },
          { $push: { audit: { $each: fresh } }, $set: { currentStep, auditLength: stored + fresh.length } },
        );
        if (result.matchedCount === 1) return;
      }
      throw new Error(`audit of run ${runId}: concurrent appends kept colliding; retrying`);
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
