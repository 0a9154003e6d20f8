/**
 * The interpreter on the real dev server, with real task/outcome/update/account activities:
 * a task, a waitFor resumed by the CSM's completion, a branch on the outcome, an ending outcome;
 * and a run whose account disappears ending as failed, cleaned up.
 */
import { fileURLToPath } from 'node:url';
import { randomUUID } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { readRun, useIntegration } from '../harness/index.js';
import { createAccountDataActivities } from '../../activities/account-data.js';
import { createRunRecordActivities } from '../../activities/run-records.js';
import { createTaskActivities } from '../../activities/tasks.js';
import type { ActivityDeps } from '../../activities/deps.js';
import {
  auditQuery,
  runIdFor,
  runWorkflowId,
  taskCompleted,
  type RunInput,
} from '../../workflows/contract.js';
import { playbookRun } from '../../workflows/playbook-run.js';
import type { Playbook } from '../../language/schema.js';
import type { TaskDoc } from '../../lib/documents.js';
import { WorkflowFailedError } from '@temporalio/client';
import { collections } from '../../lib/collections.js';

const workflowsPath = fileURLToPath(new URL('../../workflows/index.ts', import.meta.url));
const it = useIntegration('interp-smoke');

const playbook: Playbook = {
  id: 'smoke',
  name: 'Smoke',
  trigger: { on: 'manual' },
  steps: [
    { id: 'call', task: { title: 'Call {{account.name}}', outcomes: ['reached', 'no_answer'], due: '1d' } },
    { id: 'wait_call', waitFor: { task: 'call', timeout: '1h' } },
    {
      id: 'check',
      if: 'steps.call.outcome == "reached"',
      then: [
        { update: { field: 'lifecycle', value: 'adoption' } },
        { outcome: { name: 'reached_customer', end: true } },
      ],
    },
    { outcome: 'not_reached' },
  ],
};

function deps(): ActivityDeps {
  return {
    db: it.db,
    mailer: undefined as never,
    config: {
      mailFrom: 'x@y.test',
      publicUrl: 'http://127.0.0.1',
      unsubscribeSecret: 's',
      templatesDir: '/nonexistent',
    },
  };
}

