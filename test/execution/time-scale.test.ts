/**
 * RunInput.timeScale (demos and benchmarks): a playbook's days pass in fractions of a second
 * on the real dev server, and so do the task's due date and the goal's window.
 */
import { fileURLToPath } from 'node:url';
import { randomUUID } from 'node:crypto';
import { expect, test } from 'vitest';
import { readRun, useIntegration } from '../harness/index.js';
import { createAccountDataActivities } from '../../activities/account-data.js';
import { createRunRecordActivities } from '../../activities/run-records.js';
import { createTaskActivities } from '../../activities/tasks.js';
import type { ActivityDeps } from '../../activities/deps.js';
import { runWorkflowId, type RunInput } from '../../workflows/contract.js';
import { playbookRun } from '../../workflows/playbook-run.js';
import type { Playbook } from '../../language/schema.js';
import { collections } from '../../lib/collections.js';

const workflowsPath = fileURLToPath(new URL('../../workflows/index.ts', import.meta.url));
const it = useIntegration('time-scale');

const playbook: Playbook = {
  id: 'scaled',
  name: 'Scaled',
  trigger: { on: 'manual' },
  goal: { when: 'has(account.attributes.done)', outcome: 'done', within: '10d', missedOutcome: 'not_done' },
  steps: [
    { id: 'call', task: { title: 'Call {{account.name}}', due: '2d' } },
    { id: 'pause', wait: '3d' },
    { outcome: 'waited' },
  ],
};

test('with timeScale 86,400 a day lasts a second: 3-day wait, 2-day due date, 10-day window', async () => {
  const accountId = `acct-${randomUUID()}`;
  const now = new Date();
  await collections(it.db).accounts.insertOne({
    _id: accountId,
    name: 'Scaled Co',
    segment: 'low-touch',
    plan: 'growth',
    mrr: 100,
    csm: 'csm-1',
    contacts: [],
    startedAt: now,
    lifecycle: 'onboarding',
    attributes: {},
    createdAt: now,
    updatedAt: now,
  });
  const d: ActivityDeps = {
    db: it.db,
    mailer: undefined as never,
    config: {
      mailFrom: 'x@y.test',
      publicUrl: 'http://127.0.0.1',
      unsubscribeSecret: 's',
      templatesDir: '/nonexistent',
    },
  };
  const input: RunInput = {
    accountId,
    playbookId: 'scaled',
    playbookVersion: 1,
    playbook,
    control: false,
    trigger: { on: 'manual', at: now.toISOString(), seen: {} },
    timeScale: 86_400,
  };
  const worker = await it.createWorker({
    workflowsPath,
    activities: {
      ...createAccountDataActivities(d),
      ...createRunRecordActivities(d),
      ...createTaskActivities(d),
    },
  });
  const began = Date.now();
  const result = await worker.runUntil(
    it.client.workflow.execute(playbookRun, {
      taskQueue: it.taskQueue,
      workflowId: runWorkflowId('scaled', accountId),
      args: [input],
    }),
  );
  const elapsed = Date.now() - began;
  // Ten scaled days are ten seconds: the window, not real days, ended the run.
  expect(result).toMatchObject({ status: 'completed', outcome: 'not_done', goalReached: false });
  expect(elapsed).toBeGreaterThanOrEqual(9_000);
  expect(elapsed).toBeLessThan(60_000);
  const task = await collections(it.db).tasks.findOne({ accountId });
  const run = await readRun(it.db, { accountId });
  // Due two scaled days (two seconds) after the run started.
  const dueAfterStart = task!.due.getTime() - run!.startedAt.getTime();
  expect(dueAfterStart).toBeGreaterThanOrEqual(1_900);
  expect(dueAfterStart).toBeLessThan(10_000);
  const waited = run!.audit.filter((e) => e.step === 'pause').map((e) => e.event);
  expect(waited).toContain('waiting');
  expect(run!.audit.some((e) => e.kind === 'outcome' && e.event === 'recorded')).toBe(true);
}, 120_000);
