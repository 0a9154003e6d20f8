/**
 * CSM tasks and recorded outcomes. One task per run and step (`_id` = taskIdFor(runId, stepId),
 * lib/ids.ts), so a retried activity finds the task it already created.
 */
import { ApplicationFailure } from '@temporalio/activity';
import { collections } from '../lib/collections.js';
import type { AccountDoc, OutcomeDoc, TaskDoc } from '../lib/documents.js';
import type { TaskStep } from '../language/schema.js';
import { internalContext, type RunInfo } from '../language/context.js';
import { stepRecordId, taskIdFor } from '../lib/ids.js';
import { insertIfAbsent } from '../lib/mongo.js';
import type { ActivityDeps, StepRef } from './deps.js';
import { loadCsm } from './recipients.js';
import { renderTextForStep } from './render.js';

export interface CreateTaskInput extends StepRef {
  task: TaskStep['task'];
  /** Due time computed by the workflow (workflow time + due), ISO. */
  dueAt: string;
  /** The run, for `{{run.…}}` in title and description (which see what a notify text sees). */
  run: Omit<RunInfo, 'runId' | 'playbookId'>;
}

export function createTaskActivities({ db }: ActivityDeps) {
  const { accounts, outcomes, tasks, users } = collections(db);

  /** `csm` means the account's owner; anything else is a user's email or id. */
  async function resolveAssignee(assignee: string, account: AccountDoc): Promise<string> {
    if (assignee === 'csm') {
      if (!account.csm)
        throw ApplicationFailure.nonRetryable(
          `Account "${account._id}" has no CSM to assign the task to.`,
          'NoAssignee',
        );
      return account.csm;
    }
    const user = await users.findOne({ $or: [{ _id: assignee }, { email: assignee.toLowerCase() }] });
    if (!user)
      throw ApplicationFailure.nonRetryable(
        `No user "${assignee}" to assign the task to.`,
        'UnknownAssignee',
      );
    return user._id;
  }

  return {
    async createTask(
      input: CreateTaskInput,
    ): Promise<{ taskId: string; assignee: string; title: string; created: boolean }> {
      const _id = taskIdFor(input.runId, input.stepId);
      const existing = await tasks.findOne({ _id });
      if (existing)
        return { taskId: _id, assignee: existing.assignee, title: existing.title, created: false };
      const account = await accounts.findOne({ _id: input.accountId });
      if (!account)
        throw ApplicationFailure.nonRetryable(
          `Account "${input.accountId}" does not exist.`,
          'UnknownAccount',
        );
      const assignee = await resolveAssignee(input.task.assignee ?? 'csm', account);
      const run: RunInfo = { ...input.run, runId: input.runId, playbookId: input.playbookId };
      const ctx = internalContext(account, await loadCsm(db, account), run, new Date());
      const doc: TaskDoc = {
        _id,
        runId: input.runId,
        workflowId: input.workflowId,
        firstExecutionRunId: input.firstExecutionRunId,
        stepId: input.stepId,
        accountId: input.accountId,
        playbookId: input.playbookId,
        assignee,
        title: renderTextForStep(input.task.title, ctx, 'Task title'),
        description: renderTextForStep(input.task.description ?? '', ctx, 'Task description'),
        priority: input.task.priority ?? 'normal',
        due: new Date(input.dueAt),
        outcomes: input.task.outcomes ?? [],
        status: 'open',
        comments: [],
        createdAt: new Date(),
      };
      await insertIfAbsent(tasks, doc);
      return { taskId: _id, assignee, title: doc.title, created: true };
    },

    async recordOutcome(input: StepRef & { name: string; control: boolean; at: string }): Promise<void> {
      const doc: OutcomeDoc = {
        _id: stepRecordId('outcome', input.runId, input.stepId),
        runId: input.runId,
        accountId: input.accountId,
        playbookId: input.playbookId,
        name: input.name,
        control: input.control,
        recordedAt: new Date(input.at),
      };
      await insertIfAbsent(outcomes, doc);
    },
  };
}