describe('the playbook interpreter', () => {
  test('a completed task moves the waiting run on, the branch sees its outcome, the run ends with it', async () => {
    const accountId = `acct-${randomUUID()}`;
    const now = new Date();
    await collections(it.db).accounts.insertOne({
      _id: accountId,
      name: 'Acme <Logistics>',
      segment: 'high-touch',
      plan: 'enterprise',
      mrr: 1000,
      csm: 'csm-1',
      contacts: [],
      startedAt: now,
      lifecycle: 'onboarding',
      attributes: {},
      createdAt: now,
      updatedAt: now,
    });
    const input: RunInput = {
      accountId,
      playbookId: 'smoke',
      playbookVersion: 1,
      playbook,
      control: false,
      trigger: { on: 'manual', at: now.toISOString(), seen: {} },
    };
    const d = deps();
    const worker = await it.createWorker({
      workflowsPath,
      activities: {
        ...createAccountDataActivities(d),
        ...createRunRecordActivities(d),
        ...createTaskActivities(d),
      },
    });
    const result = await worker.runUntil(async () => {
      const handle = await it.client.workflow.start(playbookRun, {
        taskQueue: it.taskQueue,
        workflowId: runWorkflowId('smoke', accountId),
        args: [input],
      });
      const tasks = collections(it.db).tasks;
      let task: TaskDoc | null = null;
      for (let i = 0; i < 100 && !task; i++) {
        task = await tasks.findOne({ accountId });
        if (!task) await new Promise((r) => setTimeout(r, 100));
      }
      expect(task).toMatchObject({
        title: 'Call Acme <Logistics>',
        assignee: 'csm-1',
        status: 'open',
        outcomes: ['reached', 'no_answer'],
      });
      await tasks.updateOne({ _id: task!._id }, { $set: { status: 'completed', outcome: 'reached' } });
      await handle.signal(taskCompleted, { taskId: task!._id, stepId: 'call', outcome: 'reached' });
      const r = await handle.result();
      const audit = await handle.query(auditQuery);
      return { r, audit, runId: runIdFor(handle.firstExecutionRunId) };
    });
    expect(result.r).toEqual({ status: 'completed', outcome: 'reached_customer', goalReached: false });
    const branch = result.audit.find((e) => e.step === 'check');
    expect(branch?.detail).toMatchObject({
      branch: 'then',
      seen: { steps: { call: { outcome: 'reached' } } },
    });
    const run = await readRun(it.db, { _id: result.runId });
    expect(run).toMatchObject({ status: 'completed', outcome: 'reached_customer', goalReached: false });
    expect(run?.audit.length).toBe(result.audit.length);
    const account = await collections(it.db).accounts.findOne({ _id: accountId });
    expect(account?.lifecycle).toBe('adoption');
  });

  test('an account deleted mid-run ends the run as failed, its open task cancelled', async () => {
    const accountId = `acct-${randomUUID()}`;
    const now = new Date();
    await collections(it.db).accounts.insertOne({
      _id: accountId,
      name: 'Short-lived Ltd',
      segment: 'low-touch',
      plan: 'growth',
      mrr: 300,
      csm: 'csm-1',
      contacts: [],
      startedAt: now,
      lifecycle: 'onboarding',
      attributes: {},
      createdAt: now,
      updatedAt: now,
    });
    const withGoal: Playbook = {
      ...playbook,
      id: 'smoke-goal',
      goal: { when: 'account.lifecycle == "adoption"', outcome: 'adopted' },
      steps: [
        playbook.steps[0],
        { id: 'first_call_wait', waitFor: { task: 'call', timeout: '1h' } },
        { id: 'second', task: { title: 'Never created' } },
      ],
    };
    const input: RunInput = {
      accountId,
      playbookId: 'smoke-goal',
      playbookVersion: 1,
      playbook: withGoal,
      control: false,
      trigger: { on: 'manual', at: now.toISOString(), seen: {} },
    };
    const d = deps();
    const worker = await it.createWorker({
      workflowsPath,
      activities: {
        ...createAccountDataActivities(d),
        ...createRunRecordActivities(d),
        ...createTaskActivities(d),
      },
    });
    const outcome = await worker.runUntil(async () => {
      const handle = await it.client.workflow.start(playbookRun, {
        taskQueue: it.taskQueue,
        workflowId: runWorkflowId('smoke-goal', accountId),
        args: [input],
      });
      const tasks = collections(it.db).tasks;
      let task: TaskDoc | null = null;
      for (let i = 0; i < 100 && !task; i++) {
        task = await tasks.findOne({ accountId });
        if (!task) await new Promise((r) => setTimeout(r, 100));
      }
      await collections(it.db).accounts.deleteOne({ _id: accountId });
      await handle.signal(taskCompleted, { taskId: task!._id, stepId: 'call', outcome: 'reached' });
      const error = await handle.result().then(
        () => null,
        (err: unknown) => err,
      );
      return { error, runId: runIdFor(handle.firstExecutionRunId) };
    });
    expect(outcome.error).toBeInstanceOf(WorkflowFailedError);
    expect(String((outcome.error as WorkflowFailedError).cause?.message)).toMatch(/does not exist/);
    const run = await readRun(it.db, { _id: outcome.runId });
    expect(run).toMatchObject({ status: 'failed', outcome: null });
    expect(run?.audit.find((e) => e.event === 'failed')?.detail).toMatchObject({
      error: expect.stringContaining(accountId),
    });
    expect(
      (await collections(it.db).tasks.find({ accountId }).toArray()).map((t) => [t.stepId, t.status]),
    ).toEqual([['call', 'cancelled']]);
  });
});
