/**
 * A CSM's task completion is recorded first and then delivered to the waiting run; when
 * Temporal cannot be reached it stays pending and is delivered later, never lost.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Client, Connection } from '@temporalio/client';
import type { TaskDoc } from '../../lib/documents.js';
import { createEngine, type Engine } from '../../engine/index.js';
import { taskIdFor } from '../../lib/ids.js';
import { freePort } from '../../lib/free-port.js';
import { runWorkflowId } from '../../workflows/contract.js';
import { account, insertAccounts, publish, steps } from './fixtures.js';
import { startEngineServers, type EngineServers } from './servers.js';
import { collections } from '../../lib/collections.js';

let servers: EngineServers;
let engine: Engine;

beforeAll(async () => {
  servers = await startEngineServers();
  engine = createEngine({ db: servers.db, temporal: servers.env.client, taskQueue: servers.taskQueue });
  await publish(servers.db, {
    id: 'kickoff',
    name: 'Kickoff',
    trigger: { on: 'manual' },
    steps: steps({ id: 'call', task: { title: 'Kickoff call', outcomes: ['held', 'no_show'] } }),
  });
});
afterAll(async () => servers?.stop());

async function openTask(accountId: string): Promise<TaskDoc> {
  await insertAccounts(servers.db, [account(accountId)]);
  const enrolment = await engine.enrollManually('kickoff', accountId);
  const runId = enrolment.runId!;
  const enrolled = await collections(servers.db).enrolments.findOne({ _id: runId });
  const task: TaskDoc = {
    _id: taskIdFor(runId, 'call'),
    runId,
    workflowId: runWorkflowId('kickoff', accountId),
    firstExecutionRunId: enrolled!.firstExecutionRunId,
    stepId: 'call',
    accountId,
    playbookId: 'kickoff',
    assignee: 'csm@retain.test',
    title: 'Kickoff call',
    description: '',
    priority: 'normal',
    due: new Date(),
    outcomes: ['held', 'no_show'],
    status: 'open',
    comments: [],
    createdAt: new Date(),
  };
  await collections(servers.db).tasks.insertOne(task);
  return task;
}

async function signalsReceived(workflowId: string): Promise<unknown[]> {
  const history = await servers.env.client.workflow.getHandle(workflowId).fetchHistory();
  return (history.events ?? [])
    .filter((e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'taskCompleted')
    .map((e) => e.workflowExecutionSignaledEventAttributes);
}

it('records the completion and delivers it to the run', async () => {
  const task = await openTask('tc-1');
  const result = await engine.completeTask(
    task._id,
    { outcome: 'held', note: 'goals agreed' },
    'csm@retain.test',
  );
  expect(result.delivery).toBe('delivered');
  expect(result.task).toMatchObject({
    status: 'completed',
    outcome: 'held',
    note: 'goals agreed',
    pendingDelivery: false,
  });
  expect(await signalsReceived(task.workflowId)).toHaveLength(1);
});

it('rejects an outcome the task does not offer, and a second different answer', async () => {
  const task = await openTask('tc-2');
  await expect(engine.completeTask(task._id, { outcome: 'maybe' }, 'csm')).rejects.toMatchObject({
    code: 'outcome_not_allowed',
  });
  await engine.completeTask(task._id, { outcome: 'held' }, 'csm');
  expect((await engine.completeTask(task._id, { outcome: 'held' }, 'csm')).task.status).toBe('completed');
  await expect(engine.completeTask(task._id, { outcome: 'no_show' }, 'csm')).rejects.toMatchObject({
    code: 'task_not_open',
  });
});

it('keeps a completion pending while Temporal is unreachable and delivers it later', async () => {
  const task = await openTask('tc-3');
  const deadConnection = Connection.lazy({ address: `127.0.0.1:${await freePort()}` });
  const cut = createEngine({
    db: servers.db,
    temporal: new Client({ connection: deadConnection }),
    taskQueue: servers.taskQueue,
  });
  const result = await cut.completeTask(task._id, { outcome: 'no_show' }, 'csm');
  expect(result.delivery).toBe('pending');
  expect(result.task).toMatchObject({ status: 'completed', pendingDelivery: true });
  expect(await signalsReceived(task.workflowId)).toHaveLength(0);

  // The loop leaves a completion this fresh to the request that is telling the run.
  expect(await engine.deliverPendingCompletions()).toBe(0);
  const later = createEngine({
    db: servers.db,
    temporal: servers.env.client,
    taskQueue: servers.taskQueue,
    now: () => new Date(Date.now() + 11_000),
  });
  expect(await later.deliverPendingCompletions()).toBe(1);
  expect(await signalsReceived(task.workflowId)).toHaveLength(1);
  expect(await collections(servers.db).tasks.findOne({ _id: task._id })).toMatchObject({
    pendingDelivery: false,
  });
  await deadConnection.close().catch(() => undefined);
});

it('delivers what the decision says when the task shows a completion that lost', async () => {
  const task = await openTask('tc-4');
  const { tasks, taskDecisions } = collections(servers.db);
  // The winner's decision, and the task as a losing request left it when it stopped after its
  // speculative projection, before writing the winner's back.
  await taskDecisions.insertOne({
    _id: task._id,
    runId: task.runId,
    decision: 'completed',
    at: new Date(Date.now() - 60_000),
    outcome: 'held',
    by: 'csm-a',
  });
  await tasks.updateOne(
    { _id: task._id },
    {
      $set: {
        status: 'completed',
        outcome: 'no_show',
        completedBy: 'csm-b',
        completedAt: new Date(Date.now() - 60_000),
        pendingDelivery: true,
      },
    },
  );
  expect(await engine.deliverPendingCompletions()).toBe(1);
  const signals = (await signalsReceived(task.workflowId)) as Array<{
    input?: { payloads?: Array<{ data?: Uint8Array | null }> | null } | null;
  }>;
  const told = signals.map((sig) => JSON.parse(Buffer.from(sig.input!.payloads![0].data!).toString('utf8')));
  expect(told).toMatchObject([{ stepId: task.stepId, outcome: 'held' }]);
  expect(await tasks.findOne({ _id: task._id })).toMatchObject({
    status: 'completed',
    outcome: 'held',
    completedBy: 'csm-a',
    pendingDelivery: false,
  });
});
