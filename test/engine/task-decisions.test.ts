/**
 * A task is decided once: a CSM's completion, a second completion with another answer, a snooze
 * and the run's end (recordRunEnded) sent at the same moment never leave the CSM with a 200 for
 * a task that ends cancelled, two completions that both won, or a decided task open again.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import type { Transporter } from 'nodemailer';
import { createEngine, type Engine } from '../../engine/index.js';
import { createRunRecordActivities } from '../../activities/run-records.js';
import type { ActivityDeps } from '../../activities/deps.js';
import { collections } from '../../lib/collections.js';
import type { TaskDoc } from '../../lib/documents.js';
import { taskIdFor } from '../../lib/ids.js';
import { createTaskRepository } from '../../server/repositories/tasks.js';
import { startEngineServers, type EngineServers } from './servers.js';

let servers: EngineServers;
let engine: Engine;

beforeAll(async () => {
  servers = await startEngineServers();
  engine = createEngine({ db: servers.db, temporal: servers.env.client, taskQueue: servers.taskQueue });
});
afterAll(async () => servers?.stop());

/** A task of its own run; the run's workflow does not exist, so a delivery answers run_closed. */
function openTask(i: number): TaskDoc {
  const runId = `run_race${i}_${randomUUID().slice(0, 8)}`;
  return {
    _id: taskIdFor(runId, 'call'),
    runId,
    workflowId: `race-${runId}`,
    firstExecutionRunId: randomUUID(),
    stepId: 'call',
    accountId: `acct-race-${i}`,
    playbookId: 'kickoff',
    assignee: 'csm',
    title: 'Kickoff call',
    description: '',
    priority: 'normal',
    due: new Date(),
    outcomes: ['held', 'no_show'],
    status: 'open',
    comments: [],
    createdAt: new Date(),
  };
}

const jitter = () => new Promise((resolve) => setTimeout(resolve, Math.floor(Math.random() * 4)));

it('completions, a snooze and the run ending race 300 times: one decision each, and every answer agrees with it', async () => {
  const { tasks, taskDecisions } = collections(servers.db);
  const taskList = Array.from({ length: 300 }, (_, i) => openTask(i));
  await tasks.insertMany(taskList);
  const { recordRunEnded } = createRunRecordActivities({
    db: servers.db,
    mailer: {} as Transporter,
  } as unknown as ActivityDeps);
  const repository = createTaskRepository(servers.db);
  const until = new Date(Date.now() + 86_400_000);

  const results = await Promise.all(
    taskList.map(async (task) => {
      const [held, noShow, snooze, end] = await Promise.allSettled([
        jitter().then(() => engine.completeTask(task._id, { outcome: 'held' }, 'csm-a')),
        jitter().then(() => engine.completeTask(task._id, { outcome: 'no_show' }, 'csm-b')),
        jitter().then(() => repository.snoozeOpenTask(task._id, until)),
        jitter().then(() =>
          recordRunEnded({
            runId: task.runId,
            workflowId: task.workflowId,
            firstExecutionRunId: task.firstExecutionRunId,
            input: { accountId: task.accountId, playbookId: 'kickoff', control: false },
            status: 'completed',
            outcome: 'goal',
            goalReached: true,
            recordOutcome: false,
            endedAt: new Date().toISOString(),
          }),
        ),
      ]);
      return { task, held, noShow, snooze, end };
    }),
  );

  const tally = { held: 0, no_show: 0, cancelled: 0 };
  for (const { task, held, noShow, snooze, end } of results) {
    const stored = (await tasks.findOne({ _id: task._id }))!;
    const decision = await taskDecisions.findOne({ _id: task._id });
    expect(snooze.status, String(snooze.status === 'rejected' && snooze.reason)).toBe('fulfilled');
    expect(end.status, String(end.status === 'rejected' && end.reason)).toBe('fulfilled');
    for (const lost of [held, noShow].filter((r) => r.status === 'rejected'))
      expect(lost.reason).toMatchObject({ statusCode: 409, code: 'task_not_open' });
    const winners = [held, noShow].filter((r) => r.status === 'fulfilled');
    expect(winners.length, `task ${task._id}`).toBeLessThanOrEqual(1);
    expect(stored.status).not.toBe('open');
    expect(decision?.decision).toBe(stored.status);
    if (held.status === 'fulfilled') {
      expect(stored).toMatchObject({ status: 'completed', outcome: 'held', completedBy: 'csm-a' });
      tally.held++;
    } else if (noShow.status === 'fulfilled') {
      expect(stored).toMatchObject({ status: 'completed', outcome: 'no_show', completedBy: 'csm-b' });
      tally.no_show++;
    } else {
      expect(stored.status).toBe('cancelled');
      expect(stored.pendingDelivery).not.toBe(true);
      tally.cancelled++;
    }
    const cancelled = end.status === 'fulfilled' ? end.value.cancelledTasks : -1;
    expect(cancelled).toBe(stored.status === 'cancelled' ? 1 : 0);
    // A snooze that answered "snoozed" did so while the task was still undecided.
    if (snooze.status === 'fulfilled' && snooze.value) expect(snooze.value.status).toBe('open');
  }
  console.log('race outcomes', tally);
  expect(tally.held + tally.no_show + tally.cancelled).toBe(300);
}, 480_000);

it('a retried run end cancels nothing twice and leaves a completed task alone', async () => {
  const { tasks } = collections(servers.db);
  const [completed, open] = [openTask(1000), openTask(1001)];
  open.runId = completed.runId;
  open._id = taskIdFor(open.runId, 'other');
  await tasks.insertMany([completed, open]);
  await engine.completeTask(completed._id, { outcome: 'held' }, 'csm');
  const { cancelOpenTasks } = await import('../../lib/task-decisions.js');
  const at = new Date();
  expect(await cancelOpenTasks(servers.db, completed.runId, at)).toBe(1);
  expect(await cancelOpenTasks(servers.db, completed.runId, at)).toBe(0);
  expect(await tasks.findOne({ _id: completed._id })).toMatchObject({ status: 'completed', outcome: 'held' });
  expect(await tasks.findOne({ _id: open._id })).toMatchObject({ status: 'cancelled' });
  await expect(engine.completeTask(open._id, { outcome: 'held' }, 'csm')).rejects.toMatchObject({
    code: 'task_not_open',
    message: expect.stringContaining('cancelled because its run ended'),
  });
});
